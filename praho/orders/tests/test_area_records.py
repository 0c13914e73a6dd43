"""The customer area's orders and services under /app/shop/: lists (fixed query counts, pages),
details, cancelling an order, the entitlements panel; other customers' ids answer 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from praho.billing.models import DocumentStatus
from praho.billing.services.payments import record_payment
from praho.core.validation import fiscal_today
from praho.orders.models import Order, OrderStatus, ReviewFlag, Service, ServiceStatus
from praho.orders.services.checkout import place_order
from praho.testing.actors import member_of

pytestmark = pytest.mark.django_db

ORDERS = reverse("orders:area-orders")
SERVICES = reverse("orders:area-services")
HOSTING = {"plan": "web-start", "cycle": "annual", "domain": "carol.ro", "addons": ["backup"]}


def order_url(order: Order, name: str = "area-order") -> str:
    return reverse(f"orders:{name}", args=[order.pk])


def service_url(service: Service) -> str:
    return reverse("orders:area-service", args=[service.pk])


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def placed(actor, customer, items=None) -> Order:
    return place_order(actor=actor, customer=customer, currency="RON", items=items or [HOSTING])


def paid(actor, customer, staff) -> Order:
    order = placed(actor, customer)
    record_payment(
        actor=staff,
        invoice=order.document,
        amount=order.document.total,
        currency="RON",
        method="bank_transfer",
        reference="OP 1",
        received_on=fiscal_today(),
    )
    order.refresh_from_db()
    return order


# --- orders -----------------------------------------------------------------------------------------


def test_the_orders_list_shows_the_customers_placed_orders(
    as_user, shop, carol, carol_customer, dave, dave_customer
):
    mine = placed(carol, carol_customer)
    placed(dave, dave_customer)

    response = as_user(carol).get(ORDERS)

    assert response.status_code == 200
    assert list(response.context["orders"]) == [mine]
    text = response.content.decode()
    assert mine.number in text
    assert reverse("billing:area-document", args=[mine.document_id]) in text


@pytest.mark.parametrize("count", [2, 6])
def test_the_orders_list_runs_a_fixed_number_of_queries(
    as_user, shop, carol, carol_customer, django_assert_num_queries, count
):
    for _index in range(count):
        placed(carol, carol_customer)
    client = as_user(carol)
    # 1 session, 2 user, 3 memberships (current customer), 4 count, 5 the page with the proformas
    with django_assert_num_queries(5):
        response = client.get(ORDERS)
    assert len(response.context["orders"]) == count


def test_the_orders_list_is_paginated(as_user, shop, carol, carol_customer, django_assert_num_queries):
    orders = [placed(carol, carol_customer, [{"plan": "vps-s", "cycle": "monthly"}]) for _i in range(27)]
    client = as_user(carol)
    with django_assert_num_queries(5):
        second = client.get(ORDERS + "?page=2")
    assert list(second.context["orders"]) == [orders[1], orders[0]]


def test_the_order_page_shows_lines_totals_and_the_proforma(as_user, shop, carol, carol_customer):
    order = placed(carol, carol_customer)

    response = as_user(carol).get(order_url(order))

    assert response.status_code == 200
    text = response.content.decode()
    assert order.number in text
    assert "Awaiting payment" in text
    assert [line.plan_code for line in response.context["lines"]] == ["web-start", "backup", "domain-ro"]
    assert response.context["document"] == order.document
    assert order.document.number in text


def test_an_order_awaiting_approval_says_so(as_user, shop, carol, carol_customer):
    ReviewFlag.objects.create(customer=carol_customer, reason="new customer")
    order = placed(carol, carol_customer)
    assert order.status == OrderStatus.AWAITING_APPROVAL

    response = as_user(carol).get(order_url(order))

    assert "This order is awaiting approval by our staff." in response.content.decode()
    assert response.context["document"] is None


def test_the_customer_cancels_an_order_awaiting_payment_after_confirming(
    as_user, shop, carol, carol_customer
):
    order = placed(carol, carol_customer)
    client = as_user(carol)

    confirm = client.get(order_url(order, "area-order-cancel"))
    assert "This cannot be undone." in confirm.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT

    response = client.post(order_url(order, "area-order-cancel"), {"reason": "changed my mind"})

    assert response.status_code == 302
    assert response.url == order_url(order)
    order.refresh_from_db()
    assert (order.status, order.decision_note) == (OrderStatus.CANCELLED, "changed my mind")
    assert order.document.status == DocumentStatus.CANCELLED
    assert "Cancel the order" not in client.get(order_url(order)).content.decode()


def test_a_paid_order_cannot_be_cancelled(as_user, shop, carol, carol_customer, bill_billing):
    order = paid(carol, carol_customer, bill_billing)
    client = as_user(carol)
    response = client.post(order_url(order, "area-order-cancel"), follow=True)
    assert "A provisioning order cannot be cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PROVISIONING


def test_another_customers_order_answers_404(as_user, shop, carol, carol_customer, dave, dave_customer):
    theirs = placed(dave, dave_customer)
    client = as_user(carol)
    assert client.get(order_url(theirs)).status_code == 404
    assert client.get(order_url(theirs, "area-order-cancel")).status_code == 404
    assert client.post(order_url(theirs, "area-order-cancel")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.AWAITING_PAYMENT


def test_a_cart_is_not_an_order_page(as_user, shop, carol, carol_customer):
    from praho.orders.services import cart as carts

    cart = carts.add_item(
        customer=carol_customer, user=carol, item={"plan": "vps-s", "cycle": "monthly", "quantity": 1}
    )
    assert as_user(carol).get(order_url(cart)).status_code == 404
    assert list(as_user(carol).get(ORDERS).context["orders"]) == []


def test_a_viewer_sees_no_orders(as_user, shop, carol, carol_customer, erin_viewer):
    order = placed(carol, carol_customer)
    client = as_user(erin_viewer)
    assert client.get(ORDERS).status_code == 403
    assert client.get(order_url(order)).status_code == 403
    assert client.post(order_url(order, "area-order-cancel")).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


# --- services ------------------------------------------------------------------------------------


def test_the_services_list_shows_status_plan_cycle_price_due_date_and_domain(
    as_user, shop, carol, carol_customer, bill_billing
):
    paid(carol, carol_customer, bill_billing)

    response = as_user(carol).get(SERVICES)

    assert response.status_code == 200
    services = list(response.context["services"])
    assert [s.plan.code for s in services] == ["domain-ro", "backup", "web-start"]
    text = response.content.decode()
    assert "Pending provisioning" in text
    assert "carol.ro" in text
    assert "Annually" in text


@pytest.mark.parametrize("orders", [1, 4])
def test_the_services_list_runs_a_fixed_number_of_queries(
    as_user, shop, carol, carol_customer, bill_billing, django_assert_num_queries, orders
):
    for _index in range(orders):
        paid(carol, carol_customer, bill_billing)
    client = as_user(carol)
    # 1 session, 2 user, 3 memberships (current customer), 4 count, 5 the page with the plans
    with django_assert_num_queries(5):
        response = client.get(SERVICES)
    assert len(response.context["services"]) == 3 * orders


def test_the_service_page_shows_the_plans_limits_and_the_entitlements(
    as_user, shop, carol, carol_customer, bill_billing
):
    paid(carol, carol_customer, bill_billing)
    Service.objects.filter(customer=carol_customer).update(status=ServiceStatus.ACTIVE)
    hosting = Service.objects.get(plan__code="web-start")

    response = as_user(carol).get(service_url(hosting))

    assert response.status_code == 200
    assert [f"{pf.code}={pf.limit}" for pf in response.context["features"]] == [
        "disk=10.00",
        "bandwidth=None",
        "mailboxes=5.00",
    ]
    assert [(e.code, e.limit) for e in response.context["entitlements"]] == [
        ("disk", Decimal("10.00")),
        ("bandwidth", None),
        ("mailboxes", Decimal("5.00")),
        ("backups", Decimal("7.00")),
    ]
    assert [child.plan.code for child in response.context["children"]] == ["backup", "domain-ro"]
    assert "What you may use now" in response.content.decode()


def test_every_member_sees_services_but_not_another_customers(
    as_user, shop, carol, carol_customer, dave, dave_customer, bill_billing, erin_viewer
):
    paid(dave, dave_customer, bill_billing)
    paid(carol, carol_customer, bill_billing)
    theirs = Service.objects.filter(customer=dave_customer).first()
    mine = Service.objects.filter(customer=carol_customer).first()
    technical = member_of(carol_customer, role="technical", email="tom@carol.example")

    for user in (erin_viewer, technical):
        client = as_user(user)
        assert client.get(SERVICES).status_code == 200
        assert client.get(service_url(mine)).status_code == 200
        assert client.get(service_url(theirs)).status_code == 404
    assert as_user(carol).get(service_url(theirs)).status_code == 404
    assert as_user(carol).get(reverse("orders:area-service", args=[999999])).status_code == 404


def test_the_nav_marks_the_current_shop_page(as_user, shop, carol, carol_customer, erin_viewer):
    text = as_user(carol).get(SERVICES).content.decode()
    assert f'<a href="{SERVICES}" aria-current="page">My services</a>' in text
    assert reverse("orders:area-cart") in text
    viewer = as_user(erin_viewer).get(SERVICES).content.decode()
    assert reverse("orders:area-cart") not in viewer
