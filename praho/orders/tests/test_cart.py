"""services.cart: one cart per (customer, user), every change priced by quote() first and refused
with its field errors, the cart unchanged; checkout places it with place_order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.catalog.models import Coupon
from praho.orders.models import Order, OrderStatus
from praho.orders.services import cart as carts

pytestmark = pytest.mark.django_db

VPS = {"plan": "vps-s", "cycle": "monthly", "quantity": 1}


def add(customer, user, **item):
    return carts.add_item(customer=customer, user=user, item=VPS | item)


def test_the_cart_is_made_once_per_customer_and_user_in_the_customers_currency(
    shop, carol, carol_customer, erin_viewer
):
    first = carts.cart_of(customer=carol_customer, user=carol)
    again = carts.cart_of(customer=carol_customer, user=carol)
    other = carts.cart_of(customer=carol_customer, user=erin_viewer)

    assert first.pk == again.pk != other.pk
    assert (first.status, first.currency, first.items, first.number) == (OrderStatus.DRAFT, "RON", [], "")


def test_an_item_that_does_not_price_is_refused_and_the_cart_unchanged(shop, carol, carol_customer):
    add(carol_customer, carol)

    with pytest.raises(ValidationError) as refused:
        add(carol_customer, carol, plan="extra-ip", quantity=9)

    assert refused.value.message_dict == {"items.1.quantity": ["The quantity of Extra IPv4 is from 1 to 4."]}
    assert carts.find_cart(customer=carol_customer, user=carol).items == [
        {"plan": "vps-s", "cycle": "monthly", "quantity": 1, "domain": "", "addons": []}
    ]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"plan": 999999}, "items.0.plan"),
        ({"plan": "old-start"}, "items.0.plan"),
        ({"plan": "beta-box"}, "items.0.plan"),
        ({"cycle": "annual"}, "items.0.cycle"),
        ({"plan": "web-start", "domain": "-bad-"}, "items.0.domain"),
        ({"addons": ["backup"]}, "items.0.addons.0"),
    ],
)
def test_bad_items_are_refused_by_field(shop, carol, carol_customer, item, field):
    with pytest.raises(ValidationError) as refused:
        add(carol_customer, carol, **item)
    assert field in refused.value.message_dict
    cart = carts.find_cart(customer=carol_customer, user=carol)
    assert cart is None or cart.items == []


def test_the_cart_holds_at_most_orders_max_items(shop, carol, carol_customer, settings):
    settings.ORDERS_MAX_ITEMS = 2
    add(carol_customer, carol)
    add(carol_customer, carol)
    with pytest.raises(ValidationError) as refused:
        add(carol_customer, carol)
    assert refused.value.message_dict == {"items": ["A cart holds at most 2 items."]}
    assert len(carts.find_cart(customer=carol_customer, user=carol).items) == 2


def test_changing_an_item(shop, carol, carol_customer):
    add(carol_customer, carol, plan="extra-ip")
    cart = carts.change_item(customer=carol_customer, user=carol, index=0, quantity="3")
    assert cart.items[0]["quantity"] == 3
    with pytest.raises(ValidationError):
        carts.change_item(customer=carol_customer, user=carol, index=0, cycle="annual")
    with pytest.raises(ValidationError):
        carts.change_item(customer=carol_customer, user=carol, index=5, quantity=1)
    assert carts.find_cart(customer=carol_customer, user=carol).items[0] == {
        "plan": "extra-ip",
        "cycle": "monthly",
        "quantity": 3,
        "domain": "",
        "addons": [],
    }


def test_a_coupon_is_kept_only_when_the_cart_may_use_it(shop, carol, carol_customer):
    Coupon.objects.create(code="VPS20", kind="percent", percent=Decimal("20"), cycles=["monthly"])
    Coupon.objects.create(code="OLD", kind="percent", percent=Decimal("20"), active=False)
    add(carol_customer, carol)

    with pytest.raises(ValidationError) as refused:
        carts.set_coupon(customer=carol_customer, user=carol, code="old")
    assert refused.value.message_dict == {"coupon": ["There is no such coupon."]}
    assert carts.find_cart(customer=carol_customer, user=carol).coupon_code == ""

    cart = carts.set_coupon(customer=carol_customer, user=carol, code=" vps20 ")
    assert cart.coupon_code == "VPS20"
    assert carts.price(cart=cart, user=carol).discount_total == Decimal("20.00")
    assert carts.clear_coupon(customer=carol_customer, user=carol).coupon_code == ""


def test_checkout_turns_the_cart_into_the_order(shop, carol, carol_customer):
    add(carol_customer, carol)
    cart = carts.find_cart(customer=carol_customer, user=carol)

    order = carts.checkout(customer=carol_customer, user=carol, expected_total=Decimal("121.00"))

    assert order.pk == cart.pk
    assert (order.status, order.total) == (OrderStatus.AWAITING_PAYMENT, Decimal("121.00"))
    assert order.document is not None
    assert AuditEvent.objects.filter(action="orders.order_placed").count() == 1
    assert carts.find_cart(customer=carol_customer, user=carol) is None
    fresh = carts.cart_of(customer=carol_customer, user=carol)
    assert fresh.pk != order.pk
    assert fresh.items == []


def test_checkout_refuses_an_empty_cart_or_a_moved_total(shop, carol, carol_customer):
    with pytest.raises(ValidationError) as empty:
        carts.checkout(customer=carol_customer, user=carol)
    assert "items" in empty.value.message_dict
    add(carol_customer, carol)
    with pytest.raises(ValidationError) as moved:
        carts.checkout(customer=carol_customer, user=carol, expected_total=Decimal("100.00"))
    assert moved.value.code == "total_changed"
    assert Order.objects.get().status == OrderStatus.DRAFT
