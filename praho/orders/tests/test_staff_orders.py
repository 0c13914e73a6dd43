"""Staff pages of orders (/staff/orders/): the list and its filters, an order's page, approving,
refusing and cancelling, the dashboard panel, and who may do what. Orders are placed by the
real checkout; nothing is mocked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.billing.models import DocumentStatus
from praho.orders.models import Order, OrderPolicy, OrderStatus, ReviewFlag
from praho.orders.services.checkout import place_order

pytestmark = pytest.mark.django_db

ORDERS = "/staff/orders/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def hosting(domain="carol.ro"):
    return {"plan": "web-start", "cycle": "annual", "domain": domain}


def order_for(customer, actor, *, items=None, coupon=""):
    return place_order(
        actor=actor, customer=customer, currency="RON", items=items or [hosting()], coupon=coupon
    )


def waiting_order(customer, actor):
    """An order that waits for approval: its customer is flagged for review."""
    ReviewFlag.objects.get_or_create(customer=customer, defaults={"reason": "New customer"})
    return order_for(customer, actor)


def url(order, action=""):
    return f"{ORDERS}{order.pk}/{action}"


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def admin(staff_client, alice_admin, shop):
    return staff_client(alice_admin)


# --- who may see the pages ----------------------------------------------------------------------------


def test_customers_users_do_not_find_the_staff_pages(client, shop, carol, carol_customer):
    order = order_for(carol_customer, carol)
    client.force_login(carol)
    for path in (ORDERS, url(order), url(order, "approve/"), f"{ORDERS}new/", f"{ORDERS}services/"):
        assert client.get(path).status_code == 404


def test_every_staff_role_sees_orders_but_only_some_decide(
    staff_client, shop, carol, carol_customer, sue_support, sam_sales, bill_billing
):
    order = waiting_order(carol_customer, carol)
    for user, approve in ((sue_support, 403), (sam_sales, 403), (bill_billing, 200)):
        client = staff_client(user)
        assert client.get(ORDERS).status_code == 200
        assert client.get(url(order)).status_code == 200
        assert client.get(url(order, "approve/")).status_code == approve
        assert client.get(url(order, "refuse/")).status_code == approve
        if approve == 403:
            assert client.post(url(order, "refuse/"), {"text": "no"}).status_code == 403
    client = staff_client(sue_support)
    assert client.post(url(order, "cancel/"), {"text": "x"}).status_code == 403
    assert client.get(f"{ORDERS}new/").status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_APPROVAL


def test_an_unknown_order_is_a_404(admin):
    assert admin.get(f"{ORDERS}999999/").status_code == 404


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_leaves_carts_out_unless_asked(admin, carol, carol_customer):
    placed = order_for(carol_customer, carol)
    cart = Order.objects.create(customer=carol_customer, currency="RON", created_by=carol)

    default = admin.get(ORDERS)
    everything = admin.get(ORDERS, {"status": "all"})
    carts = admin.get(ORDERS, {"status": "draft"})

    assert default.context["orders"] == [placed]
    assert set(everything.context["orders"]) == {placed, cart}
    assert carts.context["orders"] == [cart]
    assert placed.number in default.content.decode()


def test_the_list_filters_by_status_customer_and_placing_day(
    admin, carol, carol_customer, dave, dave_customer
):
    carols = order_for(carol_customer, carol)
    daves = waiting_order(dave_customer, dave)
    Order.objects.filter(pk=carols.pk).update(placed_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()

    assert admin.get(ORDERS, {"status": "awaiting_approval"}).context["orders"] == [daves]
    assert admin.get(ORDERS, {"customer": carol_customer.pk}).context["orders"] == [carols]
    assert admin.get(ORDERS, {"placed_from": today.isoformat()}).context["orders"] == [daves]
    before = (today - timedelta(days=5)).isoformat()
    assert admin.get(ORDERS, {"placed_to": before}).context["orders"] == [carols]
    wrong = admin.get(ORDERS, {"placed_from": today.isoformat(), "placed_to": before})
    assert wrong.context["orders"] == []
    assert "The end of the period is before its start." in wrong.content.decode()


@pytest.mark.parametrize("count", [2, 6])
@pytest.mark.parametrize(
    ("query", "htmx", "expected"), [({}, False, 7), ({"status": "awaiting_payment"}, True, 7)]
)
def test_the_list_runs_a_fixed_number_of_queries(
    admin, carol, carol_customer, django_assert_num_queries, count, query, htmx, expected
):
    for _n in range(count):
        order_for(carol_customer, carol)
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 count,
    # 7 the page of orders with their customers
    with django_assert_num_queries(expected):
        response = admin.get(ORDERS, query, **(HTMX if htmx else {}))
    assert len(response.context["orders"]) == count


def test_the_list_is_paginated(admin, carol, carol_customer, django_assert_num_queries):
    Order.objects.bulk_create(
        Order(customer=carol_customer, currency="RON", status="awaiting_payment", number=f"ORD-T-{n}")
        for n in range(26)
    )
    # the customer chosen in the picker adds one query
    with django_assert_num_queries(8):
        second = admin.get(ORDERS, {"page": 2, "customer": carol_customer.pk})
    assert len(second.context["orders"]) == 1
    assert second.context["picker"]["selected"] == carol_customer


def test_the_customer_picker_finds_customers(admin, carol_customer):
    response = admin.get(f"{ORDERS}customers/", {"customer_q": "Carol"})
    assert "Carol Hosting SRL" in response.content.decode()


# --- an order's page ------------------------------------------------------------------------------------


def test_the_order_page_shows_lines_discounts_totals_documents_and_history(admin, carol, carol_customer):
    order = order_for(carol_customer, carol, items=[hosting() | {"addons": ["backup"]}])

    response = admin.get(url(order))

    page = response.content.decode()
    assert response.status_code == 200
    assert [line.plan_code for line in response.context["lines"]] == ["web-start", "backup", "domain-ro"]
    assert f'href="/staff/billing/documents/{order.document_id}/"' in page
    assert order.document.number in page
    assert "Daily backup" in page
    assert "50,00" in page or "50.00" in page  # the backup's package discount
    assert [row["event"].action for row in response.context["history"]] == ["orders.order_placed"]
    assert response.context["actions"] == {"approve": False, "refuse": False, "cancel": True}


def test_a_waiting_order_shows_why(admin, carol, carol_customer):
    order = waiting_order(carol_customer, carol)
    page = admin.get(url(order)).content.decode()
    # Written when the order was placed, in the customer's document language (as its lines are).
    assert "Clientul este marcat pentru verificare: New customer" in page
    assert f'href="{url(order, "approve/")}"' in page


# --- approve, refuse, cancel ----------------------------------------------------------------------------


def test_approving_asks_first_then_bills_the_order(admin, alice_admin, carol, carol_customer):
    order = waiting_order(carol_customer, carol)

    confirm = admin.get(url(order, "approve/"))
    assert confirm.status_code == 200
    assert "Approve this order?" in confirm.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_APPROVAL

    done = admin.post(url(order, "approve/"), {"text": "Known customer"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.document.status == DocumentStatus.ISSUED
    assert order.decided_by == alice_admin
    assert order.decision_note == "Known customer"
    assert f"Order {order.number} approved." in messages_of(done)
    event = AuditEvent.objects.get(action="orders.order_approved")
    assert event.actor == alice_admin
    assert event.data["note"] == "Known customer"


def test_refusing_needs_a_reason(admin, carol, carol_customer):
    order = waiting_order(carol_customer, carol)

    missing = admin.post(url(order, "refuse/"), {"text": "  "})
    assert missing.status_code == 400
    assert 'id="id_text_error"' in missing.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_APPROVAL

    admin.post(url(order, "refuse/"), {"text": "Fraud suspicion"})
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUSED
    assert order.decision_note == "Fraud suspicion"
    assert AuditEvent.objects.filter(action="orders.order_refused").count() == 1


def test_an_order_not_waiting_cannot_be_approved(admin, carol, carol_customer):
    order = order_for(carol_customer, carol)

    response = admin.post(url(order, "approve/"), {"text": ""}, follow=True)

    assert "Only an order awaiting approval can be approved." in messages_of(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert not AuditEvent.objects.filter(action="orders.order_approved").exists()


def test_cancelling_cancels_the_proforma(admin, carol, carol_customer):
    order = order_for(carol_customer, carol)

    response = admin.post(url(order, "cancel/"), {"text": "Customer asked"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.document.status == DocumentStatus.CANCELLED
    assert f"Order {order.number} cancelled." in messages_of(response)
    assert AuditEvent.objects.get(action="orders.order_cancelled").data["reason"] == "Customer asked"

    again = admin.post(url(order, "cancel/"), {"text": "again"}, follow=True)
    assert "cannot be cancelled" in " ".join(messages_of(again))


def test_an_order_over_the_threshold_waits_and_appears_on_the_dashboard(
    staff_client, mike_manager, carol, carol_customer, shop, django_assert_num_queries
):
    OrderPolicy.objects.create(currency="RON", approval_threshold=Decimal("100"))
    waiting = order_for(carol_customer, carol)
    assert waiting.status == OrderStatus.AWAITING_APPROVAL
    ReviewFlag.objects.all().delete()
    OrderPolicy.objects.all().delete()
    order_for(carol_customer, carol, items=[hosting("other.ro")])
    client = staff_client(mike_manager)

    page = client.get("/staff/").content.decode()

    assert 'data-panel="orders-waiting"' in page
    assert '<dd data-count="awaiting_approval">1</dd>' in page
    assert '<dd data-count="awaiting_payment">1</dd>' in page
    assert "/staff/orders/?status=awaiting_approval" in page


def test_the_dashboard_panel_runs_one_query(rf, mike_manager, sue_support, carol, carol_customer, shop):
    from praho.orders.dashboard import staff_panels, waiting_counts

    order_for(carol_customer, carol)
    request = rf.get("/staff/")
    request.user = mike_manager
    mike_manager.has_perm("orders.view_order")  # permissions cached
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        panels = staff_panels(request)
    assert len(queries) == 1
    assert panels[0].data == waiting_counts() == {"awaiting_approval": 0, "awaiting_payment": 1}
    request.user = sue_support
    assert staff_panels(request)  # support sees orders


def test_the_confirmation_is_not_offered_for_an_order_that_cannot_be_decided(admin, carol, carol_customer):
    order = order_for(carol_customer, carol)
    response = admin.get(url(order, "refuse/"), follow=True)
    assert response.redirect_chain == [(url(order), 302)]
    assert "This order is awaiting payment: there is nothing to decide." in messages_of(response)
