"""The PDFs downloads and emails serve: rendered once per issued document and kept (DocumentPdf).

- **Issued invoices and credit notes** are rendered once, after the issuing transaction has
  committed: signals.documents_issued enqueues the `billing.store_document_pdf` task, which calls
  `store_pdf`. That first render is the document's archive copy, kept for the ten years the law
  keeps invoices and never changed (see models/pdfs.py); its SHA-256 goes to the audit trail.
  Every download and email serves it, so a later payment does not change the PDF a customer gets.
- **A missing copy** (the worker is down or late, or the document was issued before PDFs were
  stored: the `store_document_pdfs` command stores those in bulk) is rendered on first use, once:
  requests for the same document wait on a lock and then serve the copy the first one stored.
- **Issued proformas** stay editable, so they get a copy per version: each use renders the HTML
  (cheap) and serves the copy made from the same HTML, rendering a new one after a change.
- **Drafts** are rendered on every use and never stored.

Renders are the expensive part (seconds for a long document, on the CPU of a web process), so a
caller can pass a `gate` that refuses a render when the user's rate is spent (pdf_downloads.py
does, for pages and the API); serving a stored copy is never refused.

Locks: per document, a thread lock (one process; also SQLite, which has no row locks), then on
PostgreSQL a transaction-scoped advisory lock (between processes), held while rendering and storing.
They are taken before the audit chain's lock and never while holding a document's row lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from praho.audit.services import record_event
from praho.billing.models import Document, DocumentPdf, DocumentStatus, DocumentType
from praho.billing.pdf import rendering as pdf

# Names the advisory locks of stored PDFs: two 32-bit keys, this and the document's id, a key
# space apart from the single 64-bit key of the audit chain's lock.
_LOCK_NAMESPACE = 7_164_524
_INT32 = 2**31
_thread_locks = [threading.Lock() for _ in range(64)]


class RenderRefusedError(Exception):
    """No PDF may be rendered for this caller now; `wait` is how many seconds until one may."""

    def __init__(self, wait: float | None) -> None:
        super().__init__(wait)
        self.wait = wait


RenderGate = Callable[[], None]
"""Called right before a render; raises RenderRefusedError to refuse it."""


def _always() -> None:
    return None


@dataclass(frozen=True)
class PdfFile:
    content: bytes
    sha256: str


def pdf_file(document: Document, *, gate: RenderGate = _always) -> PdfFile:
    """The PDF to serve for `document`: its stored copy, made now if it has none (see the module)."""
    if document.status == DocumentStatus.DRAFT:
        gate()
        return _file(pdf.render_document_pdf(document))
    if document.document_type in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE):
        stored = _archive_copy(document.pk)
        if stored is None:
            gate()
            stored = _store_archive_copy(document.pk)
        assert stored is not None  # an issued invoice or credit note always gets one
        return _served(stored)
    return _served(_proforma_copy(document, gate))


def store_pdf(document_id: int) -> DocumentPdf | None:
    """The archive copy of an issued invoice or credit note, rendered and stored now if missing
    (the billing.store_document_pdf task). None for any other document, or no document."""
    return _archive_copy(document_id) or _store_archive_copy(document_id)


def documents_without_archive_copy() -> list[int]:
    """Ids of the issued invoices and credit notes with no stored PDF yet, oldest first."""
    issued = Document.objects.filter(
        document_type__in=(DocumentType.INVOICE, DocumentType.CREDIT_NOTE), status=DocumentStatus.ISSUED
    )
    return list(issued.exclude(pdfs__is_archive=True).order_by("pk").values_list("pk", flat=True))


def _file(content: bytes) -> PdfFile:
    return PdfFile(content=content, sha256=hashlib.sha256(content).hexdigest())


def _served(stored: DocumentPdf) -> PdfFile:
    return PdfFile(content=bytes(stored.content), sha256=stored.sha256)


def _archive_copy(document_id: int) -> DocumentPdf | None:
    return DocumentPdf.objects.filter(document_id=document_id, is_archive=True).first()


def _store_archive_copy(document_id: int) -> DocumentPdf | None:
    with _render_lock(document_id):
        stored = _archive_copy(document_id)  # made by whoever held the lock before
        if stored is not None:
            return stored
        # Read afresh under the lock: what is due is what the ledger says now.
        document = (
            Document.objects.filter(
                pk=document_id,
                document_type__in=(DocumentType.INVOICE, DocumentType.CREDIT_NOTE),
                status=DocumentStatus.ISSUED,
            )
            .select_related("customer", "seller", "customer_profile", "credited_document")
            .first()
        )
        if document is None:
            return None
        stored = _store(document, pdf.render_document_html(document), is_archive=True)
        record_event(
            "billing.pdf_archived",
            target=document,
            data={"number": document.number, "sha256": stored.sha256, "size": stored.size},
        )
        return stored


def _proforma_copy(document: Document, gate: RenderGate) -> DocumentPdf:
    html = pdf.render_document_html(document)
    html_sha256 = _sha256(html)
    stored = DocumentPdf.objects.filter(document=document, html_sha256=html_sha256).first()
    if stored is not None:
        return stored
    gate()
    with _render_lock(document.pk):
        stored = DocumentPdf.objects.filter(document=document, html_sha256=html_sha256).first()
        return stored or _store(document, html, is_archive=False)


def _store(document: Document, html: str, *, is_archive: bool) -> DocumentPdf:
    content = pdf.render_html_pdf(html)
    return DocumentPdf.objects.create(
        document=document,
        is_archive=is_archive,
        html_sha256=_sha256(html),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        language=pdf.document_language(document),
        content=content,
    )


def _sha256(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


@contextlib.contextmanager
def _render_lock(document_id: int) -> Iterator[None]:
    """One render of a document at a time, and what it stores in one transaction with the lock.

    Should two processes ever store the same copy at once without the lock (SQLite has none
    between processes), the unique constraints of DocumentPdf refuse the second one.
    """
    with _thread_locks[document_id % len(_thread_locks)], transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, document_id % _INT32]
                )
        yield
