"""Billing benchmark (issue 4, first figures): issuing invoices and rendering PDFs.

Run by hand (not part of the test suite), against a throw-away test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bench .venv/bin/python bench/billing.py
    .venv/bin/python bench/billing.py --invoices 500          # SQLite

Each invoice goes through the real services: a three-line draft (create_document), then
issue_document (series lock, snapshots, ledger posting, audit event), one transaction each.
Targets (issue 4): at least 200 invoices/s on PostgreSQL; at most 150 ms per PDF.
The list page and API list over 100,000 invoices come with those pages.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

LINES = [
    {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "49.99"},
    {"description": "Domain example.ro", "quantity": "1", "unit_code": "ANN", "unit_price": "45.00"},
    {"description": "Backup 50 GB", "quantity": "3", "unit_code": "MON", "unit_price": "9.90"},
]


def setup() -> tuple[object, object]:
    from praho.accounts.tests.factories import UserFactory
    from praho.billing.models import SellerProfile
    from praho.billing.numbering import seed_default_series
    from praho.billing.vat_rates import seed_vat_rates
    from praho.customers.services import create_customer

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
            "valid_from": timezone.now(),
        },
    )
    staff = UserFactory(email="bench-billing@praho.test", is_staff=True, roles=["billing"])
    customer = create_customer(
        actor=staff,
        kind="company",
        name="Bench Client SRL",
        country="RO",
        tax_id="RO14399840",
        vat_payer=True,
        address={"street": "Str. Lungă 10", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"},
    )
    return staff, customer


def issue_invoices(staff: object, customer: object, count: int) -> tuple[float, list[float]]:
    from praho.billing.documents import create_document, issue_document

    samples = []
    start = time.perf_counter()
    for _ in range(count):
        began = time.perf_counter()
        draft = create_document(actor=staff, document_type="invoice", customer=customer, lines=LINES)  # type: ignore[arg-type]
        issue_document(actor=staff, document=draft)  # type: ignore[arg-type]
        samples.append((time.perf_counter() - began) * 1000)
    return time.perf_counter() - start, samples


def render_pdfs(count: int) -> list[float]:
    from praho.billing.models import Document
    from praho.billing.pdf import render_document_pdf

    documents = list(Document.objects.filter(status="issued").order_by("id")[:count])
    render_document_pdf(documents[0])  # warm-up: fonts and stylesheet
    samples = []
    for document in documents:
        began = time.perf_counter()
        render_document_pdf(document)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--pdfs", type=int, default=100)
    args = parser.parse_args()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"database: {connection.vendor} ({test_db}), {os.cpu_count()} CPUs")
        staff, customer = setup()
        seconds, samples = issue_invoices(staff, customer, args.invoices)
        print(
            f"issue {args.invoices:,} three-line invoices: {seconds:.1f} s, "
            f"{args.invoices / seconds:,.0f}/s; "
            f"per invoice p50 {statistics.median(samples):.2f} ms, p95 {percentile(samples, 0.95):.2f} ms"
            " (target >= 200/s)"
        )
        pdf = render_pdfs(min(args.pdfs, args.invoices))
        print(
            f"render {len(pdf)} PDFs: p50 {statistics.median(pdf):.0f} ms, p95 {percentile(pdf, 0.95):.0f} ms"
            " (target <= 150 ms)"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
