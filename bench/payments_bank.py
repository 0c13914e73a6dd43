"""Bank statement import benchmark (issue 15): a CAMT.053 file of 10,000 credit transfers imported
against 100,000 open documents, on PostgreSQL; target < 20 s including matching.

Run by hand (not part of the test suite), against a throw-away test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bankbench .venv/bin/python bench/payments_bank.py

Options: --documents N (default 100,000 open proformas and invoices), --customers N (2,000),
--entries N (10,000 transfers), --keepdb (reuse test_<name> when it holds the documents).
Booking the exact matches is a worker's job after the import (PAYMENTS_AUTO_BOOK_EXACT, off here).

The documents are bulk-written as issuing leaves them (number, customer, totals, amount still
owed; no lines, no ledger: matching reads none of them). The transfers: 60 % name an open
document's number (as people type it: lower case, spaces) for what it asks, 15 % its number for
another amount, 10 % come from a customer by name for the amount of one of its documents, 15 %
match nothing. The import is timed whole: parse, deduplicate, load the open documents, match,
store; then the same file again (nothing new).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

BATCH = 5000


def load(documents: int, customers: int) -> list[tuple[str, str, Decimal, str]]:
    """Customers and open documents; returns (number, currency, due, customer name) of each."""
    from praho.billing.models import Document, DocumentSeries, DocumentStatus, DocumentType
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import seed_default_series
    from praho.core.validation import fiscal_today
    from praho.customers.models import Customer, searchable_text

    seed_vat_rates()
    seed_default_series()
    series = {s.document_type: s for s in DocumentSeries.objects.filter(is_default=True)}
    rng = random.Random(15)
    people = Customer.objects.bulk_create(
        Customer(
            kind="company",
            name=f"Client Bench {n} SRL",
            country="RO",
            search_text=searchable_text(f"Client Bench {n} SRL"),
        )
        for n in range(customers)
    )
    today = fiscal_today()
    made: list[tuple[str, str, Decimal, str]] = []
    rows = []
    for n in range(documents):
        kind = DocumentType.PROFORMA if n % 2 else DocumentType.INVOICE
        owner = people[rng.randrange(customers)]
        total = Decimal(rng.randrange(1000, 500000)) / 100
        number = f"{series[kind].code}-{today.year}-{n + 1:06d}"
        currency = "EUR" if rng.random() < 0.1 else "RON"
        rows.append(
            Document(
                document_type=kind,
                status=DocumentStatus.ISSUED,
                series=series[kind],
                number=number,
                sequence=n + 1,
                customer=owner,
                currency=currency,
                issue_date=today - timedelta(days=rng.randrange(60)),
                due_date=today + timedelta(days=14),
                net_total=total,
                total=total,
                outstanding_amount=total if kind == DocumentType.INVOICE else Decimal("0.00"),
            )
        )
        made.append((number, currency, total, owner.name))
        if len(rows) == BATCH:
            Document.objects.bulk_create(rows)
            rows = []
            print(f"\r  {n + 1:,} documents", end="", flush=True)
    Document.objects.bulk_create(rows)
    print()
    return made


def transfers(made: list[tuple[str, str, Decimal, str]], count: int) -> list[dict[str, object]]:
    rng = random.Random(42)
    entries: list[dict[str, object]] = []
    for n in range(count):
        number, currency, due, name = made[rng.randrange(len(made))]
        draw = rng.random()
        entry: dict[str, object] = {
            "reference": f"B{n}",
            "currency": currency,
            "payer_name": "SC ALTCINEVA SRL",
        }
        if draw < 0.60:
            entry |= {"amount": due, "remittance": f"plata {number.lower().replace('-', ' ')}"}
        elif draw < 0.75:
            entry |= {"amount": (due / 2).quantize(Decimal("0.01")) or Decimal("1.00"), "remittance": number}
        elif draw < 0.85:
            entry |= {
                "amount": due,
                "remittance": "contravaloare servicii",
                "payer_name": f"SC {name.upper()}",
            }
        else:
            entry |= {"amount": Decimal(rng.randrange(100, 99999)) / 100, "remittance": "diverse"}
        entries.append(entry)
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    setup_test_environment()
    settings.PAYMENTS_AUTO_BOOK_EXACT = False  # booking is measured on its own below
    from django.test.utils import get_runner

    runner = get_runner(settings)(keepdb=args.keepdb, verbosity=0)
    old = runner.setup_databases()
    try:
        run(args)
    finally:
        runner.teardown_databases(old)


def run(args: argparse.Namespace) -> None:
    from praho.billing.models import Document
    from praho.payments.models import BankTransaction
    from praho.payments.services.bank_import import import_statement
    from praho.testing.statements import camt053

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), load {os.getloadavg()}")
    if Document.objects.count() != args.documents:
        made = load(args.documents, args.customers)
    else:
        made = [
            (number, currency, total, name)
            for number, currency, total, name in Document.objects.values_list(
                "number", "currency", "total", "customer__name"
            )
        ]
    entries = transfers(made, args.entries)
    data = camt053(entries)  # one account; each transfer's amount carries its own currency
    print(f"file: {len(data) / 1e6:.1f} MB, {len(entries):,} transfers; {len(made):,} open documents")

    started = time.perf_counter()
    imported = import_statement(actor=None, data=data, filename="bench.xml")
    elapsed = time.perf_counter() - started
    statement = imported.statement
    exact = BankTransaction.objects.filter(statement=statement, confidence=100).count()
    print(
        f"import: {elapsed:.2f} s (target < 20 s) for {statement.transactions:,} new transfers: "
        f"{statement.matched:,} matched ({exact:,} exactly), {statement.unmatched:,} unmatched"
    )
    started = time.perf_counter()
    again = import_statement(actor=None, data=data, filename="bench.xml")
    print(f"the same file again: {time.perf_counter() - started:.3f} s, created={again.created}")


if __name__ == "__main__":
    main()
