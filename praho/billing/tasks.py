"""Celery tasks of the billing app: thin, idempotent, each calling one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from praho.billing.pdf import archive as pdf_archive
from praho.billing.services import delivery, fx


# The feed answers within the gateway timeouts (seconds); the limits only stop a stuck worker.
@shared_task(name="billing.fetch_bnr_rates", soft_time_limit=60, time_limit=90)
def fetch_bnr_rates() -> int:
    """Store BNR's rates of the last ten banking days (scheduled in CELERY_BEAT_SCHEDULE).

    Returns how many rates were added or changed; 0 when run again. When BNR
    does not answer it fails (bnr.UnavailableError) having changed nothing, and
    the next scheduled run fills the gap.
    """
    return fx.fetch_bnr_rates()


# A PDF renders in well under a second and EMAIL_TIMEOUT bounds each SMTP call; the limits
# only stop a stuck worker (the soft one counts as a temporary failure and is retried).
@shared_task(
    bind=True,
    name="billing.email_document",
    autoretry_for=(delivery.TransientDeliveryError,),
    max_retries=delivery.MAX_RETRIES,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    soft_time_limit=120,
    time_limit=150,
)
def email_document(self: Any, delivery_id: int) -> str:
    """Email one logged DocumentDelivery (enqueued by delivery.send_document); returns its status.

    Running it again for the same delivery sends nothing more. Temporary SMTP failures
    are retried with exponential backoff; the last try marks the delivery failed.
    """
    sent = delivery.deliver(delivery_id, last_attempt=self.request.retries >= self.max_retries)
    return str(sent.status)


@shared_task(name="billing.requeue_stuck_deliveries", soft_time_limit=60, time_limit=90)
def requeue_stuck_deliveries() -> int:
    """Enqueue again emails whose task the broker lost (scheduled in CELERY_BEAT_SCHEDULE)."""
    return delivery.requeue_stuck()


# A long document takes seconds to render (~9 ms of CPU a line, bench/billing_pdf.py); the limits stop
# a stuck worker. A failed or lost run leaves the PDF to be stored on its first download.
@shared_task(name="billing.store_document_pdf", soft_time_limit=240, time_limit=300)
def store_document_pdf(document_id: int) -> str:
    """Render and store the PDF of an issued invoice or credit note (enqueued on issue by
    signals.store_issued_pdfs); returns its SHA-256, "" for a document that gets none.

    Running it again stores nothing more and renders nothing."""
    stored = pdf_archive.store_pdf(document_id)
    return stored.sha256 if stored is not None else ""
