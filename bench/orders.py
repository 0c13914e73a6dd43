"""Orders benchmark (issue 13): checkout through the API, and the order and service lists at
100,000 rows, on PostgreSQL.

Run by hand (not part of the test suite), against a throw-away test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bench .venv/bin/python bench/orders.py
    ... bench/orders.py --keepdb          # reuse test_<name> and its rows (loads only when counts differ)

Options: --checkouts N (default 100, after 10 warm-ups), --orders N and --services N (default
100,000 each), --customers N (default 2,000; one of them has --big-customer orders, default 500),
--requests N per list measurement (default 100).

Checkout: POST /api/v1/orders/ by a customer's owner (JWT), five items (hosting with two add-ons
and its free domain, a VPS with an extra IP, a bigger VPS with a setup fee, two extra IPs, an SSL)
and a percent coupon: quote, order and lines, the coupon's use under its lock, the proforma
created and issued (series lock, ledger, audit). Target p95 < 100 ms.

Lists: GET /api/v1/orders/ and /api/v1/services/ for staff with the view permissions (first page,
a deep page, filters) and for the owner of the customer with --big-customer orders; rows are
bulk-written as checkout and payment would write them (an item line and an add-on line per
order, one service per item line). Target p95 < 50 ms, a fixed number of queries.
Start-up objects are frozen after the warm-ups (gc.freeze), as praho/wsgi.py does in each web
process. Figures depend on what else the CPUs run: the load average is printed first.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from bench._timing import spread, timed  # noqa: E402

BATCH = 5000
WARM_UP = 10
CHECKOUT_TARGET_MS, LIST_TARGET_MS = 100.0, 50.0
ITEMS = [
    {"plan": "web-start", "cycle": "annual", "domain": "bench.ro", "addons": ["backup", "ssl-basic"]},
    {"plan": "vps-s", "cycle": "monthly", "addons": ["extra-ip"]},
    {"plan": "vps-m", "cycle": "monthly"},
    {"plan": "extra-ip", "cycle": "monthly", "quantity": 2},
    {"plan": "ssl-basic", "cycle": "annual"},
]


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def setup() -> dict[str, Any]:
    """The seller, the test catalog, a coupon, the bench customer and its owner, a staff user."""
    from django.contrib.auth.models import Permission

    from praho.accounts.tests.factories import UserFactory, add_totp
    from praho.billing.models import SellerProfile
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import seed_default_series
    from praho.catalog.models import Coupon, Plan
    from praho.customers.models import Customer
    from praho.customers.services.customers import create_customer
    from praho.customers.services.memberships import add_member
    from praho.testing.shop import build_shop

    seed_vat_rates()
    seed_default_series()
    SellerProfile.objects.get_or_create(
        version=1,
        defaults={
            "name": "PRAHO Hosting SRL",
            "tax_id": "RO18547290",
            "trade_register_number": "J40/123/2020",
            "street": "Str. Exemplu 1",
            "city": "Sector 3",
            "county": "RO-B",
            "iban": "RO49AAAA1B31007593840000",
            "bank_name": "Banca Exemplu",
            "vat_payer": True,
            "valid_from": timezone.now(),
        },
    )
    if not Plan.objects.exists():
        build_shop()
    Coupon.objects.get_or_create(
        code="BENCH10", defaults={"kind": "percent", "percent": Decimal("10"), "combinable": True}
    )
    from praho.accounts.models import User

    owner = User.objects.filter(email="bench-owner@praho.test").first()
    if owner is None:
        owner = UserFactory(email="bench-owner@praho.test")
        customer = create_customer(
            actor=owner,
            kind="company",
            name="Bench Client SRL",
            country="RO",
            tax_id="RO14399840",
            vat_payer=True,
            address={"street": "Str. Lungă 10", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"},
        )
        add_member(actor=None, customer=customer, user=owner, role="owner")
        staff = UserFactory(email="bench-staff@praho.test", is_staff=True, roles=["billing"])
        add_totp(staff)
        for codename in ("view_order", "view_service"):
            staff.user_permissions.add(
                Permission.objects.get(content_type__app_label="orders", codename=codename)
            )
    customer = Customer.objects.get(name="Bench Client SRL")
    return {"owner": owner, "customer": customer, "staff": User.objects.get(email="bench-staff@praho.test")}


def queries_of(action: Callable[[], Any]) -> tuple[int, float, str]:
    """The queries one call runs, the slowest one's milliseconds and its start."""
    with CaptureQueriesContext(connection) as captured:
        action()
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default={"time": "0", "sql": ""})
    return len(captured.captured_queries), float(slowest["time"]) * 1000, slowest["sql"][:90]


