"""What billing tells other apps, without importing them, and what billing itself does on it.

`documents_issued` is sent once the transaction that issued invoices or credit notes has
committed (never for a rollback), with `document_ids`; e-Factura submits them from it, and
billing renders and stores their PDFs (`store_issued_pdfs`).

`invoices_paid` is sent inside the transaction of the ledger posting that left invoices owing
nothing after something was paid on them (a payment, customer credit applied), with
`document_ids`. Receivers act in that transaction, so what they write commits or rolls back with
the payment; orders mark their order paid and create its services from it. Sent again for an
invoice a later posting touches while it still owes nothing: receivers must be idempotent.

`proforma_cancelled` is sent inside the transaction that cancelled a proforma, with `document_id`
and `actor`; orders cancels the order the proforma billed.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal, receiver

documents_issued = Signal()
invoices_paid = Signal()
proforma_cancelled = Signal()


@receiver(documents_issued, dispatch_uid="billing.store_issued_pdfs")
def store_issued_pdfs(sender: Any, document_ids: list[int], **kwargs: Any) -> None:
    """One billing.store_document_pdf task per issued document, so that workers render them side by
    side and the first download finds the PDF stored (pdf_archive). Enqueued on commit: the signal
    comes after the issuing commit, and should it ever be sent inside a transaction the tasks would
    still wait for it. A lost task costs a render on the PDF's first download, nothing more."""
    if not settings.BILLING_STORE_PDF_ON_ISSUE:
        return
    from praho.billing.tasks import store_document_pdf

    for document_id in document_ids:
        transaction.on_commit(functools.partial(store_document_pdf.delay, document_id), robust=True)
