"""PDF benchmark (issue 11, item 15): rendering a long invoice once against serving its stored PDF.

Run by hand (not part of the test suite), against a throw-away test database:

    .venv/bin/python bench/billing_pdf.py                       # SQLite, a 500-line invoice
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bench .venv/bin/python bench/billing_pdf.py
    ... bench/billing_pdf.py --lines 2000 --renders 3

One invoice of --lines lines is issued through the real services. Its PDF is rendered --renders
times (render_document_pdf: the HTML, the layout and the PDF; what every download cost before
PDFs were stored), then stored once (pdf_archive.store_pdf, as the billing.store_document_pdf task
does after issue), and then served --serves times: through pdf_archive.pdf_file (one query for
the stored row) and through the API endpoint GET /api/v1/invoices/{id}/pdf/ as the customer's
owner (authentication, isolation, the stored bytes). Wall and CPU times are printed; the load
average on the first line tells a busy machine apart.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench._timing import timed  # noqa: E402


def issue_long_invoice(lines: int) -> tuple[Any, Any]:
    """The invoice and the customer's owner, who downloads it."""
    from bench.billing import setup
    from praho.accounts.tests.factories import UserFactory
    from praho.billing.services.drafts import create_document
    from praho.billing.services.issuing import issue_document
    from praho.customers.services.memberships import add_member

    staff, customer = setup()
    owner = UserFactory(email="bench-owner@customer.test")
    add_member(actor=staff, customer=customer, user=owner, role="owner")
    items = [
        {"description": f"Web hosting, site {n}", "quantity": "1", "unit_code": "MON", "unit_price": "49.99"}
        for n in range(1, lines + 1)
    ]
    draft = create_document(actor=staff, document_type="invoice", customer=customer, lines=items)
    return issue_document(actor=staff, document=draft), owner


def spread(wall: list[float], cpu: list[float]) -> str:
    return (
        f"p50 {statistics.median(wall):.2f} ms, max {max(wall):.2f} ms "
        f"(CPU p50 {statistics.median(cpu):.2f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument("--serves", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()  # the test client's host, as under pytest
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from rest_framework.test import APIClient
        from rest_framework_simplejwt.tokens import RefreshToken

        from praho.billing.pdf import archive as pdf_archive
        from praho.billing.pdf import rendering as pdf

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        print(f"database: {connection.vendor}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
        invoice, owner = issue_long_invoice(args.lines)
        pdf.warm_up()
        wall, cpu, content = timed(lambda: pdf.render_document_pdf(invoice), args.renders)
        print(
            f"render a {args.lines}-line invoice ({len(content) / 1024:.0f} kB, "
            f"{len(pdf.layout_document(invoice).pages)} pages) x {args.renders}: {spread(wall, cpu)}"
        )
        began = time.perf_counter()
        stored = pdf_archive.store_pdf(invoice.pk)
        print(f"store it once (render, insert, audit): {(time.perf_counter() - began) * 1000:.0f} ms")
        assert stored is not None
        renders = pdf.renders_so_far()
        with CaptureQueriesContext(connection) as queries:
            pdf_archive.pdf_file(invoice)
        wall, cpu, _ = timed(lambda: pdf_archive.pdf_file(invoice), args.serves)
        print(f"serve the stored PDF (pdf_file) x {args.serves}: {spread(wall, cpu)}; {len(queries)} query")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(owner).access_token}")
        url = f"/api/v1/invoices/{invoice.pk}/pdf/"
        wall, cpu, response = timed(lambda: client.get(url), args.serves)
        assert response.status_code == 200, response.content[:200]
        assert response.content == bytes(stored.content)
        print(f"GET {url} as the customer's owner x {args.serves}: {spread(wall, cpu)}")
        assert pdf.renders_so_far() == renders, "serving rendered"
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
