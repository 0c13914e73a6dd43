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
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection, transaction
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


# Features and prices are named tuples holding amounts as decimal strings: a large catalog holds
# tens of thousands of them, and these are built, pickled into the cache and read back about ten
# times faster than dataclasses of Decimals. `limit`, `amount` and `setup_fee` give the Decimals.
class TreeFeature(NamedTuple):
    code: str
    names: Texts  # one dict per feature, shared by every plan that has it
    unit: str
    limit_text: str | None  # "10.00"; None: unlimited

    def name(self, language: str | None = None) -> str:
        return in_language(self.names, language)

    @property
    def limit(self) -> Decimal | None:
        return None if self.limit_text is None else Decimal(self.limit_text)


class TreePrice(NamedTuple):
    cycle: str
    currency: str
    price: str  # net of VAT, "49.90"
    setup: str  # the setup fee, net of VAT, "0.00"
    valid_from: date

    @property
    def amount(self) -> Decimal:
        return Decimal(self.price)

    @property
    def setup_fee(self) -> Decimal:
        return Decimal(self.setup)


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
    transaction.on_commit(_new_version_committed, robust=True)


def _new_version_committed() -> None:
    from praho.catalog.tasks import warm_tree  # the task module imports this one

    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    warm_tree.delay()


def current_price_rows(query: QuerySet[Price], *, on: date) -> dict[int, list[TreePrice]]:
    """Per plan, the prices of `query` in force on `on` (latest `valid_from` not after it per
    cycle and currency), in one query, read as plain values. PostgreSQL keeps only those rows
    (DISTINCT ON); elsewhere the older ones are skipped here."""
    ordered = query.filter(valid_from__lte=on).order_by("plan_id", "cycle", "currency", "-valid_from")
    if connection.vendor == "postgresql":
        ordered = ordered.distinct("plan_id", "cycle", "currency")
    rows = ordered.values_list("plan_id", "cycle", "currency", "amount", "setup_fee", "valid_from")
    found: dict[int, list[TreePrice]] = {}
    last: tuple[int, str, str] | None = None
    # The few distinct cycles, currencies and days as one object each: pickled once, referred to.
    words: dict[str, str] = {}
    days: dict[date, date] = {}
    for plan_id, cycle, currency, amount, setup_fee, valid_from in rows.iterator(chunk_size=5000):
        key = (plan_id, cycle, currency)
        if key == last:
            continue
        last = key
        found.setdefault(plan_id, []).append(
            TreePrice(
                words.setdefault(cycle, cycle),
                words.setdefault(currency, currency),
                str(amount),
                str(setup_fee),
                days.setdefault(valid_from, valid_from),
            )
        )
    return found


def _features() -> dict[int, list[TreeFeature]]:
    """Per public plan, its features in their order, read as plain values (one query)."""
    fields = ["plan_id", "limit", "feature_id", "feature__code", "feature__unit"]
    fields += [f"feature__name_{language}" for language in LANGUAGES]
    rows = (
        PlanFeature.objects.filter(plan__group__visible=True, plan__visibility=Visibility.PUBLIC)
        .order_by("plan_id", "feature__position", "feature_id")
        .values_list(*fields)
    )
    names: dict[int, Texts] = {}
    found: dict[int, list[TreeFeature]] = {}
    for plan_id, limit, feature_id, code, unit, *texts in rows.iterator(chunk_size=5000):
        shared = names.setdefault(feature_id, dict(zip(LANGUAGES, texts, strict=True)))
        limit_text = None if limit is None else str(limit)
        found.setdefault(plan_id, []).append(TreeFeature(code, shared, unit, limit_text))
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
    features = _features()
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


# The newest tree this process read, by key: a warm read costs one cache lookup (the version)
# and no unpickling. A new version or a new day makes a new key, so it is never stale.
_local: dict[str, list[TreeGroup]] = {}


def catalog_tree(*, on: date) -> list[TreeGroup]:
    """The public catalog on `on`: this process's copy or the shared cache's when this version
    and day are there (no query), else read (four queries) and stored in both."""
    key = tree_key(on)
    tree = _local.get(key)
    if tree is None:
        tree = cache.get(key)
        if tree is None:
            tree = build_tree(on=on)
            cache.set(key, tree, TREE_TIMEOUT)
        _local.clear()
        _local[key] = tree
    return tree
