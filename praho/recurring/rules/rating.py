"""What a metered item costs for a quantity used: pure rules, no queries.

A metered item (praho.recurring.models.MeteredItem) bills the units over its `included`
quantity, the *billable* quantity, in one of three ways:

- flat: billable x unit_price;
- graduated: each tier's units at that tier's price ("the first 100 GB at 0.50, the next 400 at
  0.40, the rest at 0.20");
- volume: every billable unit at the price of the tier the billable quantity reaches ("up to
  100 GB: 0.50 each; up to 500: 0.40 each; more: 0.20 each").

Tiers are [{"up_to": "100", "unit_price": "0.50"}, …, {"up_to": None, "unit_price": "0.20"}]:
`up_to` (inclusive, in billable units, after `included`) strictly ascending, the last tier
open-ended (None); prices ≥ 0; at most MAX_TIERS. Each part of a rating is one document line
(the graduated tiers one line each), its net amount quantity x unit price rounded to 2 decimals
half-up as EN 16931 rounds a line's net amount (BT-131), exactly as billing computes it, so the
document shows what the rating says. Volume pricing with falling prices is not monotonic in the
quantity (101 units at 0.40 cost less than 100 at 0.50): that is what volume pricing means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.core.money import round_money
from praho.core.numbers import plain_decimal
from praho.recurring.models.usage import TierMode

ZERO = Decimal("0")
MAX_TIERS = 10
QUANTITY_PLACES = 2  # tier limits and included quantities: GB or hours to the hundredth
PRICE_PLACES = 4  # unit prices, as billing's lines take them
LARGEST = Decimal("99999999.99")  # fits MeteredItem's and the document line's columns


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # inclusive, in billable units; None: no upper limit (the last tier)
    unit_price: Decimal


@dataclass(frozen=True)
class Part:
    """One line of a rating: `quantity` units at `unit_price` (from unit `above`, exclusive,
    up to unit `up_to` of the billable quantity, for a graduated tier's description)."""

    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    above: Decimal = ZERO
    up_to: Decimal | None = None


@dataclass(frozen=True)
class Rating:
    billable: Decimal  # the quantity over the included one
    parts: tuple[Part, ...]  # one per document line; empty when nothing is billable

    @property
    def net(self) -> Decimal:
        return sum((part.net for part in self.parts), ZERO)


def number_of(value: Any) -> Decimal | None:
    """A number as staff or JSON give it ("0,50", "0.5", 2), or None."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    return plain_decimal(str(value), comma=True) if isinstance(value, str) else None


def places_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def clean_tiers(raw: Any, *, field: str = "tiers") -> list[Tier]:
    """The tiers `raw` describes (a list of {"up_to", "unit_price"}), or a ValidationError on
    `field` naming the tier and the rule it breaks."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError({field: ValidationError(_("Give at least one tier."), code="required")})
    if len(raw) > MAX_TIERS:
        message = _("Use at most %(max)s tiers.") % {"max": MAX_TIERS}
        raise ValidationError({field: ValidationError(message, code="too_many")})
    errors: list[ValidationError] = []
    tiers: list[Tier] = []
    previous = ZERO
    for index, row in enumerate(raw, start=1):
        if not isinstance(row, Mapping):
            errors.append(ValidationError(_("Tier %(n)s: give its limit and unit price.") % {"n": index}))
            continue
        last = index == len(raw)
        up_to = _tier_limit(errors, index, row.get("up_to"), last=last, previous=previous)
        price = _tier_price(errors, index, row.get("unit_price"))
        if up_to is not None:
            previous = up_to
        if price is not None:
            tiers.append(Tier(up_to, price))
    if errors:
        raise ValidationError({field: errors})
    return tiers


def _tier_limit(
    errors: list[ValidationError], index: int, value: Any, *, last: bool, previous: Decimal
) -> Decimal | None:
    if value in (None, ""):
        if not last:
            message = _("Tier %(n)s: only the last tier has no upper limit.") % {"n": index}
            errors.append(ValidationError(message, code="open_tier"))
        return None
    if last:
        message = _("Tier %(n)s: the last tier has no upper limit (it takes everything above).")
        errors.append(ValidationError(message % {"n": index}, code="closed_last"))
        return None
    up_to = number_of(value)
    if up_to is None:
        errors.append(
            ValidationError(_("Tier %(n)s: the limit is not a number.") % {"n": index}, code="invalid")
        )
    elif up_to <= previous:
        message = _("Tier %(n)s: the limit must be greater than %(previous)s (limits go up).")
        errors.append(ValidationError(message % {"n": index, "previous": previous}, code="not_ascending"))
    elif places_of(up_to) > QUANTITY_PLACES or up_to > LARGEST:
        message = _("Tier %(n)s: the limit has at most %(places)s decimals and is at most %(max)s.")
        params = {"n": index, "places": QUANTITY_PLACES, "max": LARGEST}
        errors.append(ValidationError(message % params, code="invalid"))
    else:
        return up_to
    return None


def _tier_price(errors: list[ValidationError], index: int, value: Any) -> Decimal | None:
    price = number_of(value)
    if price is None:
        message = _("Tier %(n)s: the unit price is not a number.") % {"n": index}
        errors.append(ValidationError(message, code="invalid"))
    elif price < 0:
        message = _("Tier %(n)s: the unit price cannot be negative.") % {"n": index}
        errors.append(ValidationError(message, code="negative"))
    elif places_of(price) > PRICE_PLACES or price > LARGEST:
        message = _("Tier %(n)s: the unit price has at most %(places)s decimals and is at most %(max)s.")
        params = {"n": index, "places": PRICE_PLACES, "max": LARGEST}
        errors.append(ValidationError(message % params, code="invalid"))
    else:
        return price
    return None


def tiers_as_json(tiers: Iterable[Tier]) -> list[dict[str, str | None]]:
    """As MeteredItem.tiers stores them: numbers as strings (JSON has no decimals)."""
    return [
        {"up_to": None if tier.up_to is None else str(tier.up_to), "unit_price": str(tier.unit_price)}
        for tier in tiers
    ]


def _part(quantity: Decimal, price: Decimal, above: Decimal = ZERO, up_to: Decimal | None = None) -> Part:
    return Part(quantity, price, round_money(quantity * price), above, up_to)


def rate(
    quantity: Decimal, *, mode: str, included: Decimal, unit_price: Decimal, tiers: list[Tier]
) -> Rating:
    """The charge for `quantity` used (tiers from clean_tiers; ignored when flat)."""
    billable = max(quantity - included, ZERO)
    if billable <= 0:
        return Rating(ZERO, ())
    if mode == TierMode.FLAT:
        return Rating(billable, (_part(billable, unit_price),))
    if not tiers:
        raise ValueError(f"A {mode} item needs tiers")
    if mode == TierMode.VOLUME:
        reached = next(tier for tier in tiers if tier.up_to is None or billable <= tier.up_to)
        return Rating(billable, (_part(billable, reached.unit_price),))
    if mode != TierMode.GRADUATED:
        raise ValueError(f"Unknown pricing mode {mode!r}")
    parts = []
    below = ZERO
    for tier in tiers:
        top = billable if tier.up_to is None else min(billable, tier.up_to)
        if top > below:
            parts.append(_part(top - below, tier.unit_price, below, tier.up_to))
        if tier.up_to is None or billable <= tier.up_to:
            break
        below = tier.up_to
    return Rating(billable, tuple(parts))
