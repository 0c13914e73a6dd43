"""The public catalog as one cached tree: visible groups, each with its public plans, their
features and the prices in force on a day.

Read in a fixed number of queries whatever the catalog's size (groups, plans, features, prices:
four), and kept in Django's cache under a key made of the catalog's version and the day. Every
catalog write service bumps the version (and so does any save or delete of a catalog row, by the
signals in praho.catalog.apps), so a change is seen at once; the day is in the key because prices
change at midnight Europe/Bucharest through their `valid_from`. Names and descriptions are kept
in every language, so one tree serves every reader; `name()` answers in the active language.

Plans behind a feature flag are in the tree with their `flag`: the catalog does not know who a
flag is on for (praho.orders does, above it), so callers filter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from praho.catalog.models import Plan, PlanFeature, Price, ProductGroup, Visibility
from praho.catalog.models.translated import LANGUAGES, _language

VERSION_KEY = "catalog:version"
TREE_KEY = "catalog:tree:{version}:{day}"
# A day's tree lives at most this long; a new version or a new day uses a new key anyway.
TREE_TIMEOUT = 24 * 3600


Texts = dict[str, str]  # language -> text, "en" always present


def _texts(row: object, field: str) -> Texts:
    return {language: getattr(row, f"{field}_{language}") for language in LANGUAGES}


def in_language(texts: Texts, language: str | None = None) -> str:
    language = language or _language()
    return texts.get(language) or texts["en"]


@dataclass(frozen=True)
class TreeFeature:
    code: str
    names: Texts
    unit: str
    limit: Decimal | None  # None: unlimited

    def name(self, language: str | None = None) -> str:
        return in_language(self.names, language)


@dataclass(frozen=True)
class TreePrice:
    cycle: str
    currency: str
    amount: Decimal  # net of VAT
    setup_fee: Decimal
    valid_from: date


@dataclass(frozen=True)
class TreePlan:
    id: int
    code: str
    group_id: int
    group_code: str
    names: Texts
    descriptions: Texts
    module: str  # "" when none
    requires_domain: bool
    max_quantity: int
    flag: str  # "" when offered to all
    features: tuple[TreeFeature, ...]
    prices: tuple[TreePrice, ...]

    def name(self, language: str | None = None) -> str:
        return in_language(self.names, language)

    def description(self, language: str | None = None) -> str:
        return in_language(self.descriptions, language)


@dataclass(frozen=True)
class TreeGroup:
    id: int
    code: str
    kind: str
    names: Texts
    descriptions: Texts
    plans: tuple[TreePlan, ...]

    def name(self, language: str | None = None) -> str:
        return in_language(self.names, language)

    def description(self, language: str | None = None) -> str:
        return in_language(self.descriptions, language)


def catalog_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A random token, not a counter: a version evicted from the cache can never come back
        # to a value under which an old tree is still stored.
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return str(version)


def bump_version() -> None:
    """A new catalog version now (readers inside this transaction see the change) and again once
    the transaction commits (a reader in another transaction may have cached the old rows
    under the first new version meanwhile)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def current_price_rows(query: QuerySet[Price], *, on: date) -> dict[int, list[TreePrice]]:
    """Per plan, the prices of `query` in force on `on` (latest `valid_from` not after it per
    cycle and currency), in one query, read as plain values."""
    rows = (
        query.filter(valid_from__lte=on)
        .order_by("plan_id", "cycle", "currency", "-valid_from")
        .values_list("plan_id", "cycle", "currency", "amount", "setup_fee", "valid_from")
    )
    found: dict[int, list[TreePrice]] = {}
    last: tuple[int, str, str] | None = None
    for plan_id, cycle, currency, amount, setup_fee, valid_from in rows.iterator(chunk_size=5000):
        key = (plan_id, cycle, currency)
        if key == last:
            continue
        last = key
        found.setdefault(plan_id, []).append(TreePrice(cycle, currency, amount, setup_fee, valid_from))
    return found


def _cycle_order() -> dict[str, int]:
    from praho.catalog.models import Cycle

    return {cycle: index for index, cycle in enumerate(Cycle.values)}


def build_tree(*, on: date) -> list[TreeGroup]:
    """The tree read from the database (four queries), not cached."""
    groups = list(ProductGroup.objects.filter(visible=True).order_by("position", "id"))
    plans = list(
        Plan.objects.filter(group__visible=True, visibility=Visibility.PUBLIC).order_by(
            "group_id", "position", "id"
        )
    )
    features: dict[int, list[TreeFeature]] = {}
    for row in (
        PlanFeature.objects.filter(plan__group__visible=True, plan__visibility=Visibility.PUBLIC)
        .select_related("feature")
        .order_by("plan_id", "feature__position", "feature_id")
    ):
        feature = row.feature
        features.setdefault(row.plan_id, []).append(
            TreeFeature(feature.code, _texts(feature, "name"), feature.unit, row.limit)
        )
    public = Price.objects.filter(plan__group__visible=True, plan__visibility=Visibility.PUBLIC)
    prices = current_price_rows(public, on=on)
    order = _cycle_order()
    codes = {group.pk: group.code for group in groups}
    by_group: dict[int, list[TreePlan]] = {}
    for plan in plans:
        shown = sorted(prices.get(plan.pk, []), key=lambda p: (order.get(p.cycle, 99), p.currency))
        by_group.setdefault(plan.group_id, []).append(
            TreePlan(
                id=plan.pk,
                code=plan.code,
                group_id=plan.group_id,
                group_code=codes[plan.group_id],
                names=_texts(plan, "name"),
                descriptions=_texts(plan, "description"),
                module=plan.module,
                requires_domain=plan.requires_domain,
                max_quantity=plan.max_quantity,
                flag=plan.flag,
                features=tuple(features.get(plan.pk, [])),
                prices=tuple(shown),
            )
        )
    return [
        TreeGroup(
            id=group.pk,
            code=group.code,
            kind=group.kind,
            names=_texts(group, "name"),
            descriptions=_texts(group, "description"),
            plans=tuple(by_group.get(group.pk, [])),
        )
        for group in groups
    ]


def tree_key(on: date) -> str:
    return TREE_KEY.format(version=catalog_version(), day=on.isoformat())


def catalog_tree(*, on: date) -> list[TreeGroup]:
    """The public catalog on `on`: from the cache when this version and day are there (no
    query), else read (four queries) and stored."""
    key = tree_key(on)
    tree: list[TreeGroup] | None = cache.get(key)
    if tree is None:
        tree = build_tree(on=on)
        cache.set(key, tree, TREE_TIMEOUT)
    return tree
