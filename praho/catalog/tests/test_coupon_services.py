"""Coupons saved by staff: every rule refused by field, nothing half-saved, audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.catalog.models import Coupon
from praho.catalog.services.promotions import save_coupon


def _fields(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return {field: [e.code for e in errors] for field, errors in caught.value.error_dict.items()}


def test_a_fixed_recurring_coupon_limited_to_a_group_and_cycles(shop, sam_sales):
    coupon = save_coupon(
        actor=sam_sales,
        code="vps50",
        kind="fixed",
        amounts={"RON": Decimal("50"), "EUR": "10"},
        groups=[shop.groups["vps"]],
        cycles=["annual", "monthly"],
        periods=3,
        max_uses=100,
        max_uses_per_customer=1,
        minimum_order={"RON": "100"},
    )
    assert coupon.code == "VPS50"
    assert coupon.amounts == {"RON": "50.00", "EUR": "10.00"}
    assert coupon.minimum_order == {"RON": "100.00"}
    assert coupon.cycles == ["monthly", "annual"]
    assert list(coupon.groups.all()) == [shop.groups["vps"]]
    event = AuditEvent.objects.get(action="catalog.coupon_saved")
    assert event.data["before"] is None
    assert event.data["after"]["groups"] == ["vps"]
    changed = save_coupon(
        actor=sam_sales, coupon=coupon, code="VPS50", kind="percent", percent="50", periods=None
    )
    assert (changed.kind, changed.percent, changed.amounts, changed.periods) == (
        "percent",
        Decimal("50.00"),
        {},
        None,
    )
    assert list(changed.groups.all()) == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"code": "ab"}, {"code": ["invalid_code"]}),
        ({"code": "-abc"}, {"code": ["invalid_code"]}),
        ({"code": "bun venit"}, {"code": ["invalid_code"]}),
        ({"kind": "gift"}, {"kind": ["invalid_choice"]}),
        ({"percent": None}, {"percent": ["invalid"]}),
        ({"percent": "0"}, {"percent": ["percent_range"]}),
        ({"percent": "100.5"}, {"percent": ["percent_range"]}),
        ({"amounts": {"RON": "5"}}, {"amounts": ["invalid"]}),
        ({"kind": "fixed", "percent": None}, {"amounts": ["required"]}),
        ({"kind": "fixed", "percent": "5", "amounts": {"RON": "5"}}, {"percent": ["invalid"]}),
        ({"kind": "fixed", "percent": None, "amounts": {"RON": "0"}}, {"amounts.RON": ["min_value"]}),
        ({"kind": "fixed", "percent": None, "amounts": {"GBP": "5"}}, {"amounts.GBP": ["invalid_choice"]}),
        ({"kind": "fixed", "percent": None, "amounts": ["5"]}, {"amounts": ["invalid"]}),
        ({"minimum_order": {"RON": "-5"}}, {"minimum_order.RON": ["min_value"]}),
        ({"cycles": ["weekly"]}, {"cycles": ["invalid_choice"]}),
        ({"periods": 0}, {"periods": ["invalid"]}),
        ({"periods": 121}, {"periods": ["invalid"]}),
        ({"max_uses": -1}, {"max_uses": ["invalid"]}),
        ({"max_uses_per_customer": True}, {"max_uses_per_customer": ["invalid"]}),
        ({"description": "a\x1bb"}, {"description": ["control_characters"]}),
        ({"valid_from": "tomorrow"}, {"valid_from": ["invalid"]}),
    ],
)
def test_bad_coupons_are_refused_by_field(db, alice_admin, values, expected):
    arguments = {"code": "BUNVENIT10", "kind": "percent", "percent": "10", **values}
    assert _fields(lambda: save_coupon(actor=alice_admin, **arguments)) == expected
    assert not Coupon.objects.exists()


def test_the_validity_ends_after_it_starts(db, alice_admin):
    start = timezone.now()
    fields = _fields(
        lambda: save_coupon(
            actor=alice_admin, code="X10", kind="percent", percent="10", valid_from=start, valid_until=start
        )
    )
    assert fields == {"valid_until": ["date_order"]}
    fields = _fields(
        lambda: save_coupon(
            actor=alice_admin,
            code="X10",
            kind="percent",
            percent="10",
            valid_until=datetime(2200, 1, 1, tzinfo=start.tzinfo),
        )
    )
    assert fields == {"valid_until": ["date_range"]}
    coupon = save_coupon(
        actor=alice_admin,
        code="X10",
        kind="percent",
        percent="10",
        valid_from=start,
        valid_until=start + timedelta(1),
    )
    assert coupon.valid_until > coupon.valid_from


def test_codes_are_unique_in_any_case(db, alice_admin):
    first = save_coupon(actor=alice_admin, code="Bunvenit10", kind="percent", percent="10")
    assert _fields(
        lambda: save_coupon(actor=alice_admin, code="BUNVENIT10", kind="percent", percent="5")
    ) == {"code": ["unique"]}
    # Saving the coupon itself under its own code is no clash.
    assert (
        save_coupon(actor=alice_admin, coupon=first, code="bunvenit10", kind="percent", percent="15").pk
        == first.pk
    )
