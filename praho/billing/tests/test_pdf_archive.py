"""The stored PDFs (issue 11, item 15): an issued invoice or credit note is rendered once, after the
issuing commit, in a Celery task, and kept unchanged; a document without its copy yet is rendered
once on first use, under a lock; issued proformas keep a copy per version; the backfill command.

Renders are counted with pdf.renders_so_far(), the process's own count of PDFs it rendered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
import time
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from praho.audit.models import AuditEvent
from praho.billing.models import Document, DocumentPdf, StoredPdfImmutableError
from praho.billing.pdf import archive as pdf_archive
from praho.billing.pdf import rendering as pdf
from praho.billing.services.corrections import credit_note
from praho.billing.services.drafts import create_document, update_draft
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment
from praho.billing.tasks import store_document_pdf
from praho.core.tests.processes import run_together
from praho.customers.services.customers import change_tax_profile

D = Decimal
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def stored_on_issue(settings):
    settings.BILLING_STORE_PDF_ON_ISSUE = True


def _draft(actor, customer, document_type="invoice"):
    return create_document(actor=actor, document_type=document_type, customer=customer, lines=[HOSTING])


def _issue(callbacks, actor, customer, document_type="invoice"):
    """Issued and committed (the on-commit callbacks run, as after a real commit)."""
    with callbacks(execute=True):
        return issue_document(actor=actor, document=_draft(actor, customer, document_type))


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- stored once, after the commit ---------------------------------------------------------------


def test_issuing_an_invoice_stores_its_pdf_after_the_commit(
    billing_ready,
    frozen_now,
    stored_on_issue,
    bill_billing,
    carol_customer,
    django_capture_on_commit_callbacks,
):
    renders = pdf.renders_so_far()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # run as after a commit
        invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
        assert DocumentPdf.objects.count() == 0  # nothing is rendered inside the issuing transaction
        assert pdf.renders_so_far() == renders

    assert len(callbacks) == 2  # documents_issued, then the task it enqueued on commit

    stored = DocumentPdf.objects.get()
    content = bytes(stored.content)
    assert (stored.document_id, stored.is_archive, stored.language) == (invoice.pk, True, "ro")
    assert (stored.sha256, stored.size) == (_sha256(content), len(content))
    assert content.startswith(b"%PDF-")
    assert pdf.renders_so_far() - renders == 1
    event = AuditEvent.objects.get(action="billing.pdf_archived")
    assert (event.actor, event.object_id, event.data) == (
        None,
        str(invoice.pk),
        {"number": "PRH-2026-000001", "sha256": stored.sha256, "size": stored.size},
    )


def test_a_rolled_back_issue_stores_nothing(
    billing_ready,
    frozen_now,
    stored_on_issue,
    bill_billing,
    carol_customer,
    django_capture_on_commit_callbacks,
):
    draft = _draft(bill_billing, carol_customer)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        issue_document(actor=bill_billing, document=draft)
        transaction.set_rollback(True)

    assert DocumentPdf.objects.count() == 0


def test_a_credit_note_is_stored_too_and_the_invoices_copy_stays_as_it_was(
    billing_ready,
    frozen_now,
    stored_on_issue,
    bill_billing,
    carol_customer,
    django_capture_on_commit_callbacks,
):
    invoice = _issue(django_capture_on_commit_callbacks, bill_billing, carol_customer)
    archived = DocumentPdf.objects.get(document=invoice)

    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note(actor=bill_billing, invoice=invoice)

    assert sorted(DocumentPdf.objects.values_list("document_id", "is_archive")) == [
        (invoice.pk, True),
        (note.pk, True),
    ]
    assert pdf_archive.pdf_file(invoice).sha256 == archived.sha256


def test_the_invoice_of_a_paid_proforma_is_stored_saying_it_was_paid(
    billing_ready,
    frozen_now,
    stored_on_issue,
    alice_admin,
    bill_billing,
    carol_customer,
    django_capture_on_commit_callbacks,
):
    change_tax_profile(actor=alice_admin, customer=carol_customer, document_language="en")
    proforma = _issue(django_capture_on_commit_callbacks, bill_billing, carol_customer, "proforma")
    with django_capture_on_commit_callbacks(execute=True):
        payment = record_payment(
            actor=bill_billing,
            invoice=proforma,
            amount=proforma.total,
            currency="RON",
            method="bank_transfer",
            reference=proforma.number,
            received_on=dt.date(2026, 3, 10),
        )

    stored = DocumentPdf.objects.get(document=payment.document_id)
    invoice = Document.objects.get(pk=payment.document_id)
    html = pdf.render_document_html(invoice)
    # Rendered after the payment's commit: from the HTML that says paid and asks for nothing.
    assert stored.html_sha256 == _sha256(html.encode())
    assert '<p class="paid">Paid on 10 Mar 2026</p>' in html
    assert "Amount due" not in html


def test_a_later_payment_leaves_the_stored_pdf_as_issued(
    billing_ready,
    frozen_now,
    stored_on_issue,
    bill_billing,
    carol_customer,
    django_capture_on_commit_callbacks,
):
    invoice = _issue(django_capture_on_commit_callbacks, bill_billing, carol_customer)
    issued = bytes(DocumentPdf.objects.get().content)
    record_payment(
        actor=bill_billing,
        invoice=invoice,
        amount=invoice.total,
        currency="RON",
        method="bank_transfer",
        reference=invoice.number,
        received_on=dt.date(2026, 3, 10),
    )
    renders = pdf.renders_so_far()

    served = pdf_archive.pdf_file(Document.objects.get(pk=invoice.pk))

    assert served.content == issued
    assert pdf.renders_so_far() == renders


def test_running_the_task_again_stores_nothing_more(
    billing_ready,
    frozen_now,
    stored_on_issue,
    bill_billing,
    carol_customer,
    django_capture_on_commit_callbacks,
):
    invoice = _issue(django_capture_on_commit_callbacks, bill_billing, carol_customer)
    renders = pdf.renders_so_far()

    assert store_document_pdf.delay(invoice.pk).get() == DocumentPdf.objects.get().sha256
    assert DocumentPdf.objects.count() == 1
    assert pdf.renders_so_far() == renders
    assert AuditEvent.objects.filter(action="billing.pdf_archived").count() == 1


def test_the_task_stores_nothing_for_drafts_and_proformas(billing_ready, bill_billing, carol_customer):
    draft = _draft(bill_billing, carol_customer)
    proforma = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer, "proforma"))

    assert (store_document_pdf(draft.pk), store_document_pdf(proforma.pk), store_document_pdf(999999)) == (
        "",
        "",
        "",
    )
    assert DocumentPdf.objects.count() == 0


# --- missing copies: rendered once, on first use ---------------------------------------------------


def test_a_document_issued_without_its_copy_is_rendered_once_on_first_use_and_kept(
    billing_ready, frozen_now, bill_billing, carol_customer
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    renders = pdf.renders_so_far()

    first = pdf_archive.pdf_file(invoice)
    second = pdf_archive.pdf_file(invoice)

    assert pdf.renders_so_far() - renders == 1
    assert first == second
    assert first.content == bytes(DocumentPdf.objects.get(document=invoice, is_archive=True).content)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_downloads_in_one_process_render_once(billing_ready, bill_billing, carol_customer):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    renders = pdf.renders_so_far()
    served: list[str] = []
    start = threading.Barrier(4)

    def download() -> None:
        try:
            start.wait()
            served.append(pdf_archive.pdf_file(Document.objects.get(pk=invoice.pk)).sha256)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=download) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert pdf.renders_so_far() - renders == 1
    assert served == [DocumentPdf.objects.get().sha256] * 4


# Run by each process: Django with the test settings on the test database; after "go" it serves
# the document's PDF and prints the SHA-256 served and how many PDFs it rendered.
DOWNLOADER = """
import sys

