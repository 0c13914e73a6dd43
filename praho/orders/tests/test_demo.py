"""The orders' demo data: orders in every state with their services, on whatever catalog the
catalog's demo made (here the test catalog), idempotent; skipped when the catalog is empty."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.accounts import demo as accounts_demo
from praho.catalog.models import Coupon
from praho.customers import demo as customers_demo
from praho.orders import demo
from praho.orders.models import CouponRedemption, Order, OrderStatus, ReviewFlag, Service, ServiceStatus
from praho.testing.shop import build_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(billing_ready):
    accounts_demo.load(with_passwords=False)
    customers_demo.load(with_passwords=False)


def test_orders_in_every_state_with_their_services(demo_people):
    shop = build_shop()
    coupon = Coupon.objects.create(code="WELCOME10", kind="percent", percent=Decimal("10"))
    coupon.plans.add(shop.plans["web-start"])

    lines = demo.load(with_passwords=False)

    by_note = {order.notes.removeprefix(f"{demo.NOTE} "): order for order in Order.objects.all()}
    assert {name: order.status for name, order in by_note.items()} == {
        "paid hosting with an add-on": OrderStatus.PROVISIONING,
        "VPS awaiting payment": OrderStatus.AWAITING_PAYMENT,
        "awaiting approval": OrderStatus.AWAITING_APPROVAL,
        "refused": OrderStatus.REFUSED,
        "cancelled": OrderStatus.CANCELLED,
        "with a coupon": OrderStatus.AWAITING_PAYMENT,
    }, lines
    paid = by_note["paid hosting with an add-on"]
    services = Service.objects.filter(order_line__order=paid)
    assert services.count() >= 2  # the hosting and its add-on (and its free domain)
    # Being provisioned (provisioning's demo creates them on the fake panels).
    assert set(services.values_list("status", flat=True)) <= {
        ServiceStatus.PENDING,
        ServiceStatus.PROVISIONING,
    }
    assert paid.invoice is not None
    assert by_note["with a coupon"].coupon == coupon
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1
    assert ReviewFlag.objects.filter(customer=by_note["awaiting approval"].customer).exists()
    assert by_note["cancelled"].document.status == "cancelled"
    assert by_note["VPS awaiting payment"].lines.first().plan.group.kind == "vps"

    again = demo.load(with_passwords=False)

    assert Order.objects.count() == 6
    assert "0 demo orders added now" in again[1]


def test_without_a_coupon_the_coupon_order_is_skipped(demo_people):
    build_shop()
    lines = demo.load(with_passwords=False)
    assert Order.objects.count() == 5
    assert any("with a coupon" in line for line in lines)


def test_an_empty_catalog_is_skipped(demo_people):
    assert demo.load(with_passwords=False) == ["", "Orders: skipped, the catalog is empty."]
    assert not Order.objects.exists()
