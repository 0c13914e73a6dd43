"""Billing benchmark (issue 4): issuing invoices and rendering PDFs.

Run by hand (not part of the test suite), against a throw-away test database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bench .venv/bin/python bench/billing.py
    .venv/bin/python bench/billing.py --invoices 500          # SQLite
    ... bench/billing.py --batch 500                          # issue_documents, 500 a batch

Each invoice goes through the real services as the API does it: a three-line draft
(create_document, one transaction), then issue_document (series lock, snapshots,
ledger posting, audit event; one transaction). Both steps are timed apart: the target
is about issuing. Targets (issue 4): at least 200 invoices/s issued on PostgreSQL; at
most 150 ms per PDF. The list page and API list over 100,000 invoices come with those
pages.

What bounds the figures: every issue commits once, and PostgreSQL waits for the WAL to
reach the disk before a commit returns, so the time of one bare commit (printed as
"commit alone") is a floor under the time of one issue. The series counter and the
audit chain are locked until that commit, so parallel issuers would not beat it either.
Issuing in batches (--batch N, a billing run) commits once per batch and takes the
locks once per batch; the drafts are all created first and only the issue step is timed.
The slowest statements of one batch are printed, with their times.
PDFs: most of writing one is subsetting its two fonts, which WeasyPrint does with
HarfBuzz-Subset when the system library is there (libharfbuzz-subset0) and with the much
slower fontTools otherwise; the PDF line says which. The PDFs are of the first --pdfs issued
invoices (`--invoices 120` is enough for the PDF figures); each is rendered whole and its
bytes checked. After one warm-up PDF the start-up objects are frozen (gc.freeze), as the
Celery worker processes and web processes do; --no-freeze shows the cost of not doing so
(full collections rescanning them). Wall times depend on what else the CPUs run: the CPU
times beside them, and the load average on the first line, tell a busy machine apart.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._timing import percentile, spread  # noqa: E402

LINES = [
    {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "49.99"},
    {"description": "Domain example.ro", "quantity": "1", "unit_code": "ANN", "unit_price": "45.00"},
    {"description": "Backup 50 GB", "quantity": "3", "unit_code": "MON", "unit_price": "9.90"},
]
WARM_UP = 20  # invoices issued before timing: the year's counter row, caches, prepared connection


def setup() -> tuple[Any, Any]:
    from praho.accounts.tests.factories import UserFactory
    from praho.billing.models import SellerProfile
    from praho.billing.rules.vat_rates import seed_vat_rates
    from praho.billing.services.numbering import seed_default_series
    from praho.customers.services.customers import create_customer

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


def commit_floor(count: int = 200) -> float:
    """Milliseconds of a transaction that inserts one row into an empty table and commits:
    mostly the wait for the WAL (PostgreSQL) or journal (SQLite) to reach the disk."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit_probe (id integer)")
    samples = []
    for number in range(count):
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit_probe (id) VALUES (%s)", [number])
        samples.append((time.perf_counter() - began) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_commit_probe")
    return statistics.median(samples)


def count_queries(action: Callable[[], Any]) -> int:
    """Statements sent through Django for one call (BEGIN and COMMIT not counted)."""
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def issue_invoices(staff: Any, customer: Any, count: int) -> dict[str, Any]:
    from praho.billing.services.drafts import create_document
    from praho.billing.services.issuing import issue_document

    def create() -> Any:
        return create_document(actor=staff, document_type="invoice", customer=customer, lines=LINES)

    for _ in range(WARM_UP):
        issue_document(actor=staff, document=create())
    drafts: list[Any] = []
    create_queries = count_queries(lambda: drafts.append(create()))
    issue_queries = count_queries(lambda: issue_document(actor=staff, document=drafts[0]))
    created, issued = [], []
    start = time.perf_counter()
    for _ in range(count):
        began = time.perf_counter()
        draft = create()
        between = time.perf_counter()
        issue_document(actor=staff, document=draft)
        created.append((between - began) * 1000)
        issued.append((time.perf_counter() - between) * 1000)
    return {
        "seconds": time.perf_counter() - start,
        "create": created,
        "issue": issued,
        "create_queries": create_queries,
        "issue_queries": issue_queries,
    }


def issue_in_batches(staff: Any, customer: Any, count: int, size: int) -> dict[str, Any]:
    """Drafts first (one create_document each, timed apart), then issue_documents in batches of `size`."""
    from praho.billing.services.drafts import create_document
    from praho.billing.services.issuing_batch import issue_documents

    def create() -> Any:
        return create_document(actor=staff, document_type="invoice", customer=customer, lines=LINES)

    issue_documents(actor=staff, documents=[create() for _ in range(WARM_UP)])
    probe = [create() for _ in range(min(size, count))]
    with CaptureQueriesContext(connection) as captured:
        issue_documents(actor=staff, documents=probe)
    statements = sorted(captured.captured_queries, key=lambda query: float(query["time"]), reverse=True)
    began = time.perf_counter()
    drafts = [create() for _ in range(count)]
    create_seconds = time.perf_counter() - began
    batches = []
    for first in range(0, count, size):
        began = time.perf_counter()
        issue_documents(actor=staff, documents=drafts[first : first + size])
        batches.append((time.perf_counter() - began) * 1000)
    return {
        "create_seconds": create_seconds,
        "batches": batches,
        "queries": len(captured.captured_queries),
        "slowest": [(float(query["time"]) * 1000, query["sql"][:70]) for query in statements[:4]],
    }


def report_batches(count: int, size: int, run: dict[str, Any]) -> None:
    issue_seconds = sum(run["batches"]) / 1000
    print(
        f"create_document x {count:,}: {run['create_seconds']:.1f} s, {count / run['create_seconds']:,.0f}/s"
    )
    print(
        f"  issue_documents, batches of {size}: {count / issue_seconds:,.0f} invoices/s "
        f"({issue_seconds:.1f} s); per batch {spread(run['batches'])}; "
        f"{run['queries']} queries per batch (target >= 200/s)"
    )
    for milliseconds, sql in run["slowest"]:
        print(f"    {milliseconds:8.1f} ms  {sql}")


def render_pdfs(count: int, *, freeze: bool = True) -> dict[str, list[float]]:
    """Wall and CPU milliseconds of render_document_pdf per issued invoice, each PDF checked whole.

    After the warm-up the start-up objects are frozen (gc.freeze), as a Celery worker process
    (praho/celery.py) and a web process (praho/wsgi.py) do before their first request.
    """
    import gc

    from praho.billing.models import Document
    from praho.billing.pdf.rendering import render_document_pdf

    # Without HarfBuzz-Subset WeasyPrint warns on every PDF; the summary line says it once.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    documents = list(Document.objects.filter(status="issued").order_by("id")[:count])
    check_pdf(render_document_pdf(documents[0]))  # warm-up: fonts and stylesheet
    if freeze:
        gc.collect()
        gc.freeze()
    wall, cpu = [], []
    try:
        for document in documents:
            began, began_cpu = time.perf_counter(), time.process_time()
            output = render_document_pdf(document)
            wall.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            check_pdf(output, document.number)
    finally:
        gc.unfreeze()
    return {"wall": wall, "cpu": cpu}


def check_pdf(output: bytes, number: str = "") -> None:
    """The whole file came out: PDF header, the trailer's end-of-file mark, and a size that
    holds the two embedded font subsets (a three-line invoice is about 40 kB)."""
    if not (output.startswith(b"%PDF-") and output.rstrip().endswith(b"%%EOF") and len(output) > 10_000):
        raise AssertionError(f"not a complete PDF ({len(output)} bytes) for {number or 'the warm-up'}")


def font_subsetter() -> str:
    from weasyprint.text import ffi  # type: ignore[import-untyped]

    return "HarfBuzz-Subset" if ffi.harfbuzz_subset else "fontTools (no libharfbuzz-subset0)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--pdfs", type=int, default=100)
    parser.add_argument(
        "--no-freeze", action="store_true", help="render PDFs without gc.freeze() after the warm-up"
    )
    parser.add_argument(
        "--batch", type=int, default=0, help="issue with issue_documents in batches of N (no PDFs then)"
    )
    args = parser.parse_args()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        load = os.getloadavg()[0]
        print(f"database: {connection.vendor} ({test_db}), {os.cpu_count()} CPUs, load {load:.2f}")
        staff, customer = setup()
        print(f"commit alone (WAL flush): p50 {commit_floor():.2f} ms")
        if args.batch:
            report_batches(
                args.invoices, args.batch, issue_in_batches(staff, customer, args.invoices, args.batch)
            )
            return
        run = issue_invoices(staff, customer, args.invoices)
        count, issue_seconds = args.invoices, sum(run["issue"]) / 1000
        print(
            f"create + issue {count:,} three-line invoices: {run['seconds']:.1f} s, "
            f"{count / run['seconds']:,.0f}/s; {run['create_queries']} + {run['issue_queries']} queries"
        )
        print(f"  create_document: {spread(run['create'])}; {run['create_queries']} queries")
        print(
            f"  issue_document: {count / issue_seconds:,.0f}/s, {spread(run['issue'])}; "
            f"{run['issue_queries']} queries (target >= 200/s)"
        )
        pdf = render_pdfs(min(args.pdfs, count), freeze=not args.no_freeze)
        wall, cpu = pdf["wall"], pdf["cpu"]
        print(
            f"render {len(wall)} PDFs: p50 {statistics.median(wall):.0f} ms, "
            f"p95 {percentile(wall, 0.95):.0f} ms, max {max(wall):.0f} ms "
            f"(CPU p50 {statistics.median(cpu):.0f}, p95 {percentile(cpu, 0.95):.0f}, max {max(cpu):.0f}); "
            f"fonts subset by {font_subsetter()}; start-up objects "
            f"{'not ' if args.no_freeze else ''}frozen (target <= 150 ms)"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
