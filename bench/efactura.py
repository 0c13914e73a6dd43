"""e-Factura benchmark (issue 5): generate the XML of 1,000 issued invoices and validate it.

Run by hand (not part of the test suite), against a throw-away test database:

    .venv/bin/python bench/efactura.py                    # SQLite, 1,000 invoices
    .venv/bin/python bench/efactura.py --invoices 200
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/praho_bench .venv/bin/python bench/efactura.py

The invoices are made by billing's services (create_document, then issue_documents in batches
of 250) for five kinds of buyer in turn, so the XML covers what billing produces: a Romanian
company in RON with two VAT rates and a discount, a person with a CNP with an exempt line, a
person without one, an EU company under reverse charge in EUR and a company outside the EU in
USD (outside the scope of VAT). Their XML is then generated and validated one by one with the
artifacts from EFACTURA_VALIDATION_DIR (the test settings default to ../shared/efactura). The
first 20 documents are generated and validated untimed (XSD load, stylesheet compile), so the
figures are warm.

Stages, in milliseconds per document:
  fetch       with_xml_data(): the documents with seller, profile, credited invoice and lines
              (two queries for all of them), divided by their number
  generate    ubl.document_xml() (target <= 5 ms)
  parse       lxml parses the XML as validation does (safe parser)
  xsd         the UBL 2.1 schema (target <= 2 ms)
  schematron  the CIUS-RO 1.0.9 XSLT under Saxon, report read (target <= 30 ms)
"""

from __future__ import annotations

import argparse
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

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from efactura_validation import schematron, timed  # noqa: E402  (bench/efactura_validation.py)

TARGETS_MS = {"generate": 5.0, "xsd": 2.0, "schematron": 30.0}
WARM_UP = 20
BATCH = 250


def profiles() -> list[tuple[str, str, tuple[dict[str, str], ...]]]:
    """(buyer, currency, lines) of the invoices, issued in turn."""
    from praho.efactura.tests.ubl_builders import DOMAIN, EBOOK, HOSTING, TRAINING

    return [
        ("ro_company", "RON", (HOSTING, DOMAIN, EBOOK)),
        ("ro_person_cnp", "RON", (HOSTING, TRAINING)),
        ("ro_person", "RON", (HOSTING,)),
        ("eu_company", "EUR", (HOSTING, DOMAIN)),
        ("non_eu_company", "USD", (HOSTING, DOMAIN)),
    ]


def issue_invoices(count: int) -> list[int]:
    """Issued invoices' ids, made through billing's services."""
    from praho.billing.services.drafts import create_document
    from praho.billing.services.issuing_batch import issue_documents
    from praho.efactura.tests.ubl_builders import DAY, start_billing

    billing = start_billing()
    kinds = profiles()
    ids: list[int] = []
    drafts = []
    for number in range(count):
        buyer, currency, lines = kinds[number % len(kinds)]
        drafts.append(
            create_document(
                actor=billing.clerk,
                document_type="invoice",
                customer=billing.customers[buyer],
                lines=[dict(line) for line in lines],
                currency=currency,
                issue_date=DAY,
            )
        )
        if len(drafts) == BATCH or number == count - 1:
            ids += [document.pk for document in issue_documents(actor=billing.clerk, documents=drafts)]
            drafts = []
    return ids


def stage_line(stage: str, seconds: list[float]) -> str:
    ms = sorted(value * 1000 for value in seconds)
    p95 = ms[max(int(len(ms) * 0.95) - 1, 0)]
    target = f"<= {TARGETS_MS[stage]:g} ms" if stage in TARGETS_MS else ""
    median, mean = statistics.median(ms), statistics.fmean(ms)
    return f"  {stage:<11} {median:7.2f} {mean:7.2f} {p95:7.2f} {ms[-1]:7.2f}  {target}"


def measure(documents: list[Any], directory: Path) -> tuple[dict[str, list[float]], dict[str, int]]:
    from praho.efactura.ubl import validation
    from praho.efactura.ubl.document import document_xml

    stylesheet = directory / "cius-ro" / validation.CIUS_RO_VERSION / "xslt" / validation.RULES_STYLESHEET
    for document in documents[:WARM_UP]:
        validation.validate_xml(document_xml(document))
    rules = validation._compiled_rules(stylesheet)
    times: dict[str, list[float]] = {"generate": [], "parse": [], "xsd": [], "schematron": []}
    verdicts: dict[str, int] = {}
    for document in documents:
        xml = timed(times["generate"], document_xml, document)
        parsed = timed(times["parse"], validation._parse, xml)
        assert not isinstance(parsed, validation.ValidationResult), "the generated XML is well-formed UBL"
        tree, kind = parsed
        schema = validation._schema(directory / "ubl21" / "xsd" / "maindoc" / kind.schema)
        schema_valid = timed(times["xsd"], schema.schema.validate, tree)
        failures = timed(times["schematron"], schematron, rules, tree)
        valid = schema_valid and not any(failure.is_error for failure in failures)
        verdict = "valid" if valid else "invalid"
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    return times, verdicts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=1000)
    args = parser.parse_args()
    directory = Path(settings.EFACTURA_VALIDATION_DIR or "").expanduser()
    if not settings.EFACTURA_VALIDATION_DIR or not directory.is_dir():
        sys.exit("Set EFACTURA_VALIDATION_DIR to ANAF's validation artifacts (README, e-Factura validation).")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from praho.billing.models import Document
        from praho.efactura.selectors import with_xml_data

        print(f"database: {connection.vendor}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
        started = time.perf_counter()
        ids = issue_invoices(args.invoices)
        seconds = time.perf_counter() - started
        print(f"issued {len(ids):,} invoices through billing's services in {seconds:.1f} s")
        started = time.perf_counter()
        documents = list(with_xml_data(Document.objects.filter(pk__in=ids)).order_by("pk"))
        fetch_ms = (time.perf_counter() - started) * 1000 / len(documents)
        times, verdicts = measure(documents, directory)
        print(f"{len(documents):,} documents ({verdicts}), ms per document, warm:")
        print(f"  {'stage':<11} {'median':>7} {'mean':>7} {'p95':>7} {'max':>7}  target")
        print(f"  {'fetch':<11} {fetch_ms:7.2f}  (all at once, two queries)")
        for stage, samples in times.items():
            print(stage_line(stage, samples))
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
