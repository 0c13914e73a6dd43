"""POST /api/v1/orders/ with bad input: every field's refusal answers 400 keyed by that field
(nested as the API nests them: items.0.cycle is {"items": {"0": {"cycle": [...]}}}), names the
rule, and leaves nothing behind: no order, no proforma, no coupon use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from praho.billing.models import Document
from praho.catalog.models import Coupon, PlanRelation
from praho.orders.models import CouponRedemption, Order
from praho.orders.tests.test_api_orders import HOSTING, ORDERS, coupon, order_body, place
from praho.testing.api import bearer, error_of

pytestmark = pytest.mark.django_db


def paths(fields: Any, prefix: str = "") -> set[str]:
    """The dotted keys of an error's nested fields: {"items": {"0": {"cycle": [...]}}} → items.0.cycle."""
    if isinstance(fields, dict):
        return {path for key, value in fields.items() for path in paths(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


def refused(user, body: dict[str, Any]) -> dict[str, Any]:
    """The error of an order refused with 400; nothing was written."""
    orders, documents, uses = (
        Order.objects.count(),
        Document.objects.count(),
        CouponRedemption.objects.count(),
    )
    response = bearer(user).post(ORDERS, body, format="json")
    assert response.status_code == 400, response.json()
    assert (Order.objects.count(), Document.objects.count(), CouponRedemption.objects.count()) == (
        orders,
        documents,
        uses,
    )
    return error_of(response)


def item(**changes: Any) -> dict[str, Any]:
    return {key: value for key, value in {**HOSTING, **changes}.items() if value is not ...}


VPS = {"plan": "vps-s", "cycle": "monthly"}


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        ([item(cycle="weekly")], "items.0.cycle", "Choose one of: "),
        (
            [item(cycle="quarterly")],
            "items.0.cycle",
            "Web Start is not sold with the quarterly cycle in RON.",
        ),
        ([item(cycle=None)], "items.0.cycle", "Choose one of: "),
        ([item(cycle=...)], "items.0.cycle", "This field is required."),
        ([item(plan="no-such-plan")], "items.0.plan", "There is no plan with this id or code."),
        ([item(plan=999999)], "items.0.plan", "There is no plan with this id or code."),
        ([item(plan=10**30)], "items.0.plan", "There is no plan with this id or code."),
        ([item(plan="9" * 40)], "items.0.plan", "There is no plan with this id or code."),
        ([item(plan=True)], "items.0.plan", "There is no plan with this id or code."),
        ([item(plan={"code": "web-start"})], "items.0.plan", "There is no plan with this id or code."),
        ([item(plan="")], "items.0.plan", "Choose a plan."),
        ([{"plan": "old-start", "cycle": "monthly"}], "items.0.plan", "This plan is retired"),
        (
            [{"plan": "beta-box", "cycle": "monthly"}],
            "items.0.plan",
            "There is no plan with this id or code.",
        ),
        ([item(quantity=0)], "items.0.quantity", "The quantity of Web Start is from 1 to"),
        ([item(quantity=-1)], "items.0.quantity", "Enter a whole number."),
        ([{**VPS, "quantity": 10**12}], "items.0.quantity", "The quantity of VPS S is from 1 to"),
        ([{**VPS, "quantity": "1e3"}], "items.0.quantity", "Enter a whole number."),
        ([{**VPS, "quantity": True}], "items.0.quantity", "Enter a whole number."),
        ([{**VPS, "quantity": 1.5}], "items.0.quantity", "Enter a whole number."),
        ([{**VPS, "quantity": "٣"}], "items.0.quantity", "Enter a whole number."),
        ([item(domain="not a domain")], "items.0.domain", "Enter a domain name such as example.ro."),
        ([item(domain="localhost")], "items.0.domain", "Enter a domain name such as example.ro."),
        ([item(domain="a" * 250 + ".ro")], "items.0.domain", "Enter a domain name such as example.ro."),
        ([item(domain="carol..ro")], "items.0.domain", "Enter a domain name such as example.ro."),
        ([item(domain="car\x00ol.ro")], "items.0.domain", "Enter a domain name such as example.ro."),
        ([item(domain=42)], "items.0.domain", "Enter a domain name such as example.ro."),
        ([item(domain=...)], "items.0.domain", "Web Start needs a domain name."),
        (
            [{"plan": "extra-ip", "cycle": "monthly", "quantity": 2, "domain": "ip.ro"}],
            "items.0.domain",
            "A domain name goes with a quantity of 1.",
        ),
        ([item(addons=["vps-m"])], "items.0.addons.0", "VPS M is not an add-on of Web Start."),
        ([item(addons=["backup", "backup"])], "items.0.addons.1", "This add-on is already in the item."),
        ([item(addons=["nothing"])], "items.0.addons.0", "There is no plan with this id or code."),
        ([item(addons="backup")], "items.0.addons", "Send a list of at most 10 add-ons."),
        ([item(addons=["backup"] * 11)], "items.0.addons", "Send a list of at most 10 add-ons."),
        ([item(colour="blue")], "items.0.colour", "This field is not accepted here; remove it."),
        (["web-start"], "items.0", "Invalid data."),
        ([], "items", "An order needs at least one item."),
        ("web-start", "items", "Expected a list of items"),
        ([item()] * 21, "items", "An order has at most 20 items."),
    ],
)
def test_a_bad_item_is_refused_under_its_field(shop, carol, carol_customer, items, field, message):
    error = refused(carol, {**order_body(carol_customer), "items": items})
    assert paths(error["fields"]) == {field}
    leaf = error["fields"]
    for key in field.split("."):
        leaf = leaf[key]
    assert leaf[0].startswith(message), leaf


