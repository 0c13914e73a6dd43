"""Billing run benchmark (issue 16): 10,000 active services of 2,000 customers due on the same
day, billed by one run on PostgreSQL; target < 30 s for the whole run including the documents,
and < 3 s for a second run on the same day (which bills nothing).

Run by hand (not part of the test suite), against a throw-away test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_runbench .venv/bin/python bench/recurring_run.py

Options: --customers N (2,000), --services N (10,000), --document proforma|invoice (proforma).
Customers: individuals in Romania with an address (5 services each on average, one in 10 with
a second service in EUR); services monthly at their sold price, one in 20 following the list
price, one in 10 still under a recurring coupon, all due 10 days after the run's day.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import warnings
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def load(customers: int, services: int, due: date) -> None:
    from django.utils import timezone

    from praho.billing.models import ExchangeRate, SellerProfile
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import seed_default_series
    from praho.customers.services.customers import create_customer
    from praho.orders.models import Service
    from praho.testing.shop import build_shop

    seed_vat_rates()
    seed_default_series()
    SellerProfile.objects.create(
        version=1,
        name="PRAHO Hosting SRL",
        tax_id="RO18547290",
        trade_register_number="J40/123/2020",
        street="Str. Exemplu 1",
        city="Sector 3",
        county="RO-B",
        iban="RO49AAAA1B31007593840000",
        bank_name="Banca Exemplu",
        vat_payer=True,
        valid_from=timezone.now(),
    )
    for back in range(7):
        ExchangeRate.objects.create(
            currency="EUR", date=due - timedelta(days=20 + back), rate=Decimal("5.09"), source="bnr"
        )
    shop = build_shop()
    plans = [shop.plans[code] for code in ("web-start", "backup", "ssl-basic", "extra-ip", "vps-s")]
    owners = []
    for n in range(customers):
        owners.append(
            create_customer(
                actor=None,
                kind="individual",
                name=f"Client Bench {n}",
                country="RO",
                address={
                    "street": "Str. Lungă 10",
                    "city": "Cluj-Napoca",
                    "county": "RO-CJ",
                    "country": "RO",
                },
            )
        )
        if n % 200 == 199:
            print(f"\r  {n + 1:,} customers", end="", flush=True)
    print()
    rng = random.Random(16)
    rows = []
    anchor = due - relativedelta(months=1)  # one month paid; the next one is due
    for n in range(services):
        owner = owners[n % customers]
        eur = n % customers < customers // 10 and n >= customers * 4
        price = Decimal(rng.randrange(500, 20000)) / 100
        coupon = rng.random() < 0.1
        rows.append(
            Service(
                customer=owner,
                plan=plans[n % len(plans)],
                status="active",
                cycle="monthly",
                quantity=1,
                domain=f"site{n}.ro" if n % len(plans) == 0 else "",
                price=price * Decimal("0.8") if coupon else price,
                list_price=price,
                discounted_periods=3 if coupon else None,
                follow_list_price=rng.random() < 0.05,
                currency="EUR" if eur else "RON",
                billing_anchor=anchor,
                next_due_date=due,
            )
        )
    Service.objects.bulk_create(rows, batch_size=2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--document", choices=("proforma", "invoice"), default="proforma")
    args = parser.parse_args()

    setup_test_environment()
    settings.RECURRING_DOCUMENT = args.document
    settings.BILLING_STORE_PDF_ON_ISSUE = False  # PDFs are a worker's job after the run
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        run(args)
    finally:
        runner.teardown_databases(old)


def run(args: argparse.Namespace) -> None:
    from praho.core.validation import fiscal_today
    from praho.recurring.models import Renewal
    from praho.recurring.services.runs import run_billing

    today = fiscal_today()
    due = today + timedelta(days=10)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), load {os.getloadavg()}")
    started = time.perf_counter()
    load(args.customers, args.services, due)
    print(
        f"loaded {args.customers:,} customers, {args.services:,} services "
        f"in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    first = run_billing(on=today)
    elapsed = time.perf_counter() - started
    print(
        f"first run: {elapsed:.2f} s (target < 30 s): {first.documents:,} {args.document}s for "
        f"{first.services:,} services, totals {first.totals}, {len(first.errors)} errors"
    )
    if first.errors:
        print("  e.g.", first.errors[:3])
    started = time.perf_counter()
    second = run_billing(on=today)
    print(
        f"second run: {time.perf_counter() - started:.2f} s (target < 3 s): {second.documents} documents, "
        f"{Renewal.objects.count():,} renewals in all"
    )


if __name__ == "__main__":
    main()
