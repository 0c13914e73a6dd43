"""Concurrent invoicing benchmark (issue 11, item 1): API clients creating and issuing invoices at once.

Run by hand (not part of the test suite), on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bench .venv/bin/python bench/concurrent_issuing.py
    ... --workers 8 --rounds 25 --customers 1      # all clients on one customer (the worst case)
    ... --customers 8                               # each client on its own customer

Each worker is a process of its own with its own database connection; it posts a three-line draft
to /api/v1/invoices/ and issues it (/issue/), `--rounds` times, through Django's test client (the
whole API stack, without a network hop). All workers start together. Printed: invoices issued per
second over the run, each call's p50/p95, the HTTP statuses, and how many transactions PostgreSQL
aborted and PRAHO ran again (the retries' log lines). The numbers of the series are checked to be
gap-free.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench._timing import spread  # noqa: E402

WORKER = """
import json, logging, sys, time, warnings

warnings.filterwarnings("ignore")
import django
from django.conf import settings

database, user_id, customer_id, rounds = sys.argv[1], *map(int, sys.argv[2:5])
settings.DATABASES["default"]["NAME"] = database
settings.ALLOWED_HOSTS = ["testserver"]
django.setup()

from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from praho.accounts.models import User


class Retries(logging.Handler):
    count = 0

    def emit(self, record):
        if "retrying" in record.getMessage():
            Retries.count += 1


logging.getLogger("praho.core.transactions").addHandler(Retries())
token = RefreshToken.for_user(User.objects.get(pk=user_id)).access_token
client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
lines = [
    {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "49.99"},
    {"description": "Domain example.ro", "quantity": "1", "unit_code": "ANN", "unit_price": "45.00"},
    {"description": "Backup 50 GB", "quantity": "3", "unit_code": "MON", "unit_price": "9.90"},
]
print("ready", flush=True)
sys.stdin.readline()
statuses, create_ms, issue_ms = [], [], []
for _ in range(rounds):
    began = time.perf_counter()
    body = {"customer": customer_id, "lines": lines}
    created = client.post("/api/v1/invoices/", body, content_type="application/json")
    create_ms.append((time.perf_counter() - began) * 1000)
    statuses.append(created.status_code)
    if created.status_code != 201:
        continue
    began = time.perf_counter()
    issued = client.post(f"/api/v1/invoices/{created.json()['id']}/issue/")
    issue_ms.append((time.perf_counter() - began) * 1000)
    statuses.append(issued.status_code)
result = {"statuses": statuses, "create": create_ms, "issue": issue_ms, "retries": Retries.count}
print(json.dumps(result), flush=True)
"""


def setup(customers: int) -> tuple[int, list[int]]:
    from django.utils import timezone

    from praho.accounts.tests.factories import UserFactory, add_totp
    from praho.billing.models import SellerProfile
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import seed_default_series
    from praho.customers.services.customers import create_customer

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
        valid_from=timezone.now(),
    )
    staff = UserFactory(email="bench-clerk@praho.test", is_staff=True, roles=["billing"])
    add_totp(staff)
    cuis = [
        "RO14399840",
        "RO18547290",
        "RO13548146",
        "RO6859662",
        "RO361579",
        "RO10428250",
        "RO1590082",
        "RO14186770",
    ]
    ids = [
        create_customer(
            actor=staff,
            kind="company",
            name=f"Bench Client {n} SRL",
            country="RO",
            tax_id=cuis[n],
            vat_payer=True,
            address={"street": "Str. Lungă 10", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"},
        ).pk
        for n in range(customers)
    ]
    return staff.pk, ids


def run(workers: int, rounds: int, user_id: int, customer_ids: list[int]) -> tuple[float, list[dict]]:
    command = [sys.executable, "-c", WORKER, connection.settings_dict["NAME"]]
    processes = [
        subprocess.Popen(
            [*command, str(user_id), str(customer_ids[n % len(customer_ids)]), str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE},
        )
        for n in range(workers)
    ]
    for process in processes:
        assert process.stdout.readline() == "ready\n", process.communicate(timeout=30)[1]
    began = time.perf_counter()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=900) for process in processes]
    seconds = time.perf_counter() - began
    return seconds, [json.loads(out) for out, _err in outputs]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--customers", type=int, default=1, choices=range(1, 9))
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL=postgres://...: concurrency needs PostgreSQL's row locks.")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        user_id, customer_ids = setup(args.customers)
        connection.close()
        seconds, results = run(args.workers, args.rounds, user_id, customer_ids)
        from praho.billing.models import Document

        statuses = [status for result in results for status in result["statuses"]]
        create = [ms for result in results for ms in result["create"]]
        issue = [ms for result in results for ms in result["issue"]]
        issued = list(
            Document.objects.filter(status="issued").order_by("sequence").values_list("sequence", flat=True)
        )
        load = os.getloadavg()[0]
        print(
            f"{args.workers} workers x {args.rounds} rounds on {args.customers} customer(s), load {load:.2f}"
        )
        print(f"  {len(issued)} invoices issued in {seconds:.1f} s: {len(issued) / seconds:.0f}/s")
        print(f"  create {spread(create)}")
        if issue:
            print(f"  issue {spread(issue)}")
        print(f"  statuses: { {code: statuses.count(code) for code in sorted(set(statuses))} }")
        print(f"  transactions run again after PostgreSQL aborted them: {sum(r['retries'] for r in results)}")
        print(f"  numbers gap-free: {issued == list(range(1, len(issued) + 1))}")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