def test_a_plan_missing_what_it_requires_is_refused(shop, carol, carol_customer):
    PlanRelation.objects.create(plan=shop.plans["vps-m"], other=shop.plans["vps-s"], kind="requires")
    error = refused(carol, order_body(carol_customer, {"plan": "vps-m", "cycle": "monthly"}))
    assert error["fields"] == {"items": {"0": ["VPS M requires VPS S: add it to the order."]}}
    both = [{"plan": "vps-m", "cycle": "monthly"}, VPS]
    assert place(carol, carol_customer, *both).status_code == 201


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"currency": "USD"}, "items.0.cycle", "Web Start is not sold with the annually cycle in USD."),
        ({"currency": "GBP"}, "currency", '"GBP" is not a valid choice.'),
        ({"currency": "ron"}, "currency", '"ron" is not a valid choice.'),
        ({"customer": "1e3"}, "customer", "A valid integer is required."),
        ({"customer": True}, "customer", "A valid integer is required."),
        ({"customer": None}, "customer", "This field may not be null."),
        ({"coupon": "X" * 41}, "coupon", "Ensure this field has no more than 40 characters."),
        ({"coupon": "SPR\x00ING"}, "coupon", ""),
        ({"notes": "please hurry"}, "notes", "This field is not accepted here; remove it."),
    ],
)
def test_bad_order_fields_are_refused(shop, carol, carol_customer, changes, field, message):
    error = refused(carol, {**order_body(carol_customer), **changes})
    assert paths(error["fields"]) == {field}
    leaf = error["fields"]
    for key in field.split("."):
        leaf = leaf[key]
    assert leaf[0].startswith(message), leaf


def test_a_missing_body_names_every_required_field(shop, carol, carol_customer):
    error = refused(carol, {})
    assert paths(error["fields"]) == {"customer", "currency", "items"}


def test_all_items_errors_are_given_at_once(shop, carol, carol_customer):
    items = [item(cycle="weekly"), item(plan="nope"), item(quantity=0)]
    error = refused(carol, order_body(carol_customer, *items))
    assert paths(error["fields"]) == {"items.0.cycle", "items.1.plan", "items.2.quantity"}


# --- Coupons -----------------------------------------------------------------------


def _used_once(shop, carol, carol_customer, **values: Any) -> Coupon:
    used = coupon(**values)
    assert place(carol, carol_customer, coupon=used.code).status_code == 201
    return used


COUPONS = {
    "unknown": (lambda shop, *_: None, "coupon_unknown", "There is no such coupon."),
    "inactive": (lambda shop, *_: coupon(active=False), "coupon_unknown", "There is no such coupon."),
    "not_started": (
        lambda shop, *_: coupon(valid_from=timezone.now() + timedelta(days=1)),
        "coupon_not_started",
        "This coupon is not valid yet.",
    ),
    "expired": (
        lambda shop, *_: coupon(valid_until=timezone.now() - timedelta(seconds=1)),
        "coupon_expired",
        "This coupon has expired.",
    ),
    "used_up": (
        lambda shop, *_: coupon(max_uses=3, uses=3),
        "coupon_used_up",
        "This coupon has been used as many times as it may be.",
    ),
    "used_up_by_orders": (
        lambda shop, carol, customer: _used_once(shop, carol, customer, max_uses=1),
        "coupon_used_up",
        "This coupon has been used as many times as it may be.",
    ),
    "per_customer": (
        lambda shop, carol, customer: _used_once(shop, carol, customer, max_uses_per_customer=1),
        "coupon_used_by_customer",
        "You have already used this coupon as many times as it allows.",
    ),
    "minimum_order": (
        lambda shop, *_: coupon(minimum_order={"RON": "1000.00"}),
        "coupon_minimum",
        "This coupon needs an order of at least 1000.00 RON without VAT.",
    ),
    "not_for_this_plan": (
        lambda shop, *_: _for_plan(coupon(), shop.plans["vps-s"]),
        "coupon_not_applicable",
        "This coupon is not for the plans or billing cycles in this order.",
    ),
    "not_for_this_cycle": (
        lambda shop, *_: coupon(cycles=["monthly"]),
        "coupon_not_applicable",
        "This coupon is not for the plans or billing cycles in this order.",
    ),
    "wrong_currency": (
        lambda shop, *_: coupon(kind="fixed", percent=None, amounts={"EUR": "5.00"}),
        "coupon_currency",
        "This coupon cannot be used for orders in RON.",
    ),
}


def _for_plan(limited: Coupon, plan) -> Coupon:
    limited.plans.add(plan)
    return limited


@pytest.mark.parametrize("case", list(COUPONS))
def test_a_coupon_refused_names_its_reason_and_leaves_nothing(shop, carol, carol_customer, case):
    make, code, message = COUPONS[case]
    make(shop, carol, carol_customer)
    error = refused(carol, order_body(carol_customer, coupon="spring"))
    assert error["code"] == code
    assert error["message"] == message
    assert error["fields"] == {"coupon": [message]}


def test_a_fixed_coupon_in_the_orders_currency_is_taken(shop, carol, carol_customer):
    coupon(kind="fixed", percent=None, amounts={"RON": "25.00"})
    response = place(carol, carol_customer, coupon="SPRING")
    assert response.status_code == 201, response.json()
    # the .ro domain included for free (50.00) and the coupon (25.00)
    assert response.json()["discount_total"] == "75.00"
    assert response.json()["net_total"] == "175.00"