def bench_checkout(actors: dict[str, Any], count: int) -> None:
    client = client_of(actors["owner"])
    body = {"customer": actors["customer"].pk, "currency": "RON", "items": ITEMS, "coupon": "BENCH10"}

    def checkout() -> Any:
        response = client.post("/api/v1/orders/", body, format="json")
        assert response.status_code == 201, response.content
        return response

    timed(checkout, WARM_UP)
    gc.freeze()  # as praho/wsgi.py does in each web process, after start-up
    queries, slowest, sql = queries_of(checkout)
    wall, cpu, last = timed(checkout, count)
    answer = last.json()
    print(
        f"checkout, 5 items + coupon ({len(answer['lines'])} lines, total {answer['total']} RON, "
        f"proforma issued): "
        f"{spread(wall)} (target p95 < {CHECKOUT_TARGET_MS:.0f} ms), max {max(wall):.2f} ms; "
        f"CPU {spread(cpu)}; {queries} queries (slowest {slowest:.2f} ms: {sql})"
    )


# --- The lists' rows ----------------------------------------------------------------------------


def load_rows(orders: int, services: int, customers: int, big: int, big_customer: Any) -> float:
    """Customers, orders with two lines each (an item and its add-on), a service per item line."""
    from praho.catalog.models import Plan
    from praho.customers.models import Customer
    from praho.orders.models import LineRole, Order, OrderLine, OrderStatus, Service, ServiceStatus

    rng = random.Random(20261207)
    began = time.perf_counter()
    made = Customer.objects.bulk_create(
        Customer(kind="company", name=f"Bench {n} SRL", country="RO", search_text=f"bench {n} srl")
        for n in range(customers)
    )
    plans = {plan.code: plan for plan in Plan.objects.all()}
    pairs = ["web-start", "vps-s", "vps-m"]  # each with its add-on: backup, or an extra IP
    states = (
        [OrderStatus.PAID] * 6
        + [OrderStatus.AWAITING_PAYMENT] * 2
        + [OrderStatus.CANCELLED, OrderStatus.COMPLETED]
    )
    service_states = [ServiceStatus.ACTIVE] * 7 + [
        ServiceStatus.PENDING,
        ServiceStatus.SUSPENDED,
        ServiceStatus.TERMINATED,
    ]
    now = timezone.now()
    price = Decimal("100.00")
    item_lines: list[tuple[OrderLine, Order]] = []
    for offset in range(0, orders, BATCH):
        with transaction.atomic():
            batch = []
            for n in range(offset, min(offset + BATCH, orders)):
                customer = big_customer if n < big else rng.choice(made)
                placed = now - timedelta(minutes=orders - n)
                batch.append(
                    Order(
                        number=f"ORD-B-{n + 1:07d}",
                        customer=customer,
                        currency="RON",
                        status=rng.choice(states),
                        net_total=price * 2,
                        vat_total=Decimal("42.00"),
                        total=Decimal("242.00"),
                        placed_at=placed,
                    )
                )
            Order.objects.bulk_create(batch)
            items, addons = [], []
            for order in batch:
                item = rng.choice(pairs)
                line = OrderLine(
                    order=order,
                    position=1,
                    role=LineRole.ITEM,
                    plan=plans[item],
                    plan_code=item,
                    description=f"{plans[item].name_en} (monthly)",
                    cycle="monthly",
                    quantity=1,
                    unit_price=price,
                    net_amount=price,
                    recurring_price=price,
                )
                items.append(line)
                item_lines.append((line, order))
            OrderLine.objects.bulk_create(items)
            for line in items:
                addon = "backup" if line.plan_code == "web-start" else "extra-ip"
                addons.append(
                    OrderLine(
                        order=line.order,
                        position=2,
                        parent=line,
                        role=LineRole.ADDON,
                        plan=plans[addon],
                        plan_code=addon,
                        description=f"{plans[addon].name_en} (monthly)",
                        cycle="monthly",
                        quantity=1,
                        unit_price=price,
                        net_amount=price,
                        recurring_price=price,
                    )
                )
            OrderLine.objects.bulk_create(addons)
        print(f"\r  {offset + len(batch):,} orders", end="", flush=True)
    print()
    for offset in range(0, services, BATCH):
        with transaction.atomic():
            Service.objects.bulk_create(
                Service(
                    customer=order.customer,
                    plan=line.plan,
                    order_line=line if n < len(item_lines) else None,
                    status=rng.choice(service_states),
                    cycle="monthly",
                    quantity=1,
                    price=price,
                    list_price=price,
                    currency="RON",
                    next_due_date=(now + timedelta(days=rng.randrange(1, 365))).date(),
                )
                for n in range(offset, min(offset + BATCH, services))
                for line, order in [item_lines[n % len(item_lines)]]
            )
        print(f"\r  {offset + BATCH:,} services", end="", flush=True)
    print()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("customers_customer", "orders_order", "orders_orderline", "orders_service"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - began


def bench_lists(actors: dict[str, Any], requests: int, big_customer: Any) -> None:
    from praho.catalog.models import Plan
    from praho.orders.models import Order, Service

    staff, owner = client_of(actors["staff"]), client_of(actors["owner"])
    other = Order.objects.exclude(customer=big_customer).values_list("customer_id", flat=True).first()
    vps = Plan.objects.get(code="vps-s")
    orders, services = Order.objects.count(), Service.objects.count()
    print(f"rows: {orders:,} orders, {services:,} services")
    deep_orders, deep_services = max(1, min(1000, orders // 50)), max(1, min(1000, services // 50))
    scenarios: list[tuple[str, APIClient, str, dict[str, Any]]] = [
        ("staff orders, page 1", staff, "/api/v1/orders/", {}),
        (f"staff orders, page {deep_orders}", staff, "/api/v1/orders/", {"page": deep_orders}),
        ("staff orders, status=awaiting_payment", staff, "/api/v1/orders/", {"status": "awaiting_payment"}),
        ("staff orders, one customer", staff, "/api/v1/orders/", {"customer": other}),
        ("owner's orders (its customer's)", owner, "/api/v1/orders/", {}),
        ("staff services, page 1", staff, "/api/v1/services/", {}),
        (f"staff services, page {deep_services}", staff, "/api/v1/services/", {"page": deep_services}),
        ("staff services, status=suspended", staff, "/api/v1/services/", {"status": "suspended"}),
        ("staff services, plan=vps-s (code)", staff, "/api/v1/services/", {"plan": "vps-s"}),
        ("staff services, plan=<id>", staff, "/api/v1/services/", {"plan": str(vps.pk)}),
        ("staff services, one customer", staff, "/api/v1/services/", {"customer": other}),
        ("owner's services", owner, "/api/v1/services/", {}),
    ]
    for label, client, url, query in scenarios:

        def get(client: APIClient = client, url: str = url, query: dict[str, Any] = query) -> Any:
            response = client.get(url, query)
            assert response.status_code == 200, response.content
            return response

        timed(get, 3)
        gc.freeze()
        queries, slowest, sql = queries_of(get)
        wall, cpu, last = timed(get, requests)
        flag = "" if sorted(wall)[int(len(wall) * 0.95) - 1] < LIST_TARGET_MS else "  <-- over target"
        print(
            f"{label:42} {spread(wall)}, max {max(wall):7.2f} ms (CPU {spread(cpu)}); {queries} queries, "
            f"slowest {slowest:.2f} ms ({sql}...), {last.json()['count']:,} rows{flag}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", type=int, default=100)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--big-customer", type=int, default=500)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    import logging

    logging.disable(logging.WARNING)
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=args.keepdb, serialize=False)
    try:
        from praho.orders.models import Order, Service

        print(f"database: {connection.vendor} ({test_db}), {os.cpu_count()} CPUs, load {os.getloadavg()}")
        actors = setup()
        bench_checkout(actors, args.checkouts)
        big_customer = actors["customer"]
        # Load the lists' rows unless they are there (--keepdb); the checkouts' orders count too.
        placed = Order.objects.filter(number__startswith="ORD-B-").count()
        if placed != args.orders or Service.objects.count() < args.services:
            print("loading rows...")
            seconds = load_rows(args.orders, args.services, args.customers, args.big_customer, big_customer)
            print(f"  loaded in {seconds:.0f} s")
        print(f"load {os.getloadavg()}")
        bench_lists(actors, args.requests, big_customer)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
