"""Reads of the catalog for the customer area's shop: what this customer may buy, with prices in
its currency, without and with the VAT billing would charge it (quotes.vat_treatment).

The catalog page reads the catalog's cached tree (praho.catalog.tree: four queries when the catalog
changed or the day did, none otherwise), the VAT treatment (seller and rate) and one flag lookup
per distinct feature flag the plans name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from praho.billing.rules.vat import VatTreatment
from praho.catalog.models import (
    Cycle,
    GroupKind,
    Plan,
    PlanFeature,
    PlanRelation,
    Price,
    RelationBilling,
    RelationKind,
)
from praho.catalog.selectors import current_prices, relations_of
from praho.catalog.tree import TreeGroup, TreePlan, TreePrice, catalog_tree
from praho.core.money import round_money
from praho.core.validation import fiscal_today
from praho.customers.models import Customer
from praho.orders.flags import flag_active
from praho.orders.quotes import vat_treatment

HUNDRED = Decimal(100)
CYCLE_ORDER = {cycle: position for position, cycle in enumerate(Cycle.values)}


def with_vat(amount: Decimal, treatment: VatTreatment) -> Decimal:
    return round_money(amount * (HUNDRED + treatment.rate) / HUNDRED)


@dataclass(frozen=True)
class CyclePrice:
    cycle: str
    label: str
    net: Decimal
    gross: Decimal
    setup_fee: Decimal
    setup_gross: Decimal


@dataclass(frozen=True)
class ShownFeature:
    """A plan's feature as the pages show it: name, limit (None: unlimited) and unit."""

    code: str
    name: str
    unit: str
    limit: Decimal | None


def shown_features(features: Iterable[PlanFeature]) -> list[ShownFeature]:
    return [ShownFeature(f.feature.code, f.feature.name, f.feature.unit, f.limit) for f in features]


@dataclass
class OfferedPlan:
    plan: TreePlan
    features: list[ShownFeature]
    prices: list[CyclePrice]


@dataclass
class OfferedGroup:
    group: TreeGroup
    plans: list[OfferedPlan] = field(default_factory=list)


def _priced(price: TreePrice, treatment: VatTreatment) -> CyclePrice:
    return CyclePrice(
        cycle=price.cycle,
        label=str(Cycle(price.cycle).label),
        net=price.amount,
        gross=with_vat(price.amount, treatment),
        setup_fee=price.setup_fee,
        setup_gross=with_vat(price.setup_fee, treatment),
    )


def cycle_prices(
    plan_id: int, prices: dict[tuple[int, str, str], Price], currency: str, treatment: VatTreatment
) -> list[CyclePrice]:
    found = [prices[key] for key in prices if key[0] == plan_id and key[2] == currency]
    return [
        _priced(TreePrice(p.cycle, p.currency, str(p.amount), str(p.setup_fee), p.valid_from), treatment)
        for p in sorted(found, key=lambda price: CYCLE_ORDER[price.cycle])
    ]


class FlagCache:
    """Whether each feature flag is on for this user and customer, asked once per flag."""

    def __init__(self, customer: Customer, user: Any) -> None:
        self.customer, self.user = customer, user
        self.answers: dict[str, bool] = {}

    def offered(self, plan: Plan | TreePlan) -> bool:
        if not plan.flag:
            return True
        if plan.flag not in self.answers:
            self.answers[plan.flag] = flag_active(plan.flag, user=self.user, customer=self.customer)
        return self.answers[plan.flag]


def _features() -> Prefetch[Any]:
    return Prefetch(
        "features",
        queryset=PlanFeature.objects.select_related("feature").order_by("feature__position", "feature_id"),
    )


@dataclass
class Shelf:
    """The catalog page: the groups to choose from (tabs) and the chosen one's offered plans."""

    tabs: list[TreeGroup]
    chosen: OfferedGroup | None
    treatment: VatTreatment


def catalog(customer: Customer, user: Any, currency: str, group_code: str = "") -> Shelf:
    """The visible groups that have public plans, and the chosen group (the first one unless
    `group_code` names another) with its plans offered to this customer and priced in its
    currency (a plan without a price in it is left out), with the customer's VAT treatment.

    Read from the catalog's cached tree (praho.catalog.tree): no query for the catalog itself
    once it is cached. One group per page: a provider with 1,000 plans would otherwise send
    7,000 prices on one page (bench/catalog.py: 1.1 s; one group of 20 plans: see the bench)."""
    treatment = vat_treatment(customer)
    tabs = [group for group in catalog_tree(on=fiscal_today()) if group.plans]
    group = next((tab for tab in tabs if tab.code == group_code), tabs[0] if tabs else None)
    if group is None:
        return Shelf(tabs, None, treatment)
    flags = FlagCache(customer, user)
    chosen = OfferedGroup(group)
    for plan in group.plans:
        prices = [_priced(price, treatment) for price in plan.prices if price.currency == currency]
        if prices and flags.offered(plan):
            features = [ShownFeature(f.code, f.name(), f.unit, f.limit) for f in plan.features]
            chosen.plans.append(OfferedPlan(plan, features, prices))
    return Shelf(tabs, chosen, treatment)


# --- one plan, to configure -------------------------------------------------------------------


@dataclass(frozen=True)
class Related:
    relation: PlanRelation
    plan: Plan
    prices: list[CyclePrice]

    @property
    def free(self) -> bool:
        return self.relation.billing == RelationBilling.INCLUDED

    @property
    def discount_percent(self) -> Decimal | None:
        if self.relation.billing == RelationBilling.DISCOUNTED:
            return self.relation.discount_percent
        return None


@dataclass
class Configurable:
    plan: Plan
    features: list[ShownFeature]
    prices: list[CyclePrice]
    addons: list[Related]
    included: list[Related]
    needs_domain: bool
    treatment: VatTreatment

    @property
    def cycles(self) -> list[tuple[str, str]]:
        return [(price.cycle, price.label) for price in self.prices]


def configurable(plan_id: int, customer: Customer, user: Any, currency: str) -> Configurable:
    """A plan the customer may open (public or hidden, offered to it), with its add-ons and what
    it includes; 404 for an unknown plan or one behind a flag that is off. A retired plan is
    returned: the page says it can no longer be ordered."""
    plan = Plan.objects.select_related("group").prefetch_related(_features()).filter(pk=plan_id).first()
    flags = FlagCache(customer, user)
    if plan is None or not flags.offered(plan):
        raise Http404
    relations = relations_of([plan.pk])
    prices = current_prices(
        [plan.pk, *(relation.other_id for relation in relations)], on=fiscal_today(), currency=currency
    )
    treatment = vat_treatment(customer)

    def related(kind: str) -> list[Related]:
        return [
            Related(r, r.other, cycle_prices(r.other_id, prices, currency, treatment))
            for r in relations
            if r.kind == kind and r.other.orderable and flags.offered(r.other)
        ]

    needs_domain = plan.requires_domain or any(
        r.kind == RelationKind.REQUIRES and r.other.group.kind == GroupKind.DOMAIN for r in relations
    )
    return Configurable(
        plan=plan,
        features=shown_features(plan.features.all()),
        prices=cycle_prices(plan.pk, prices, currency, treatment),
        addons=[addon for addon in related(RelationKind.ADDON) if addon.prices],
        included=related(RelationKind.INCLUDES),
        needs_domain=needs_domain,
        treatment=treatment,
    )
