"""Coupons: every refusal names its reason; discounts land on the eligible lines exactly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from praho.catalog.models import Coupon
from praho.orders.models import CouponRedemption, Order, OrderStatus
from praho.orders.quotes import quote
from praho.orders.services.checkout import place_order
from praho.orders.services.fulfilment import cancel_order

pytestmark = pytest.mark.django_db

HOSTING = {"plan": "web-start", "cycle": "annual", "domain": "carol.ro", "addons": ["backup", "ssl-basic"]}
VPS = {"plan": "vps-m", "cycle": "monthly", "addons": ["extra-ip"]}


def coupon(code="SAVE", **values):
    values.setdefault("kind", "percent")
    if values["kind"] == "percent":
        values.setdefault("percent", Decimal(10))
    plans = values.pop("plans", [])
    row = Coupon.objects.create(code=code, **values)
    row.plans.set(plans)
    return row


def refusal(customer, items, code="save", currency="RON"):
    with pytest.raises(ValidationError) as error:
        quote(customer=customer, currency=currency, items=items, coupon=code)
    return [e.code for e in error.value.error_dict["coupon"]]


def test_refusals_name_the_reason(shop, carol_customer):
    now = timezone.now()
    coupon("OLD", valid_until=now - timedelta(days=1))
    coupon("LATER", valid_from=now + timedelta(days=1))
    coupon("GONE", max_uses=3, uses=3)
    coupon("OFF", active=False)
    coupon("EUROS", kind="fixed", amounts={"EUR": "5.00"})
    coupon("BIG", minimum_order={"RON": "1000.00"})
    coupon("VPSONLY", plans=[shop.plans["vps-s"]])
    coupon("MONTHLY", cycles=["monthly"])
    items = [HOSTING]
    assert refusal(carol_customer, items, "nope") == ["coupon_unknown"]
    assert refusal(carol_customer, items, "old") == ["coupon_expired"]
    assert refusal(carol_customer, items, "later") == ["coupon_not_started"]
    assert refusal(carol_customer, items, "gone") == ["coupon_used_up"]
    assert refusal(carol_customer, items, "off") == ["coupon_unknown"]
    assert refusal(carol_customer, items, "euros") == ["coupon_currency"]
    assert refusal(carol_customer, items, "big") == ["coupon_minimum"]
    assert refusal(carol_customer, items, "vpsonly") == ["coupon_not_applicable"]
    assert refusal(carol_customer, items, "monthly") == ["coupon_not_applicable"]
    assert refusal(carol_customer, items, "x" * 41) == ["coupon_unknown"]


def test_uses_per_customer_count_placed_orders_until_cancelled(shop, carol, carol_customer, dave_customer):
    coupon("ONCE", max_uses_per_customer=1)
    first = place_order(actor=carol, customer=carol_customer, currency="RON", items=[VPS], coupon="once")
    assert refusal(carol_customer, [VPS], "once") == ["coupon_used_by_customer"]
    quote(customer=dave_customer, currency="RON", items=[VPS], coupon="ONCE")  # another customer may
    cancel_order(actor=carol, order=first, reason="changed my mind")
    assert Coupon.objects.get(code="ONCE").uses == 0
    assert not CouponRedemption.objects.exists()
    quote(customer=carol_customer, currency="RON", items=[VPS], coupon="once")


def test_percent_skips_lines_already_discounted_unless_combinable(shop, carol_customer):
    coupon("TEN")
    result = quote(customer=carol_customer, currency="RON", items=[HOSTING], coupon="ten")
    by_plan = {line.plan.code: line for line in result.lines}
    assert by_plan["web-start"].coupon_discount == Decimal("20.00")
    assert by_plan["ssl-basic"].coupon_discount == Decimal("3.00")
    assert by_plan["backup"].coupon_discount == Decimal("0.00")  # 50% package discount already
    assert by_plan["domain-ro"].coupon_discount == Decimal("0.00")  # free
    coupon("STACK", combinable=True)
    stacked = quote(customer=carol_customer, currency="RON", items=[HOSTING], coupon="stack")
    assert {line.plan.code: line.coupon_discount for line in stacked.lines}["backup"] == Decimal("5.00")


def test_fixed_amount_is_shared_and_never_exceeds_the_lines(shop, carol_customer):
    coupon("FIFTY", kind="fixed", amounts={"RON": "50.00"})
    result = quote(customer=carol_customer, currency="RON", items=[VPS], coupon="fifty")
    shares = [line.coupon_discount for line in result.lines]
    assert sum(shares) == Decimal("50.00")
    assert shares == [Decimal("46.51"), Decimal("3.49")]  # 200 : 15
    coupon("HUGE", kind="fixed", amounts={"RON": "9999.00"})
    free = quote(customer=carol_customer, currency="RON", items=[VPS], coupon="huge")
    # The setup fee is not discounted: what is left to pay is the setup fee.
    assert free.net_total == Decimal("50.00")


def test_periods_decide_the_recurring_price(shop, carol, carol_customer):
    coupon("FIRST", periods=1)
    coupon("THREE", periods=3)
    coupon("ALWAYS", periods=None)
    item = [{"plan": "vps-s", "cycle": "monthly"}]
    first = quote(customer=carol_customer, currency="RON", items=item, coupon="first").lines[0]
    three = quote(customer=carol_customer, currency="RON", items=item, coupon="three").lines[0]
    always = quote(customer=carol_customer, currency="RON", items=item, coupon="always").lines[0]
    assert (first.net_amount, first.recurring_price) == (Decimal("90.00"), Decimal("100.00"))
    assert (three.recurring_price, three.coupon_periods_after_first) == (Decimal("90.00"), 2)
    assert (always.recurring_price, always.coupon_periods_after_first) == (Decimal("90.00"), None)


def test_the_last_use_goes_to_one_order_only(shop, carol, carol_customer, dave, dave_customer):
    coupon("LAST", max_uses=1)
    place_order(actor=carol, customer=carol_customer, currency="RON", items=[VPS], coupon="last")
    with pytest.raises(ValidationError) as error:
        place_order(actor=dave, customer=dave_customer, currency="RON", items=[VPS], coupon="last")
    assert [e.code for e in error.value.error_dict["coupon"]] == ["coupon_used_up"]
    assert Order.objects.filter(status=OrderStatus.AWAITING_PAYMENT).count() == 1


def test_discounts_reach_the_proforma_lines(shop, carol, carol_customer):
    coupon("TEN")
    order = place_order(actor=carol, customer=carol_customer, currency="RON", items=[HOSTING], coupon="ten")
    lines = list(order.document.lines.order_by("position"))
    assert [(line.description, line.discount) for line in lines] == [
        ("Web Start RO (anual): carol.ro, cupon TEN", Decimal("20.00")),
        ("Daily backup RO (anual)", Decimal("50.00")),
        ("Basic SSL RO (anual), cupon TEN", Decimal("3.00")),
        (".ro domain RO (anual): carol.ro", Decimal("50.00")),
    ]
    assert order.document.net_total == Decimal("257.00")