import django
from django.conf import settings

settings.DATABASES["default"]["NAME"] = sys.argv[1]
django.setup()

from django.db import connection

from praho.billing.pdf import rendering as pdf
from praho.billing.pdf import archive as pdf_archive
from praho.billing.models import Document

connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
served = pdf_archive.pdf_file(Document.objects.get(pk=int(sys.argv[2])))
print(served.sha256, pdf.renders_so_far(), flush=True)
"""
PROCESSES = 4


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: the lock between processes is an advisory lock; SQLite's test database "
    "lives in this process",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_downloads_in_several_processes_render_once(
    billing_ready, bill_billing, carol_customer
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    outputs = run_together(DOWNLOADER, [[invoice.pk]] * PROCESSES, timeout=120)
    served = [out.split() for out in outputs]
    stored = DocumentPdf.objects.get()
    assert sorted(served) == sorted([[stored.sha256, "0"]] * (PROCESSES - 1) + [[stored.sha256, "1"]])


# --- proformas: a copy per version -----------------------------------------------------------------


def test_an_issued_proforma_is_kept_per_version_and_rendered_again_only_after_a_change(
    billing_ready, frozen_now, bill_billing, carol_customer
):
    proforma = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer, "proforma"))
    renders = pdf.renders_so_far()

    first = pdf_archive.pdf_file(proforma)
    again = pdf_archive.pdf_file(Document.objects.get(pk=proforma.pk))
    changed = update_draft(actor=bill_billing, document=proforma, notes="Payable by bank transfer only.")
    after_change = pdf_archive.pdf_file(changed)

    assert pdf.renders_so_far() - renders == 2
    assert again == first
    assert after_change.sha256 != first.sha256
    assert list(DocumentPdf.objects.order_by("pk").values_list("sha256", "is_archive")) == [
        (first.sha256, False),
        (after_change.sha256, False),
    ]


def test_a_draft_is_rendered_each_time_and_never_stored(billing_ready, bill_billing, carol_customer):
    draft = _draft(bill_billing, carol_customer)
    renders = pdf.renders_so_far()

    pdf_archive.pdf_file(draft)
    pdf_archive.pdf_file(draft)

    assert pdf.renders_so_far() - renders == 2
    assert DocumentPdf.objects.count() == 0


def test_a_render_refused_by_the_gate_renders_and_stores_nothing(billing_ready, bill_billing, carol_customer):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    renders = pdf.renders_so_far()

    def closed() -> None:
        raise pdf_archive.RenderRefusedError(wait=42.0)

    with pytest.raises(pdf_archive.RenderRefusedError) as refused:
        pdf_archive.pdf_file(invoice, gate=closed)

    assert refused.value.wait == 42.0
    assert pdf.renders_so_far() == renders
    assert DocumentPdf.objects.count() == 0


# --- never changed -----------------------------------------------------------------------------------


def test_a_stored_pdf_is_never_changed_or_deleted_through_the_orm(
    billing_ready, bill_billing, carol_customer
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    pdf_archive.pdf_file(invoice)
    stored = DocumentPdf.objects.get()

    stored.content = b"%PDF-1.7 forged"
    with pytest.raises(StoredPdfImmutableError):
        stored.save()
    with pytest.raises(StoredPdfImmutableError):
        stored.delete()
    with pytest.raises(StoredPdfImmutableError):
        DocumentPdf.objects.update(sha256="0" * 64)
    with pytest.raises(StoredPdfImmutableError):
        DocumentPdf.objects.all().delete()
    assert DocumentPdf.objects.get().sha256 == _sha256(bytes(DocumentPdf.objects.get().content))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_a_stored_pdf(billing_ready, bill_billing, carol_customer):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    pdf_archive.pdf_file(invoice)

    for statement in (
        "UPDATE billing_documentpdf SET content = 'forged'",
        "DELETE FROM billing_documentpdf",
    ):
        refused = pytest.raises(DatabaseError, match="a stored PDF is never changed or deleted")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert DocumentPdf.objects.count() == 1


def test_a_second_archive_copy_of_a_document_is_refused_by_the_database(
    billing_ready, bill_billing, carol_customer
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    stored = pdf_archive.pdf_file(invoice)

    with pytest.raises(DatabaseError), transaction.atomic():
        DocumentPdf.objects.create(
            document=invoice, is_archive=True, html_sha256="1" * 64, sha256="2" * 64, size=1, language="ro"
        )
    assert list(DocumentPdf.objects.values_list("sha256", flat=True)) == [stored.sha256]


# --- documents issued before PDFs were stored ----------------------------------------------------------


def test_the_command_stores_the_missing_copies_of_issued_invoices_and_credit_notes_once(
    billing_ready, frozen_now, bill_billing, carol_customer
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    note = credit_note(actor=bill_billing, invoice=invoice)
    already = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    pdf_archive.pdf_file(already)
    _draft(bill_billing, carol_customer)
    issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer, "proforma"))
    first, second = io.StringIO(), io.StringIO()

    call_command("store_document_pdfs", stdout=first)
    call_command("store_document_pdfs", stdout=second)

    assert sorted(DocumentPdf.objects.values_list("document_id", flat=True)) == sorted(
        [invoice.pk, note.pk, already.pk]
    )
    assert first.getvalue() == "Stored the PDF of 2 issued documents.\n"
    assert second.getvalue() == "Stored the PDF of 0 issued documents.\n"


# --- through a real Celery worker ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_stores_the_pdf_of_an_issued_invoice(
    redis_url, tmp_path, monkeypatch, settings, billing_ready, bill_billing, carol_customer
):
    """billing.store_document_pdf goes through Redis to a `celery worker` process that reads the test
    database (so PostgreSQL: SQLite's test database lives in this process's memory)."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test (PostgreSQL)")
    from praho.celery import app
    from praho.core.tests.test_tasks import app_using, worker

    settings.BILLING_STORE_PDF_ON_ISSUE = True
    db = connection.settings_dict
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    queue = f"praho-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    saved_routes = app.conf.task_routes
    renders = pdf.renders_so_far()
    with worker(redis_url, queue, log) as process, app_using(redis_url):
        app.conf.task_routes = {"billing.store_document_pdf": {"queue": queue}}
        app.amqp.flush_routes()
        del app.amqp.router  # built on the first send and kept: build it again with these routes
        try:
            invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
            deadline = time.monotonic() + 60
            while not DocumentPdf.objects.filter(document=invoice).exists() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            app.conf.task_routes = saved_routes
            app.amqp.flush_routes()
            del app.amqp.router
        alive = process.poll() is None

    assert alive, log.read_text()
    stored = DocumentPdf.objects.filter(document=invoice).first()
    assert stored is not None, log.read_text()
    assert stored.sha256 == _sha256(bytes(stored.content))
    assert pdf.renders_so_far() == renders  # the worker rendered it, not this process
    assert "Task billing.store_document_pdf[" in log.read_text()
