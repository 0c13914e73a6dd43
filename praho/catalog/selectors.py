"""Reads of the catalog for pages, the API and other apps (orders): current prices, plans by id
or code, relationships."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q

from praho.catalog.models import Plan, PlanRelation, Price

PriceKey = tuple[int, str, str]  # plan id, cycle, currency


def current_prices(
    plan_ids: Iterable[int], *, on: date, currency: str | None = None
) -> dict[PriceKey, Price]:
    """The price in force on `on` for every (plan, cycle, currency) of these plans: the row with the
    latest `valid_from` not after `on`. Prices planned for later days are left out."""
    query = Price.objects.filter(plan_id__in=list(plan_ids), valid_from__lte=on)
    if currency is not None:
        query = query.filter(currency=currency)
    found: dict[PriceKey, Price] = {}
    for price in query.order_by("plan_id", "cycle", "currency", "-valid_from"):
        found.setdefault((price.plan_id, price.cycle, price.currency), price)
    return found


def plans_by_reference(references: Iterable[object]) -> dict[str, Plan]:
    """Plans named by id (an int, or digits) or by code, keyed by the reference as text; with
    their group read along. Unknown references are simply missing from the answer."""
    ids: set[int] = set()
    codes: set[str] = set()
    for reference in references:
        text = str(reference).strip()
        if isinstance(reference, int) or (text.isascii() and text.isdigit()):
            ids.add(int(text))
        elif text:
            codes.add(text.lower())
    if not ids and not codes:
        return {}
    plans = Plan.objects.select_related("group").filter(Q(pk__in=ids) | Q(code__in=codes))
    found: dict[str, Plan] = {}
    for plan in plans:
        found[str(plan.pk)] = plan
        found[plan.code] = plan
    return found


def relations_of(plan_ids: Iterable[int]) -> list[PlanRelation]:
    """The relationships these plans have to others, with the other plan and its group."""
    return list(
        PlanRelation.objects.filter(plan_id__in=list(plan_ids)).select_related("other__group").order_by("pk")
    )
