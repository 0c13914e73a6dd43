"""Staff's metered items: what a plan bills by use (praho.recurring.models.MeteredItem), created,
changed and deleted here, checked and audited (`recurring.metered_item_saved` / `_deleted`).

An item that has billed something keeps its plan, measure and currency (its charges name it);
its prices and included quantity may change and apply to the periods billed from then on. It
cannot be deleted once it has billed: staff lower its price to 0 or move its `billed_from` on
to stop it instead.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Plan
from praho.core.money import Currency
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, date_error, fiscal_today
from praho.recurring.models import Measure, MeteredItem, TierMode, UsageCharge
from praho.recurring.rules.rating import (
    LARGEST,
    PRICE_PLACES,
    QUANTITY_PLACES,
    Tier,
    clean_tiers,
    number_of,
    places_of,
    tiers_as_json,
)


def _amount(errors: FieldErrors, field: str, value: Any, *, places: int) -> Decimal | None:
    number = number_of(value) if value not in (None, "") else Decimal("0")
    if number is None:
        errors.add(field, _("Enter a number."), "invalid")
    elif number < 0:
        errors.add(field, _("It cannot be negative."), "negative")
    elif places_of(number) > places:
        errors.add(field, _("Use at most %(places)s decimals.") % {"places": places}, "decimals")
    elif number > LARGEST:
        errors.add(field, _("Enter at most %(max)s.") % {"max": LARGEST}, "max_value")
    else:
        return number
    return None


def _choice(errors: FieldErrors, field: str, value: Any, choices: Any) -> str:
    if value not in choices.values:
        errors.add(field, _("Choose one of the options."), "invalid_choice")
    return str(value)


def _tiers(errors: FieldErrors, mode: str, raw: Any) -> list[Tier]:
    if mode not in (TierMode.GRADUATED, TierMode.VOLUME):
        if raw:
            errors.add(
                "tiers", _("Tiers are for graduated or volume pricing; leave them empty."), "not_tiered"
            )
        return []
    return errors.check(lambda: clean_tiers(raw)) or []


@service_transaction
def save_metered_item(
    *,
    actor: Any,
    item: MeteredItem | None = None,
    plan: Plan,
    measure: str,
    currency: str,
    included: Any = "0",
    tier_mode: str = TierMode.FLAT,
    unit_price: Any = "0",
    tiers: Any = None,
    billed_from: date | None = None,
) -> MeteredItem:
    """Create a metered item (`item` None) or change one. `tiers`: a list of {"up_to",
    "unit_price"} for graduated or volume pricing (the last one's up_to None), none for flat;
    `billed_from`: the first day whose usage it bills (today by default)."""
    errors = FieldErrors()
    measure = _choice(errors, "measure", measure, Measure)
    currency = _choice(errors, "currency", currency, Currency)
    tier_mode = _choice(errors, "tier_mode", tier_mode, TierMode)
    clean_included = _amount(errors, "included", included, places=QUANTITY_PLACES)
    clean_price = _amount(errors, "unit_price", unit_price, places=PRICE_PLACES)
    clean = _tiers(errors, tier_mode, tiers)
    billed_from = billed_from or fiscal_today()
    if (problem := date_error(billed_from)) is not None:
        errors.add("billed_from", problem.messages[0], "invalid")
    moved = item is not None and (item.plan_id, item.measure, item.currency) != (plan.pk, measure, currency)
    if moved and UsageCharge.objects.filter(item=item).exists():
        errors.add(
            "measure",
            _("This item has billed usage: its plan, measure and currency stay; add a new item instead."),
            "billed",
        )
    clash = MeteredItem.objects.filter(plan=plan, measure=measure, currency=currency)
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if clash.exists():
        errors.add("measure", _("This plan already bills this measure in this currency."), "unique")
    errors.raise_if_any()
    created = item is None
    item = item or MeteredItem()
    item.plan, item.measure, item.currency, item.tier_mode = plan, measure, currency, tier_mode
    item.included = clean_included or Decimal("0")
    item.unit_price = clean_price if tier_mode == TierMode.FLAT and clean_price is not None else Decimal("0")
    item.tiers = tiers_as_json(clean)
    item.billed_from = billed_from
    try:
        item.save()
    except IntegrityError as error:  # the same item saved beside this one
        raise ValidationError(
            {
                "measure": ValidationError(
                    _("This plan already bills this measure in this currency."), code="unique"
                )
            }
        ) from error
    record_event(
        "recurring.metered_item_saved",
        actor=actor,
        target=item,
        data={
            "created": created,
            "plan": plan.pk,
            "measure": measure,
            "currency": currency,
            "included": str(item.included),
            "tier_mode": tier_mode,
            "unit_price": str(item.unit_price),
            "tiers": item.tiers,
            "billed_from": billed_from.isoformat(),
        },
    )
    return item


@service_transaction
def delete_metered_item(*, actor: Any, item: MeteredItem) -> None:
    """Delete an item that has billed nothing yet."""
    if UsageCharge.objects.filter(item=item).exists():
        raise ValidationError(
            _(
                "This item has billed usage and its charges name it; set its price to 0 or its "
                "billing start later instead."
            ),
            code="billed",
        )
    data = {"plan": item.plan_id, "measure": item.measure, "currency": item.currency}
    record_event("recurring.metered_item_deleted", actor=actor, target=item, data=data)
    item.delete()
