"""Prices planned by validity date, and the relationships between plans.

A price in force (valid from today or earlier) is history: never changed nor removed. A change
is a new row from a later day, so what a customer paid can always be explained. A price planned
for a later day may be replaced (same day, new amount) or removed before it takes effect.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Cycle, Plan, PlanRelation, Price, RelationBilling, RelationKind
from praho.catalog.services.checks import check_amount, check_choice, check_cycles, check_percent
from praho.catalog.tree import bump_version
from praho.core.money import Currency
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, date_error, fiscal_today

# Which billing each relationship allows.
ALLOWED_BILLING: dict[str, tuple[str, ...]] = {
    RelationKind.REQUIRES: (RelationBilling.SEPARATE,),
    RelationKind.UPGRADE: (RelationBilling.SEPARATE,),
    RelationKind.ADDON: (RelationBilling.SEPARATE, RelationBilling.DISCOUNTED),
    RelationKind.INCLUDES: (RelationBilling.INCLUDED, RelationBilling.DISCOUNTED),
}


def _price_data(price: Price) -> dict[str, Any]:
    return {
        "plan": price.plan.code,
        "cycle": price.cycle,
        "currency": price.currency,
        "amount": price.amount,
        "setup_fee": price.setup_fee,
        "valid_from": price.valid_from,
    }


@service_transaction
def plan_price(
    *,
    actor: Any,
    plan: Plan,
    cycle: str,
    currency: str,
    amount: Any,
    setup_fee: Any = Decimal(0),
    valid_from: date | None = None,
) -> Price:
    """The plan's price, net of VAT, for this cycle and currency from `valid_from` (today by
    default) on. A price planned for the same later day is replaced; a day in the past, or
    today when a price from today is already in force, is refused."""
    today = fiscal_today()
    valid_from = today if valid_from is None else valid_from
    errors = FieldErrors()
    cycle = check_choice(errors, "cycle", cycle, Cycle)
    currency = check_choice(errors, "currency", currency, Currency)
    amount = check_amount(errors, "amount", amount)
    setup_fee = check_amount(errors, "setup_fee", Decimal(0) if setup_fee in (None, "") else setup_fee)
    if not isinstance(valid_from, date):
        errors.add("valid_from", _("Enter a date."), "invalid")
    elif (problem := date_error(valid_from)) is not None:
        errors.add("valid_from", problem.messages[0], "date_range")
    elif valid_from < today:
        errors.add(
            "valid_from",
            _("A price starts today or later: the prices of past days are history and stay as they were."),
            "price_in_past",
        )
    errors.raise_if_any()
    existing = Price.objects.filter(plan=plan, cycle=cycle, currency=currency, valid_from=valid_from).first()
    if existing is not None and existing.valid_from <= today:
        errors.add(
            "valid_from",
            _("A price from this day is in force and cannot change; plan the new one from tomorrow."),
            "price_in_force",
        )
        errors.raise_if_any()
    if existing is not None:
        before = _price_data(existing)
        existing.amount, existing.setup_fee = amount, setup_fee
        existing.save(update_fields=["amount", "setup_fee"])
        price = existing
        record_event(
            "catalog.price_planned",
            actor=actor,
            target=plan,
            data={"replaced": before, "price": _price_data(price)},
        )
    else:
        price = Price.objects.create(
            plan=plan,
            cycle=cycle,
            currency=currency,
            amount=amount,
            setup_fee=setup_fee,
            valid_from=valid_from,
        )
        record_event("catalog.price_planned", actor=actor, target=plan, data={"price": _price_data(price)})
    bump_version()
    return price


@service_transaction
def remove_planned_price(*, actor: Any, price: Price) -> None:
    """Remove a price planned for a later day; one in force (from today or earlier) stays."""
    if price.valid_from <= fiscal_today():
        errors = FieldErrors()
        errors.add(
            "valid_from",
            _("This price is in force or was: it stays. Plan a new price from a later day instead."),
            "price_in_force",
        )
        errors.raise_if_any()
    data = _price_data(price)
    plan = price.plan
    price.delete()
    record_event("catalog.price_removed", actor=actor, target=plan, data={"price": data})
    bump_version()


@service_transaction
def save_relation(
    *,
    actor: Any,
    relation: PlanRelation | None = None,
    plan: Plan,
    other: Plan,
    kind: str,
    billing: str = RelationBilling.SEPARATE,
    discount_percent: Any = Decimal(0),
    cycles: Any = (),
) -> PlanRelation:
    """`plan` requires / offers as add-on / includes / upgrades to `other`, billed separately,
    included for free or discounted by `discount_percent`, optionally only with some of the
    plan's cycles (empty: all)."""
    errors = FieldErrors()
    if other.pk == plan.pk:
        errors.add("other", _("A plan cannot be related to itself."), "relation_self")
    kind = check_choice(errors, "kind", kind, RelationKind)
    billing = check_choice(errors, "billing", billing, RelationBilling)
    percent = check_percent(
        errors, "discount_percent", Decimal(0) if discount_percent in (None, "") else discount_percent
    )
    if kind and billing and billing not in ALLOWED_BILLING[kind]:
        allowed = ", ".join(str(RelationBilling(value).label) for value in ALLOWED_BILLING[kind])
        errors.add(
            "billing",
            _("%(kind)s allows only: %(allowed)s.") % {"kind": RelationKind(kind).label, "allowed": allowed},
            "relation_billing",
        )
    if "discount_percent" not in errors.by_field:
        if billing == RelationBilling.DISCOUNTED and not 0 < percent < 100:
            errors.add(
                "discount_percent",
                _("A discount is above 0 and below 100%; 100% is “Included (free)”."),
                "percent_range",
            )
        elif billing != RelationBilling.DISCOUNTED and percent != 0:
            errors.add(
                "discount_percent", _("Only a discounted relationship has a discount."), "percent_unused"
            )
    if isinstance(cycles, str) or not hasattr(cycles, "__iter__"):
        errors.add("cycles", _("Choose billing cycles."), "invalid")
        cycles = ()
    clean_cycles = check_cycles(errors, "cycles", cycles)
    if kind and not errors.by_field.get("other"):
        clash = PlanRelation.objects.filter(plan=plan, other=other, kind=kind)
        if relation is not None:
            clash = clash.exclude(pk=relation.pk)
        if clash.exists():
            errors.add("other", _("These plans already have this relationship."), "relation_exists")
    errors.raise_if_any()
    row = relation or PlanRelation()
    created = row.pk is None
    before = None if created else _relation_data(row)
    row.plan, row.other, row.kind, row.billing = plan, other, kind, billing
    row.discount_percent, row.cycles = percent, clean_cycles
    row.save()
    record_event(
        "catalog.relation_saved",
        actor=actor,
        target=plan,
        data={"before": before, "after": _relation_data(row)},
    )
    bump_version()
    return row


def _relation_data(relation: PlanRelation) -> dict[str, Any]:
    return {
        "id": relation.pk,
        "other": relation.other.code,
        "kind": relation.kind,
        "billing": relation.billing,
        "discount_percent": relation.discount_percent,
        "cycles": list(relation.cycles),
    }


@service_transaction
def remove_relation(*, actor: Any, relation: PlanRelation) -> None:
    data = _relation_data(relation)
    plan = relation.plan
    relation.delete()
    record_event("catalog.relation_removed", actor=actor, target=plan, data={"relation": data})
    bump_version()
