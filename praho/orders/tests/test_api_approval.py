"""Orders that wait for staff approval (OrderPolicy's threshold, a ReviewFlag on the customer):
no proforma until approved; POST /orders/{id}/approve/ issues it, /refuse/ closes the order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.billing.models import Document, DocumentStatus
from praho.catalog.models import Coupon
from praho.orders.models import CouponRedemption, Order, OrderPolicy, OrderStatus, ReviewFlag
from praho.orders.tests.test_api_orders import ORDERS, coupon, grant, place
from praho.testing.api import DENIED, NOT_FOUND, bearer, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def threshold(shop):
    return OrderPolicy.objects.create(currency="RON", approval_threshold=Decimal("200.00"))


@pytest.fixture
def approver(clerk):
    return grant(clerk, "orders.view_order", "orders.approve_order")


def test_an_order_reaching_the_threshold_waits_without_a_proforma(shop, threshold, carol, carol_customer):
    response = place(carol, carol_customer)  # 242.00 with VAT
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "awaiting_approval"
    assert body["proforma"] is None
    # Written in the customer's document language (Romanian for carol_customer).
    assert body["review_reason"] == "Totalul comenzii atinge 200.00 RON."
    assert not Document.objects.exists()


def test_an_order_below_the_threshold_is_billed_at_once(shop, carol, carol_customer):
    OrderPolicy.objects.create(currency="RON", approval_threshold=Decimal("1000.00"))
    assert place(carol, carol_customer).json()["status"] == "awaiting_payment"


def test_a_threshold_in_another_currency_does_not_apply(shop, carol, carol_customer):
    OrderPolicy.objects.create(currency="EUR", approval_threshold=Decimal("1.00"))
    assert place(carol, carol_customer).json()["status"] == "awaiting_payment"


def test_a_flagged_customers_orders_wait_whatever_their_amount(shop, carol, carol_customer):
    ReviewFlag.objects.create(customer=carol_customer, reason="New customer")
    body = place(carol, carol_customer, {"plan": "extra-ip", "cycle": "monthly"}).json()
    assert body["status"] == "awaiting_approval"
    assert body["proforma"] is None
    assert body["review_reason"].endswith("New customer")


def test_approving_issues_the_proforma(shop, threshold, approver, carol, carol_customer):
    order_id = place(carol, carol_customer).json()["id"]
    response = bearer(approver).post(
        f"{ORDERS}{order_id}/approve/", {"note": "Known customer"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["status"] == "awaiting_payment"
    assert body["proforma"] == order.document_id
    assert order.document.status == DocumentStatus.ISSUED
    assert order.document.total == Decimal(body["total"]) == Decimal("242.00")
    assert order.decided_by == approver
    # Only once.
    again = bearer(approver).post(f"{ORDERS}{order_id}/approve/", {}, format="json")
    assert again.status_code == 400
    assert error_of(again)["code"] == "not_awaiting_approval"
    assert Document.objects.count() == 1


def test_refusing_needs_a_reason_and_gives_the_coupon_use_back(
    shop, threshold, approver, carol, carol_customer
):
    spring: Coupon = coupon(max_uses=1)
    order_id = place(carol, carol_customer, coupon="SPRING").json()["id"]
    url = f"{ORDERS}{order_id}/refuse/"
    missing = bearer(approver).post(url, {}, format="json")
    assert error_of(missing)["fields"] == {"reason": ["This field is required."]}
    blank = bearer(approver).post(url, {"reason": "  "}, format="json")
    assert set(error_of(blank)["fields"]) == {"reason"}
    assert Order.objects.get().status == OrderStatus.AWAITING_APPROVAL
    response = bearer(approver).post(url, {"reason": "Unpaid invoices"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "refused"
    assert response.json()["decision_note"] == "Unpaid invoices"
    assert response.json()["proforma"] is None
    spring.refresh_from_db()
    assert spring.uses == 0
    assert not CouponRedemption.objects.exists()
    assert not Document.objects.exists()


def test_only_staff_with_the_permission_decide(shop, threshold, clerk, carol, dave, carol_customer):
    order_id = place(carol, carol_customer).json()["id"]
    for action, body in [("approve", {}), ("refuse", {"reason": "No"})]:
        url = f"{ORDERS}{order_id}/{action}/"
        assert error_of(bearer(carol).post(url, body, format="json")) == DENIED
        assert error_of(bearer(dave).post(url, body, format="json")) == NOT_FOUND
        assert error_of(bearer(clerk).post(url, body, format="json")) == NOT_FOUND
    grant(clerk, "orders.view_order")
    assert error_of(bearer(clerk).post(f"{ORDERS}{order_id}/approve/", {}, format="json")) == DENIED
    assert Order.objects.get().status == OrderStatus.AWAITING_APPROVAL


def test_staff_who_may_approve_approve_by_placing(shop, threshold, approver, carol_customer):
    grant(approver, "orders.place_order")
    body = place(approver, carol_customer).json()
    assert body["status"] == "awaiting_payment"
    assert body["proforma"] is not None


def test_an_order_awaiting_approval_can_be_cancelled(shop, threshold, carol, carol_customer):
    order_id = place(carol, carol_customer).json()["id"]
    response = bearer(carol).post(f"{ORDERS}{order_id}/cancel/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
