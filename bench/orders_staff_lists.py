"""Orders' staff lists benchmark (issue 13): /staff/orders/ and /staff/orders/services/ over
100,000 orders and 100,000 services.

Measures, with Django's test client (a manager, forced in past the 2FA gate), p50/p95 and the
queries of each list: the first page, a deep page, a status, one customer, a date range (orders)
and a plan (services), the full page and the results htmx swaps.

Run by hand (not part of the test suite), against a throw-away test database:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_orderbench
    .venv/bin/python bench/orders_staff_lists.py
    .venv/bin/python bench/orders_staff_lists.py --rows 20000      # SQLite, smaller

Options: --rows N orders and services each (default 100000), --customers N (default 2000),
--requests N per measurement (default 50), --keepdb (reuse test_<name> when it holds --rows orders).

The rows are bulk-written (no proforma, no audit event): the lists read neither. Target: p95
under 50 ms, a fixed number of queries.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import warnings
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

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._timing import spread, timed  # noqa: E402

TARGET_MS = 50
STATUSES = ["awaiting_approval", "awaiting_payment", "paid", "completed", "cancelled", "refused", "draft"]
SERVICE_STATUSES = ["pending", "active", "active", "active", "suspended", "terminated", "cancelled"]
BATCH = 5000
EMAIL = "manager@orderbench.test"


def build(rows: int, customers: int) -> None:
    from praho.catalog.models import Plan
    from praho.customers.models import Customer
    from praho.orders.models import Order, Service
    from praho.testing.shop import build_shop

    rng = random.Random(13)
    if not Plan.objects.exists():
        build_shop()
    plans = list(Plan.objects.all())
    Customer.objects.bulk_create(
        Customer(name=f"Bench Customer {n:05d} SRL", kind="company", country="RO") for n in range(customers)
    )
    ids = list(Customer.objects.values_list("pk", flat=True))
    now = timezone.now()
    for start in range(0, rows, BATCH):
        batch = []
        for n in range(start, min(rows, start + BATCH)):
            status = STATUSES[n % len(STATUSES)]
            placed = None if status == "draft" else now - timedelta(minutes=n * 3)
            total = Decimal(rng.randrange(1000, 500000)) / 100
            batch.append(
                Order(
                    number="" if status == "draft" else f"ORD-B-{n:07d}",
                    customer_id=rng.choice(ids),
                    currency="RON",
                    status=status,
                    net_total=total,
                    total=total,
                    placed_at=placed,
                )
            )
        # a customer has one cart per user: carts here have no user, and numbers are unique
        Order.objects.bulk_create(batch)
        Service.objects.bulk_create(
            Service(
                customer_id=rng.choice(ids),
                plan=rng.choice(plans),
                status=SERVICE_STATUSES[n % len(SERVICE_STATUSES)],
                cycle="monthly",
                price=Decimal("20.00"),
                list_price=Decimal("20.00"),
                currency="RON",
                next_due_date=now.date() + timedelta(days=n % 365),
            )
            for n in range(start, min(rows, start + BATCH))
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def manager() -> Any:
    from praho.accounts.models import User
    from praho.accounts.tests.factories import UserFactory, add_totp

    user = User.objects.filter(email=EMAIL).first()
    if user is None:
        user = UserFactory(email=EMAIL, is_staff=True, roles=["manager"])
        add_totp(user)
    return user


def scenarios(rows: int) -> list[tuple[str, str, dict[str, Any], bool]]:
    from praho.catalog.models import Plan
    from praho.orders.models import Order

    customer = Order.objects.order_by("pk").values_list("customer_id", flat=True).first()
    plan = Plan.objects.order_by("pk").values_list("pk", flat=True).first()
    today = timezone.localdate()
    deep = max(1, rows // 25 // 2)
    return [
        ("orders, page 1", "/staff/orders/", {}, False),
        ("orders, page 1 (htmx)", "/staff/orders/", {}, True),
        (f"orders, page {deep}", "/staff/orders/", {"page": deep}, True),
        ("orders, awaiting approval", "/staff/orders/", {"status": "awaiting_approval"}, True),
        ("orders, one customer", "/staff/orders/", {"customer": customer}, False),
        (
            "orders, last 30 days",
            "/staff/orders/",
            {"placed_from": (today - timedelta(days=30)).isoformat(), "placed_to": today.isoformat()},
            True,
        ),
        ("services, page 1", "/staff/orders/services/", {}, False),
        (f"services, page {deep}", "/staff/orders/services/", {"page": deep}, True),
        ("services, active", "/staff/orders/services/", {"status": "active"}, True),
        ("services, one plan", "/staff/orders/services/", {"plan": plan}, True),
        ("services, one customer", "/staff/orders/services/", {"customer": customer}, True),
    ]


def measure(client: Client, rows: int, requests: int) -> bool:
    ok = True
    print(f"{'list':34} {'queries':>7}  times")
    for name, path, query, htmx in scenarios(rows):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        client.get(path, query, **headers)  # warm up
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, query, **headers)
        assert response.status_code == 200, (name, response.status_code)
        # read now: the next requests empty the connection's query log
        count = len(captured)
        slowest = max((float(q["time"]) * 1000, q["sql"][:90]) for q in captured.captured_queries)
        wall, _cpu, _last = timed(lambda p=path, q=query, h=headers: client.get(p, q, **h), requests)
        wall.sort()
        p95 = wall[min(len(wall) - 1, round(0.95 * len(wall)) - 1)]
        ok &= p95 < TARGET_MS
        print(f"{name:34} {count:>7}  {spread(wall)}{'' if p95 < TARGET_MS else '  OVER TARGET'}")
        print(f"    slowest query {slowest[0]:.1f} ms: {slowest[1]}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=args.keepdb, serialize=False)
    try:
        from praho.orders.models import Order

        if Order.objects.count() != args.rows:
            build(args.rows, args.customers)
        client = Client()
        client.force_login(manager())
        print(f"{connection.vendor}, {args.rows} orders and services, load {os.getloadavg()[0]:.2f}")
        ok = measure(client, args.rows, args.requests)
        print("All under target." if ok else f"Some p95 over {TARGET_MS} ms.")
    finally:
        connection.creation.destroy_test_db(original, verbosity=0, keepdb=args.keepdb)


if __name__ == "__main__":
    main()
