"""Catalog benchmark (issue 13): GET /api/v1/catalog/ over 50 groups x 20 plans x 7 cycles x
3 currencies (21,000 prices in force, plus a past and a planned price for a third of them, and
8 features per plan).

Measures p50/p95/max and the queries of the public catalog API:
- cold: the cache emptied before each request (the tree read in four queries, then answered);
- after a change: a catalog version bumped before each request (what follows a staff edit);
- warm: the tree and the language's answer in the cache (no query);
- warm in Romanian, and with ?currency=EUR (filtered from the cached answer);
and the selector catalog_tree() alone, cold.

Run by hand (not part of the test suite), against a throw-away test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bench .venv/bin/python bench/catalog.py
    .venv/bin/python bench/catalog.py --groups 10                      # SQLite, smaller

Options: --groups N (50), --plans N per group (20), --requests N per measurement (100), --keepdb.
The cache is Django's local-memory cache (the test settings); production's Redis adds a round
trip and the unpickling of the cached answer. Target: p95 under 30 ms.

Figures of 2026-12-07 (PostgreSQL 16, 2 CPUs shared with other jobs, load average 4-6; the answer
is 2.3 MB for 1,000 plans): warm p50 0.6 ms, p95 0.8 ms, no query (the rendered answer is kept
per process); cold p50 0.4-0.9 s, p95 0.6-1.4 s, 4 queries, of which catalog_tree() alone is
p50 0.34 s. A cold answer is paid once per catalog change (or day) per process.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench._timing import spread, timed  # noqa: E402
from praho.catalog.models import Cycle, Feature, Plan, PlanFeature, Price, ProductGroup  # noqa: E402
from praho.catalog.tree import bump_version, catalog_tree  # noqa: E402
from praho.core.validation import fiscal_today  # noqa: E402

TARGET_MS = 30.0
CURRENCIES = ("RON", "EUR", "USD")
FEATURES = ("disk", "bandwidth", "domains", "mailboxes", "databases", "vcpu", "ram", "backups")


def load(groups: int, plans: int) -> float:
    began = time.perf_counter()
    today = fiscal_today()
    features = Feature.objects.bulk_create(
        Feature(code=code, name_en=code.title(), name_ro=f"{code} ro", position=i)
        for i, code in enumerate(FEATURES)
    )
    rows = ProductGroup.objects.bulk_create(
        ProductGroup(
            code=f"group-{g}", kind="hosting", position=g, name_en=f"Group {g}", name_ro=f"Grupa {g}"
        )
        for g in range(groups)
    )
    created = Plan.objects.bulk_create(
        Plan(
            group=group,
            code=f"plan-{g}-{p}",
            name_en=f"Plan {g}-{p}",
            name_ro=f"Planul {g}-{p}",
            name_bg=f"План {g}-{p}",
            description_en="A plan for the benchmark, with a description of some length. " * 3,
            module="virtualmin",
            module_params={"package": f"p{p}"},
            position=p,
        )
        for g, group in enumerate(rows)
        for p in range(plans)
    )
    PlanFeature.objects.bulk_create(
        (
            PlanFeature(plan=plan, feature=feature, limit=None if i % 4 == 1 else Decimal(10 * (i + 1)))
            for plan in created
            for i, feature in enumerate(features)
        ),
        batch_size=5000,
    )
    prices = []
    for index, plan in enumerate(created):
        for c, cycle in enumerate(Cycle.values):
            for currency in CURRENCIES:
                amount = Decimal(10 + index % 90 + c * 7)
                prices.append(
                    Price(plan=plan, cycle=cycle, currency=currency, amount=amount, valid_from=today)
                )
                if index % 3 == 0:
                    for days, delta in ((-400, -1), (30, 2)):
                        prices.append(
                            Price(
                                plan=plan,
                                cycle=cycle,
                                currency=currency,
                                amount=amount + delta,
                                valid_from=today + timedelta(days=days),
                            )
                        )
    Price.objects.bulk_create(prices, batch_size=5000)
    bump_version()  # bulk_create sends no signal
    return time.perf_counter() - began


def measure(name: str, action: Callable[[], Any], before: Callable[[], None], count: int) -> None:
    before()
    queries: list[str] = []

    def count_query(execute: Any, sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    # Counted as executed (a request resets connection.queries when it starts).
    with connection.execute_wrapper(count_query):
        action()
    samples: list[float] = []
    for _ in range(count):
        before()
        wall, _cpu, _result = timed(action, 1)
        samples += wall
    p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
    verdict = "ok" if p95 < TARGET_MS else "over target"
    print(f"{name:<52} {spread(samples)}, max {max(samples):.2f} ms, {len(queries)} queries  [{verdict}]")


def get(client: Client, path: str, **headers: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(path, **headers)
        assert response.status_code == 200, response.content[:200]
        return response

    return call


def area_client() -> Client:
    """A customer's owner signed in to the customer area, with the seller and VAT rates its
    catalog page prices with (a RON, VAT-paying Romanian company: prices shown with 21% VAT)."""
    from django.utils import timezone

    from praho.accounts.tests.factories import UserFactory
    from praho.billing.models import SellerProfile
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.customers.models import Customer, Membership, TaxProfile

    seed_vat_rates()
    SellerProfile.objects.get_or_create(
        version=1,
        defaults={
            "name": "PRAHO Hosting SRL",
            "tax_id": "RO18547290",
            "street": "Str. Exemplu 1",
            "city": "Sector 3",
            "county": "RO-B",
            "vat_payer": True,
            "valid_from": timezone.now(),
        },
    )
    customer = Customer.objects.create(kind="company", name="Bench SRL", country="RO", tax_id="18547290")
    TaxProfile.objects.create(
        customer=customer, version=1, vat_payer=True, currency="RON", valid_from=timezone.now()
    )
    owner = UserFactory(email=f"owner-{customer.pk}@bench.test")
    Membership.objects.create(customer=customer, user=owner, role="owner")
    client = Client()
    client.force_login(owner)
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=args.keepdb, serialize=False)
    try:
        print(
            f"database: {connection.vendor} ({test_db}), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
        )
        expected = args.groups * args.plans
        if Plan.objects.count() != expected:
            Price.objects.all().delete()
            PlanFeature.objects.all().delete()
            Plan.objects.all().delete()
            ProductGroup.objects.all().delete()
            Feature.objects.all().delete()
            seconds = load(args.groups, args.plans)
            print(f"load: {expected:,} plans, {Price.objects.count():,} prices in {seconds:.1f} s")
        client = Client()
        body = get(client, "/api/v1/catalog/")()
        shown = sum(len(group["plans"]) for group in body.json()["groups"])
        print(f"answer: {len(body.content) / 1024:.0f} KiB, {shown} plans")
        nothing = lambda: None  # noqa: E731
        count = args.requests
        measure(
            "GET /api/v1/catalog/ cold (cache emptied)", get(client, "/api/v1/catalog/"), cache.clear, count
        )
        measure(
            "GET /api/v1/catalog/ after a change (new version)",
            get(client, "/api/v1/catalog/"),
            bump_version,
            count,
        )
        measure("GET /api/v1/catalog/ warm", get(client, "/api/v1/catalog/"), nothing, count)
        measure(
            "GET /api/v1/catalog/ warm, Accept-Language: ro",
            get(client, "/api/v1/catalog/", HTTP_ACCEPT_LANGUAGE="ro"),
            nothing,
            count,
        )
        measure(
            "GET /api/v1/catalog/?currency=EUR warm",
            get(client, "/api/v1/catalog/?currency=EUR"),
            nothing,
            count,
        )
        measure(
            "GET /api/v1/catalog/plans/plan-7-3/ warm",
            get(client, "/api/v1/catalog/plans/plan-7-3/"),
            nothing,
            count,
        )
        measure("  catalog_tree() alone, cold", lambda: catalog_tree(on=fiscal_today()), cache.clear, count)
        area = area_client()
        measure("GET /app/shop/ (customer area), first group", get(area, "/app/shop/"), nothing, count)
        last_code = ProductGroup.objects.order_by("-position", "-id").values_list("code", flat=True)[0]
        last = f"/app/shop/?group={last_code}"
        measure("GET /app/shop/?group=<last> (customer area)", get(area, last), nothing, count)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
