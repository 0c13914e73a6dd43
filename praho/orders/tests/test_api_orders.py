"""POST/GET /api/v1/orders/: who may order for which customer, what an order looks like, lists
and their isolation, cancelling. Staff permissions are granted to the test users explicitly
(orders.* are not in the staff roles' data here)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from praho.billing.models import DocumentStatus
from praho.billing.services.payments import record_payment
from praho.catalog.models import Coupon
from praho.core.validation import fiscal_today
from praho.orders.models import CouponRedemption, Order, OrderStatus
from praho.testing.actors import member_of
from praho.testing.api import DENIED, NOT_FOUND, bearer, error_of

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
HOSTING = {"plan": "web-start", "cycle": "annual", "quantity": 1, "domain": "carol.ro"}


def grant(user, *permissions: str):
    """Staff permissions given to this user directly (the roles' data is another change's)."""
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def order_body(customer, *items, **extra):
    return {"customer": customer.pk, "currency": "RON", "items": list(items) or [HOSTING], **extra}


def place(user, customer, *items, **extra):
    return bearer(user).post(ORDERS, order_body(customer, *items, **extra), format="json")


def coupon(**values) -> Coupon:
    fields = {"code": "SPRING", "kind": "percent", "percent": Decimal("10"), "active": True, **values}
    return Coupon.objects.create(**fields)


def pay(staff, order: Order) -> None:
    record_payment(
        actor=staff,
        invoice=order.document,
        amount=order.document.total,
        currency=order.currency,
        method="bank_transfer",
        reference="OP 1",
        received_on=fiscal_today(),
    )


# --- Placing ---------------------------------------------------------------------


def test_the_owner_places_an_order_and_gets_it_with_its_proforma(shop, carol, carol_customer):
    item = {**HOSTING, "addons": ["backup", "ssl-basic"]}
    response = place(carol, carol_customer, item)
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["id"] == order.pk
    assert body["number"] == order.number
    assert body["status"] == "awaiting_payment"
    assert body["customer"] == carol_customer.pk
    assert (body["net_total"], body["vat_total"], body["total"]) == ("280.00", "58.80", "338.80")
    assert body["proforma"] == order.document_id
    assert order.document.status == DocumentStatus.ISSUED
    lines = body["lines"]
    assert [(line["plan_code"], line["role"]) for line in lines] == [
        ("web-start", "item"),
        ("backup", "addon"),
        ("ssl-basic", "addon"),
        ("domain-ro", "included"),
    ]
    hosting = lines[0]
    assert set(hosting) == {
        "id",
        "position",
        "role",
        "plan",
        "plan_code",
        "description",
        "cycle",
        "quantity",
        "domain",
        "unit_price",
        "setup_fee",
        "discount",
        "net_amount",
        "parent",
    }
    assert hosting["plan"] == shop.plans["web-start"].pk
    assert (hosting["unit_price"], hosting["setup_fee"], hosting["discount"]) == ("200.00", "0.00", "0.00")
    assert hosting["parent"] is None
    assert hosting["domain"] == "carol.ro"
    assert [line["parent"] for line in lines[1:]] == [hosting["id"]] * 3
    assert (lines[1]["discount"], lines[1]["net_amount"]) == ("50.00", "50.00")


def test_plans_are_named_by_id_or_code(shop, carol, carol_customer):
    item = {**HOSTING, "plan": shop.plans["web-start"].pk, "addons": [shop.plans["backup"].pk, "SSL-Basic"]}
    response = place(carol, carol_customer, item)
    assert response.status_code == 201, response.json()
    assert [line["plan_code"] for line in response.json()["lines"]] == [
        "web-start",
        "backup",
        "ssl-basic",
        "domain-ro",
    ]


def test_a_billing_member_may_order(shop, carol_customer):
    billing = member_of(carol_customer, role="billing", email="bea@customer.test")
    assert place(billing, carol_customer).status_code == 201


@pytest.mark.parametrize("role", ["viewer", "technical"])
def test_members_whose_role_may_not_order_are_refused(shop, carol_customer, role):
    member = member_of(carol_customer, role=role, email=f"{role}@customer.test")
    response = place(member, carol_customer)
    assert response.status_code == 403
    assert error_of(response) == DENIED
    assert not Order.objects.exists()


def test_an_outsider_cannot_order_for_a_customer_it_does_not_belong_to(shop, dave, carol_customer):
    response = place(dave, carol_customer)
    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND
    # The same answer as for a customer that does not exist.
    assert error_of(
        bearer(dave).post(ORDERS, {**order_body(carol_customer), "customer": 999999}, format="json")
    ) == (NOT_FOUND)
    assert not Order.objects.exists()


def test_staff_order_for_any_customer_with_the_permission(shop, clerk, carol_customer):
    assert error_of(place(clerk, carol_customer)) == DENIED
    grant(clerk, "orders.place_order")
    response = place(clerk, carol_customer)
    assert response.status_code == 201
    order = Order.objects.get()
    assert order.placed_by_staff
    assert order.customer == carol_customer
    missing = {**order_body(carol_customer), "customer": 999999}
    assert error_of(bearer(clerk).post(ORDERS, missing, format="json")) == NOT_FOUND


def test_staff_may_order_a_flagged_plan_customers_may_not(shop, clerk, carol, carol_customer):
    beta = {"plan": "beta-box", "cycle": "monthly"}
    assert place(carol, carol_customer, beta).status_code == 400
    grant(clerk, "orders.place_order")
    assert place(clerk, carol_customer, beta).status_code == 201


def test_an_order_with_a_coupon_counts_its_use(shop, carol, carol_customer):
    spring = coupon()
    response = place(carol, carol_customer, coupon="spring")
    assert response.status_code == 201, response.json()
    assert response.json()["coupon"] == "SPRING"
    assert response.json()["net_total"] == "180.00"
    spring.refresh_from_db()
    assert spring.uses == 1
    assert CouponRedemption.objects.filter(coupon=spring, customer=carol_customer).count() == 1


# --- Reading ---------------------------------------------------------------------


def test_an_order_is_read_by_its_customers_members_only(shop, carol, dave, carol_customer, erin_viewer):
    order_id = place(carol, carol_customer).json()["id"]
    url = f"{ORDERS}{order_id}/"
    assert bearer(carol).get(url).json()["id"] == order_id
    assert bearer(erin_viewer).get(url).status_code == 200  # a viewer sees, but may not order
    response = bearer(dave).get(url)
    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND
    assert error_of(bearer(dave).get(f"{ORDERS}999999/")) == NOT_FOUND


def test_staff_read_orders_with_the_view_permission(shop, carol, clerk, carol_customer):
    order_id = place(carol, carol_customer).json()["id"]
    assert bearer(clerk).get(f"{ORDERS}{order_id}/").status_code == 404
    assert bearer(clerk).get(ORDERS).json()["count"] == 0
    grant(clerk, "orders.view_order")
    assert bearer(clerk).get(f"{ORDERS}{order_id}/").status_code == 200
    assert bearer(clerk).get(ORDERS).json()["count"] == 1


def test_a_list_shows_only_the_users_customers_orders(shop, carol, dave, carol_customer, dave_customer):
    mine = [place(carol, carol_customer).json()["id"] for _ in range(2)]
    theirs = place(dave, dave_customer, {**HOSTING, "domain": "dave.ro"}).json()["id"]
    listed = bearer(carol).get(ORDERS).json()
    assert [order["id"] for order in listed["results"]] == mine[::-1]
    assert listed["count"] == 2
    assert [order["id"] for order in bearer(dave).get(ORDERS).json()["results"]] == [theirs]
    # Filtering on another customer's id finds nothing rather than revealing anything.
    assert bearer(carol).get(ORDERS, {"customer": dave_customer.pk}).json()["count"] == 0


def test_orders_are_filtered_by_customer_and_status(shop, carol, clerk, carol_customer, dave_customer):
    grant(clerk, "orders.view_order", "orders.place_order")
    first = place(carol, carol_customer).json()["id"]
    second = place(carol, carol_customer).json()["id"]
    bearer(carol).post(f"{ORDERS}{first}/cancel/", {}, format="json")
    other = place(clerk, dave_customer, {**HOSTING, "domain": "dave.ro"}).json()["id"]
    staff = bearer(clerk)

    def ids(**query):
        response = staff.get(ORDERS, query)
        assert response.status_code == 200, response.json()
        return [order["id"] for order in response.json()["results"]]

    assert ids() == [other, second, first]
    assert ids(customer=carol_customer.pk) == [second, first]
    assert ids(status="cancelled") == [first]
    assert ids(status="awaiting_payment", customer=carol_customer.pk) == [second]
    assert error_of(staff.get(ORDERS, {"status": "nonsense"}))["fields"] == {
        "status": ['"nonsense" is not a valid choice.']
    }
    assert set(error_of(staff.get(ORDERS, {"customer": "1e3"}))["fields"]) == {"customer"}


def test_carts_are_not_orders(shop, carol, carol_customer):
    Order.objects.create(customer=carol_customer, currency="RON", created_by=carol)
    assert bearer(carol).get(ORDERS).json()["count"] == 0
    cart = Order.objects.get()
    assert bearer(carol).get(f"{ORDERS}{cart.pk}/").status_code == 404


def test_the_order_list_runs_a_fixed_number_of_queries(
    shop, carol, carol_customer, django_assert_num_queries
):
    for _ in range(3):
        place(carol, carol_customer, {**HOSTING, "addons": ["backup"]})
    client = bearer(carol)
    # user (token), count, page, the page's lines
    with django_assert_num_queries(4):
        response = client.get(ORDERS)
    assert len(response.json()["results"]) == 3
    place(carol, carol_customer, {**HOSTING, "addons": ["backup", "ssl-basic"]})
    with django_assert_num_queries(4):
        assert len(client.get(ORDERS).json()["results"]) == 4


def test_the_staff_order_list_runs_a_fixed_number_of_queries(
    shop, carol, clerk, carol_customer, django_assert_num_queries
):
    grant(clerk, "orders.view_order")
    for _ in range(3):
        place(carol, carol_customer)
    client = bearer(clerk)
    # user (token), second factor, permissions (user's, groups'), count, page, lines
    with django_assert_num_queries(7):
        assert len(client.get(ORDERS).json()["results"]) == 3


# --- Cancelling ------------------------------------------------------------------


def test_cancelling_gives_the_coupon_use_back_and_cancels_the_proforma(shop, carol, carol_customer):
    spring = coupon(max_uses=1)
    order_id = place(carol, carol_customer, coupon="SPRING").json()["id"]
    response = bearer(carol).post(f"{ORDERS}{order_id}/cancel/", {"reason": "Changed my mind"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert response.json()["decision_note"] == "Changed my mind"
    order = Order.objects.get()
    assert order.document.status == DocumentStatus.CANCELLED
    spring.refresh_from_db()
    assert spring.uses == 0
    assert not CouponRedemption.objects.exists()
    # The use given back can be used again.
    assert place(carol, carol_customer, coupon="SPRING").status_code == 201


def test_a_paid_order_cannot_be_cancelled(shop, carol, alice_admin, carol_customer):
    order_id = place(carol, carol_customer).json()["id"]
    pay(alice_admin, Order.objects.get())
    response = bearer(carol).post(f"{ORDERS}{order_id}/cancel/", {}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "not_cancellable"
    assert Order.objects.get().status == OrderStatus.PROVISIONING


def test_who_may_cancel(shop, carol, dave, erin_viewer, clerk, carol_customer):
    order_id = place(carol, carol_customer).json()["id"]
    url = f"{ORDERS}{order_id}/cancel/"
    assert error_of(bearer(dave).post(url, {}, format="json")) == NOT_FOUND
    assert error_of(bearer(erin_viewer).post(url, {}, format="json")) == DENIED
    assert error_of(bearer(clerk).post(url, {}, format="json")) == NOT_FOUND  # cannot see it
    grant(clerk, "orders.view_order")
    assert error_of(bearer(clerk).post(url, {}, format="json")) == DENIED
    grant(clerk, "orders.change_order")
    assert bearer(clerk).post(url, {}, format="json").status_code == 200
    assert Order.objects.get().status == OrderStatus.CANCELLED


def test_a_cancel_body_is_read_strictly(shop, carol, carol_customer):
    order_id = place(carol, carol_customer).json()["id"]
    url = f"{ORDERS}{order_id}/cancel/"
    response = bearer(carol).post(url, {"why": "x"}, format="json")
    assert error_of(response)["code"] == "unknown_field"
    response = bearer(carol).post(url, {"reason": "x" * 501}, format="json")
    assert set(error_of(response)["fields"]) == {"reason"}
    assert Order.objects.get().status == OrderStatus.AWAITING_PAYMENT


def test_refusals_speak_the_callers_language_and_the_order_the_customers(shop, carol, carol_customer):
    """carol_customer's documents are in Romanian: its lines and proforma are; carol reads English."""
    refused = place(carol, carol_customer, {**HOSTING, "quantity": 0})
    assert error_of(refused)["fields"] == {
        "items": {"0": {"quantity": ["The quantity of Web Start is from 1 to 1."]}}
    }
    placed = place(carol, carol_customer)
    assert placed.json()["lines"][0]["description"].startswith("Web Start RO")
