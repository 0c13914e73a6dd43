"""Reads of the catalog for pages, the API and other apps (orders): current prices, plans by id
or code, relationships."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from praho.catalog.models import Coupon, Cycle, Plan, PlanFeature, PlanRelation, Price, ProductGroup

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


# --- staff pages ------------------------------------------------------------------------------


def staff_plans(*, group: ProductGroup | None = None, visibility: str = "") -> QuerySet[Plan]:
    """Plans for the staff list, with their group, in the catalog's order."""
    plans = Plan.objects.select_related("group").order_by("group__position", "group_id", "position", "id")
    if group is not None:
        plans = plans.filter(group=group)
    if visibility:
        plans = plans.filter(visibility=visibility)
    return plans


def staff_groups() -> QuerySet[ProductGroup]:
    """Every group with the number of its plans (one query)."""
    return ProductGroup.objects.annotate(plan_count=Count("plans")).order_by("position", "id")


@dataclass(frozen=True)
class PriceRows:
    current: list[Price]  # in force on the day, one per cycle and currency
    planned: list[Price]  # from a later day
    history: list[Price]  # older ones, no longer in force


def plan_prices(plan: Plan, *, on: date) -> PriceRows:
    """The plan's prices split into current, planned and past (one query)."""
    order = {cycle: index for index, cycle in enumerate(Cycle.values)}
    rows = sorted(
        Price.objects.filter(plan=plan),
        key=lambda p: (order.get(p.cycle, 99), p.currency, -p.valid_from.toordinal()),
    )
    current: list[Price] = []
    planned: list[Price] = []
    history: list[Price] = []
    seen: set[tuple[str, str]] = set()
    for price in rows:
        key = (price.cycle, price.currency)
        if price.valid_from > on:
            planned.append(price)
        elif key not in seen:
            seen.add(key)
            current.append(price)
        else:
            history.append(price)
    return PriceRows(current, sorted(planned, key=lambda p: (p.valid_from, order.get(p.cycle, 99))), history)


def plan_features(plan: Plan) -> list[PlanFeature]:
    return list(plan.features.select_related("feature").order_by("feature__position", "feature_id"))


def plan_relations(plan: Plan) -> tuple[list[PlanRelation], list[PlanRelation]]:
    """The plan's relationships to others, and those of others to it (two queries)."""
    outgoing = list(plan.relations.select_related("other").order_by("kind", "other__code"))
    incoming = list(plan.related_from.select_related("plan").order_by("kind", "plan__code"))
    return outgoing, incoming


def staff_coupons() -> QuerySet[Coupon]:
    return Coupon.objects.order_by("-created_at", "-id")
