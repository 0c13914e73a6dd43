"""Pricing rules: relationships (requires, add-ons, included) and bad items, each refusal keyed by
its field and naming the rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.catalog.models import Price
from praho.orders.models import Service, ServiceStatus
from praho.orders.quotes import quote

pytestmark = pytest.mark.django_db


def priced(customer, items, **extra):
    return quote(customer=customer, currency=extra.pop("currency", "RON"), items=items, **extra)


def refused(customer, items, **extra) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        priced(customer, items, **extra)
    return {field: [e.code for e in errors] for field, errors in error.value.error_dict.items()}


def test_hosting_without_a_domain_name_is_asked_for_one(shop, carol_customer):
    # The domain name comes first; the .ro requirement is then met by the name given.
    assert refused(carol_customer, [{"plan": "web-start", "cycle": "monthly"}]) == {
        "items.0.domain": ["required"],
    }


def test_a_required_plan_is_satisfied_by_the_order_or_an_owned_service(shop, carol_customer):
    shop.plans["web-start"].requires_domain = False
    shop.plans["web-start"].save()
    item = {"plan": "web-start", "cycle": "monthly"}
    assert refused(carol_customer, [item]) == {"items.0": ["requires"]}
    both = priced(carol_customer, [item, {"plan": "domain-ro", "cycle": "annual", "domain": "carol.ro"}])
    assert [line.plan.code for line in both.lines] == ["web-start", "domain-ro"]
    Service.objects.create(
        customer=carol_customer,
        plan=shop.plans["domain-ro"],
        status=ServiceStatus.ACTIVE,
        cycle="annual",
        price=Decimal(50),
        list_price=Decimal(50),
        currency="RON",
    )
    assert len(priced(carol_customer, [item]).lines) == 1


def test_the_free_domain_comes_only_with_the_annual_cycle(shop, carol_customer):
    monthly = priced(carol_customer, [{"plan": "web-start", "cycle": "monthly", "domain": "carol.ro"}])
    annual = priced(carol_customer, [{"plan": "web-start", "cycle": "annual", "domain": "carol.ro"}])
    assert [line.plan.code for line in monthly.lines] == ["web-start"]
    free = annual.lines[1]
    assert (free.plan.code, free.role, free.net_amount, free.recurring_price) == (
        "domain-ro",
        "included",
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_addons_are_priced_by_their_relationship(shop, carol_customer):
    result = priced(
        carol_customer,
        [
            {
                "plan": "web-start",
                "cycle": "annual",
                "domain": "carol.ro",
                "addons": ["backup", shop.plans["ssl-basic"].pk],
            }
        ],
    )
    backup, ssl = result.lines[1], result.lines[2]
    assert (backup.base, backup.relation_discount, backup.recurring_price) == (
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("50.00"),
    )
    assert (ssl.base, ssl.relation_discount) == (Decimal("30.00"), Decimal("0.00"))


def test_setup_fees_are_billed_once(shop, carol_customer):
    result = priced(carol_customer, [{"plan": "vps-m", "cycle": "monthly"}])
    line = result.lines[0]
    assert (line.net_amount, line.recurring_price) == (Decimal("250.00"), Decimal("200.00"))
    assert result.total == Decimal("302.50")


def test_bad_items_name_their_field_and_rule(shop, carol_customer):
    errors = refused(
        carol_customer,
        [
            {"plan": "nope", "cycle": "monthly"},
            {"plan": "old-start", "cycle": "monthly"},
            {"plan": "vps-s", "cycle": "weekly"},
            {"plan": "vps-s", "cycle": "annual"},
            {"plan": "vps-s", "cycle": "monthly", "quantity": 2},
            {"plan": "vps-s", "cycle": "monthly", "addons": ["backup", "extra-ip", "extra-ip"]},
            {"plan": "web-start", "cycle": "monthly", "domain": "not a domain"},
            {"plan": "vps-s", "cycle": "monthly", "colour": "red"},
            {"plan": True, "cycle": "monthly"},
            {"plan": "extra-ip", "cycle": "monthly", "quantity": "1e3"},
        ],
    )
    assert errors == {
        "items.0.plan": ["does_not_exist"],
        "items.1.plan": ["retired"],
        "items.2.cycle": ["invalid_choice"],
        "items.3.cycle": ["not_priced"],
        "items.4.quantity": ["out_of_range"],
        "items.5.addons.0": ["not_addon"],
        "items.5.addons.2": ["duplicate"],
        "items.6.domain": ["invalid"],
        "items.7.colour": ["unknown_field"],
        "items.8.plan": ["does_not_exist"],
        "items.9.quantity": ["invalid"],
    }


def test_order_shape_is_bounded(shop, carol_customer, settings):
    settings.ORDERS_MAX_ITEMS = 2
    assert refused(carol_customer, [{"plan": "vps-s", "cycle": "monthly"}] * 3) == {"items": ["too_many"]}
    assert refused(carol_customer, []) == {"items": ["required"]}
    assert refused(carol_customer, "vps-s") == {"items": ["invalid"]}
    assert refused(carol_customer, [{"plan": "vps-s", "cycle": "monthly"}], currency="GBP") == {
        "currency": ["invalid_choice"]
    }


def test_a_plan_behind_a_flag_is_offered_only_where_the_flag_is_on(shop, carol, carol_customer):
    item = [{"plan": "beta-box", "cycle": "monthly"}]
    assert refused(carol_customer, item, user=carol) == {"items.0.plan": ["does_not_exist"]}
    assert priced(carol_customer, item, user=carol, staff=True).total == Decimal("6.05")


def test_planned_prices_wait_for_their_day(shop, carol_customer, time_machine):
    item = [{"plan": "vps-s", "cycle": "monthly"}]
    assert priced(carol_customer, item).lines[0].unit_price == Decimal("100.00")
    time_machine.move_to("2099-01-02 10:00+02:00")
    assert priced(carol_customer, item).lines[0].unit_price == Decimal("120.00")
    assert Price.objects.filter(plan=shop.plans["vps-s"], currency="RON").count() == 2
