"""Whether a coupon may be used, and on which lines: every refusal names its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.catalog.models import Coupon, CouponKind


@dataclass(frozen=True)
class CouponLine:
    """What a coupon needs to know about one order line."""

    plan_id: int
    group_id: int
    cycle: str
    discounted: bool  # already discounted by a plan relationship


def refusal(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=code)


def check_usable(
    coupon: Coupon | None,
    *,
    now: datetime,
    currency: str,
    order_net: Decimal,
    customer_uses: int,
) -> None:
    """Raise the ValidationError (code and message) that says why this coupon cannot be used now
    for an order in `currency` worth `order_net` before discounts by a customer who used it
    `customer_uses` times; nothing when it can."""
    if coupon is None or not coupon.active:
        raise refusal("coupon_unknown", _("There is no such coupon."))
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise refusal("coupon_not_started", _("This coupon is not valid yet."))
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise refusal("coupon_expired", _("This coupon has expired."))
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise refusal("coupon_used_up", _("This coupon has been used as many times as it may be."))
    if coupon.max_uses_per_customer is not None and customer_uses >= coupon.max_uses_per_customer:
        raise refusal(
            "coupon_used_by_customer", _("You have already used this coupon as many times as it allows.")
        )
    if coupon.kind == CouponKind.FIXED and not coupon.amounts.get(currency):
        raise refusal(
            "coupon_currency",
            _("This coupon cannot be used for orders in %(currency)s.") % {"currency": currency},
        )
    minimum = coupon.minimum_order.get(currency)
    if minimum and order_net < Decimal(minimum):
        raise refusal(
            "coupon_minimum",
            _("This coupon needs an order of at least %(amount)s %(currency)s without VAT.")
            % {"amount": minimum, "currency": currency},
        )


def applies_to(coupon: Coupon, line: CouponLine, *, plan_ids: set[int], group_ids: set[int]) -> bool:
    """Whether the coupon discounts this line: its plans, groups and cycles (empty: any), and lines
    a plan relationship already discounts only when the coupon is combinable."""
    if plan_ids and line.plan_id not in plan_ids:
        return False
    if group_ids and line.group_id not in group_ids:
        return False
    if coupon.cycles and line.cycle not in coupon.cycles:
        return False
    return coupon.combinable or not line.discounted


def not_applicable() -> ValidationError:
    return refusal(
        "coupon_not_applicable", _("This coupon is not for the plans or billing cycles in this order.")
    )
