"""Coupons: created and changed by staff; their use is counted by the orders app."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Coupon, CouponKind, Plan, ProductGroup
from praho.catalog.services.checks import (
    check_currency_amounts,
    check_cycles,
    check_percent,
)
from praho.catalog.tree import bump_version
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text

# What customers type: letters, digits, dashes and underscores; stored upper case.
COUPON_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
MAX_USES = 10_000_000


def _check_count(errors: FieldErrors, field: str, value: Any, highest: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        errors.add(
            field, _("Enter a whole number from 1 to %(max)d, or nothing.") % {"max": highest}, "invalid"
        )
        return None
    return value


def _check_moment(errors: FieldErrors, field: str, value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        errors.add(field, _("Enter a date and time."), "invalid")
        return None
    if not 2000 <= value.year <= 2099:
        errors.add(field, _("Enter a date between 2000 and 2099."), "date_range")
        return None
    return value


@service_transaction
def save_coupon(
    *,
    actor: Any,
    coupon: Coupon | None = None,
    code: str,
    kind: str,
    description: str = "",
    percent: Any = None,
    amounts: Any = None,
    plans: Iterable[Plan] = (),
    groups: Iterable[ProductGroup] = (),
    cycles: Iterable[str] = (),
    periods: int | None = 1,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    max_uses: int | None = None,
    max_uses_per_customer: int | None = None,
    minimum_order: Any = None,
    combinable: bool = False,
    active: bool = True,
) -> Coupon:
    """Create a coupon (`coupon` None) or change one. Percent coupons take `percent` (above 0,
    at most 100); fixed ones take `amounts`, an amount above zero per currency they apply in.
    `periods`: 1 for the first period only, N for the first N, None for every period."""
    errors = FieldErrors()
    code = (code or "").strip().upper()
    if not COUPON_CODE.match(code):
        errors.add(
            "code",
            _("Use 3 to 40 letters, digits, dashes or underscores, starting with a letter or digit."),
            "invalid_code",
        )
    else:
        clash = Coupon.objects.filter(code__iexact=code)
        if coupon is not None:
            clash = clash.exclude(pk=coupon.pk)
        if clash.exists():
            errors.add("code", _("This code is already used."), "unique")
    description = check_text(errors, "description", description or "", max_length=200)
    clean_percent: Decimal | None = None
    clean_amounts: dict[str, str] = {}
    if kind == CouponKind.PERCENT:
        clean_percent = check_percent(errors, "percent", percent, positive=True)
        if amounts:
            errors.add("amounts", _("A percent coupon has no fixed amounts."), "invalid")
    elif kind == CouponKind.FIXED:
        if percent not in (None, ""):
            errors.add("percent", _("A fixed-amount coupon has no percentage."), "invalid")
        clean_amounts = check_currency_amounts(errors, "amounts", amounts or {}, positive=True)
        if not clean_amounts and not any(key.startswith("amounts") for key in errors.by_field):
            errors.add("amounts", _("Give the amount off in at least one currency."), "required")
    else:
        errors.add("kind", _("Choose one of the offered values."), "invalid_choice")
    minimum = check_currency_amounts(errors, "minimum_order", minimum_order or {}, positive=False)
    clean_cycles = check_cycles(errors, "cycles", list(cycles))
    periods = _check_count(errors, "periods", periods, 120)
    start = _check_moment(errors, "valid_from", valid_from)
    end = _check_moment(errors, "valid_until", valid_until)
    if start is not None and end is not None and end <= start:
        errors.add("valid_until", _("The end of the validity is after its start."), "date_order")
    values = {
        "code": code,
        "description": description,
        "kind": kind,
        "percent": clean_percent,
        "amounts": clean_amounts,
        "cycles": clean_cycles,
        "periods": periods,
        "valid_from": start,
        "valid_until": end,
        "max_uses": _check_count(errors, "max_uses", max_uses, MAX_USES),
        "max_uses_per_customer": _check_count(
            errors, "max_uses_per_customer", max_uses_per_customer, MAX_USES
        ),
        "minimum_order": minimum,
        "combinable": bool(combinable),
        "active": bool(active),
    }
    errors.raise_if_any()
    row = coupon or Coupon()
    created = row.pk is None
    before = None if created else _coupon_data(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    row.plans.set(list(plans))
    row.groups.set(list(groups))
    after = _coupon_data(row)
    if before != after:
        record_event("catalog.coupon_saved", actor=actor, target=row, data={"before": before, "after": after})
        bump_version()
    return row


def _coupon_data(coupon: Coupon) -> dict[str, Any]:
    fields = [
        "code",
        "description",
        "kind",
        "percent",
        "amounts",
        "cycles",
        "periods",
        "valid_from",
        "valid_until",
        "max_uses",
        "max_uses_per_customer",
        "minimum_order",
        "combinable",
        "active",
    ]
    data = {name: getattr(coupon, name) for name in fields}
    data["plans"] = sorted(coupon.plans.values_list("code", flat=True))
    data["groups"] = sorted(coupon.groups.values_list("code", flat=True))
    return data
