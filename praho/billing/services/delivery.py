"""Emailing proformas, invoices and credit notes to the customer, logged as DocumentDelivery rows.

`send_document` is what staff (UI, API) call: it checks the document may go out,
works out the address, logs the request (status queued, audited) and, once that
is committed, hands the delivery's id to the `billing.email_document` task.
The task calls `deliver`, which attaches the document's stored PDF (pdf_archive: the
copy stored after issue, made first if missing) and sends the email through Django's
mail API (SMTP in production).

What may be emailed: issued invoices and credit notes, and proformas that are
issued or converted. Drafts of any kind are refused: their PDF says "DRAFT" and
carries no number and no payment reference (see pdf.py), so a customer could
neither book nor pay them. Cancelled proformas are refused so nobody pays them.

Delivery is at most once per row: `deliver` locks the row and does nothing when
it is no longer queued, so a task that runs twice (a redelivered Celery message,
a retry racing a manual run) sends one email. A temporary failure (the server is
unreachable, hangs up, or answers 4xx) keeps the row queued with the error in
`detail` and raises TransientDeliveryError, which makes the task retry with
backoff; the last attempt, or a permanent failure (5xx, a refused recipient, a
document that cannot be rendered), marks the row failed. Staff send again by
requesting a new delivery.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing import ledger_queries
from praho.billing.locks import lock_if_queued, locked_delivery, locked_document
from praho.billing.models import DeliveryStatus, Document, DocumentDelivery, DocumentStatus, DocumentType
from praho.billing.pdf import archive as pdf_archive
from praho.billing.pdf import rendering as pdf
from praho.billing.services.drafts import current_seller
from praho.core.formatting import format_date, format_money
from praho.customers.models import Customer, TaxProfile
from praho.customers.services.customers import current_profile

logger = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "billing/email/document_subject.txt"
BODY_TEMPLATE = "billing/email/document_body.txt"
SUBJECT_MAX_LENGTH = DocumentDelivery._meta.get_field("subject").max_length or 200
# How many times the task retries a temporary failure after the first attempt
# (with exponential backoff, about 30 s, 1, 2, 4 minutes: an SMTP relay restarting
# or greylisting us is over by then).
MAX_RETRIES = 4
# Characters a number may hold ("PRH2026/00012") that do not belong in a file name.
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class TransientDeliveryError(Exception):
    """Sending failed in a way worth trying again later; the task retries on it."""


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def default_recipient(customer: Customer) -> str:
    """The invoice email of the customer's current tax profile, else the customer's email."""
    try:
        invoice_email = current_profile(customer).invoice_email
    except TaxProfile.DoesNotExist:
        invoice_email = ""
    return invoice_email or customer.email


def check_sendable(document: Document) -> None:
    """Refuse (ValidationError on "document") what a customer must not receive; see the module doc."""
    if document.status == DocumentStatus.DRAFT:
        raise _refuse(
            "document",
            _("%(document)s is a draft; issue it before emailing it.") % {"document": document},
            "draft",
        )
    if document.document_type == DocumentType.PROFORMA and document.status == DocumentStatus.CANCELLED:
        raise _refuse(
            "document",
            _("Proforma %(number)s is cancelled; it is not sent to the customer.")
            % {"number": document.number},
            "cancelled",
        )


def _clean_recipient(document: Document, recipient: str) -> str:
    explicit = recipient.strip()
    if not explicit:
        address = default_recipient(document.customer)
        if not address:
            raise _refuse(
                "recipient",
                _("%(customer)s has no invoice email and no email address; enter the address to send to.")
                % {"customer": document.customer.name},
                "no_recipient",
            )
        return address
    try:
        validate_email(explicit)
    except ValidationError:
        raise _refuse("recipient", _("Enter a valid email address."), "invalid") from None
    return explicit


def send_document(*, actor: Any, document: Document, recipient: str = "") -> DocumentDelivery:
    """Email the document's PDF to `recipient` (default: the customer's invoice address).

    Logs a queued DocumentDelivery and audits the request; the email itself leaves
    from the `billing.email_document` task once this transaction commits, so a
    rolled-back request sends nothing.
    """
    with transaction.atomic():
        # Locked so a proforma cancelled meanwhile is seen as cancelled.
        document = locked_document(document.pk)
        check_sendable(document)
        address = _clean_recipient(document, recipient)
        delivery = DocumentDelivery.objects.create(
            document=document,
            recipient=address,
            subject=email_subject(document),
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_event(
            "billing.document_email_requested",
            actor=actor,
            target=document,
            data={"delivery": delivery.pk, "recipient": address, "number": document.number},
        )
        transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def _enqueue(delivery_id: int) -> None:
    from praho.billing.tasks import email_document  # the tasks module imports this one

    email_document.delay(delivery_id)


# --- building the email ------------------------------------------------------------------


def attachment_filename(document: Document) -> str:
    """The PDF's file name: the document's number ("PRH-2026-000123.pdf"), safe for any mail client."""
    stem = _UNSAFE_FILENAME.sub("-", document.number).strip("-") or f"document-{document.pk}"
    return f"{stem}.pdf"


def grouped_iban(iban: str) -> str:
    """ "RO49 AAAA 1B31 …", as printed on the PDF."""
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))


def _settled(document: Document, language: str) -> dict[str, str]:
    """What a partly paid or credited invoice has settled, so the email asks for what is still due
    and not its total: the paid and credited amounts ("" when none)."""
    if document.document_type != DocumentType.INVOICE:
        return {"paid": "", "credited": ""}
    amounts = ledger_queries.document_amounts(document)
    return {
        name: format_money(amount, document.currency, language) if amount else ""
        for name, amount in (("paid", amounts.paid), ("credited", amounts.credited))
    }


def _context(document: Document, language: str) -> dict[str, Any]:
    seller = document.seller or current_seller()
    currency = document.currency
    credited = document.credited_document
    return _settled(document, language) | {
        "amount_due": format_money(pdf.amount_due(document), currency, language),
        "nothing_due": not pdf.amount_due(document),
        "document": document,
        "title": document.get_document_type_display(),
        "number": document.number,
        "is_invoice": document.document_type == DocumentType.INVOICE,
        "is_proforma": document.document_type == DocumentType.PROFORMA,
        "is_credit_note": document.document_type == DocumentType.CREDIT_NOTE,
        "customer_name": (document.buyer or {}).get("name") or document.customer.name,
        "issue_date": format_date(document.issue_date, language),
        "due_date": format_date(document.due_date, language),
        "valid_until": format_date(document.valid_until, language) if document.valid_until else "",
        "total": format_money(document.total, currency, language),
        "payment_reference": pdf.payment_reference(document),
        # The customer area's page of the document: its payment details, and "Pay by card" when
        # card payments are set up (praho.payments adds it there).
        "pay_url": f"{settings.PRAHO_BASE_URL}/app/billing/documents/{document.pk}/",
        "iban": grouped_iban(seller.iban),
        "bank_name": seller.bank_name,
        "seller_name": seller.name,
        "credited_number": credited.number if credited else "",
        "credited_date": format_date(credited.issue_date, language) if credited else "",
    }


def email_subject(document: Document) -> str:
    """The subject in the document's language, e.g. "Invoice PRH-2026-000001 from PRAHO Hosting SRL"."""
    language = pdf.document_language(document)
    with translation.override(language):
        text = render_to_string(SUBJECT_TEMPLATE, _context(document, language))
    return " ".join(text.split())[:SUBJECT_MAX_LENGTH]


def build_message(delivery: DocumentDelivery) -> EmailMessage:
    """The email of a delivery: the logged subject, a text body in the document's language, the PDF."""
    document = delivery.document
    language = pdf.document_language(document)
    with translation.override(language):
        body = render_to_string(BODY_TEMPLATE, _context(document, language))
    seller = document.seller or current_seller()
    message = EmailMessage(
        subject=delivery.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        reply_to=[seller.email] if seller.email else None,
        headers={"Content-Language": language},
    )
    message.attach(attachment_filename(document), pdf_archive.pdf_file(document).content, "application/pdf")
    return message


# --- sending (the task) ------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    detail: str
    transient: bool


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(message)}" for address, (code, message) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _is_transient(error: BaseException) -> bool:
    """4xx answers, hang-ups, refused connections and timeouts pass; 5xx answers and
    everything else (a misconfiguration, a document that cannot be rendered) do not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False
    return isinstance(error, OSError | SoftTimeLimitExceeded)


def _attempt(delivery: DocumentDelivery) -> _Failure | None:
    try:
        # Connect first: an unreachable server fails before the PDF is rendered.
        with get_connection() as connection:
            message = build_message(delivery)
            message.connection = connection
            message.send()
    except (OSError, SoftTimeLimitExceeded) as error:  # smtplib's errors are OSErrors
        return _Failure(_describe(error), _is_transient(error))
    except Exception as error:
        # Not the mail server: a bug or data the PDF cannot be made from. Logged with its
        # traceback for the error tracker, and the delivery is not left queued forever.
        logger.exception("Emailing document delivery %s failed", delivery.pk)
        return _Failure(_describe(error), transient=False)
    return None


def deliver(delivery_id: int, *, last_attempt: bool = True) -> DocumentDelivery:
    """Send a queued delivery once and record the outcome; a delivery already sent (or given
    up on) is returned as it is. Raises TransientDeliveryError after recording a temporary
    failure unless `last_attempt`, for the task to retry."""
    _store_pdf_first(delivery_id)
    with transaction.atomic():
        delivery = locked_delivery(delivery_id)
        if delivery.status != DeliveryStatus.QUEUED:
            return delivery
        # The row stays locked while sending (seconds at most, bounded by EMAIL_TIMEOUT), so a
        # second run of the task waits here and then finds the delivery sent. Only if the commit
        # below failed after the server took the email would a later try send it again; a
        # delivery is never marked sent without having been sent.
        failure = _attempt(delivery)
        delivery.attempts += 1
        retry = failure is not None and failure.transient and not last_attempt
        if failure is None:
            delivery.status, delivery.sent_at, delivery.detail = DeliveryStatus.SENT, timezone.now(), ""
        else:
            delivery.detail = failure.detail
            delivery.status = DeliveryStatus.QUEUED if retry else DeliveryStatus.FAILED
        delivery.save(update_fields=["status", "sent_at", "detail", "attempts"])
        if not retry:
            _record_outcome(delivery)
    if retry:
        raise TransientDeliveryError(delivery.detail)
    return delivery


def _store_pdf_first(delivery_id: int) -> None:
    """Store the PDF of an issued invoice or credit note that has none yet, before the delivery's
    row is locked: storing it appends its hash to the audit trail, whose lock must not wait for a
    mail server. Should it fail, the attempt meets the same error and records it."""
    document_id = (
        DocumentDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.QUEUED)
        .values_list("document_id", flat=True)
        .first()
    )
    if document_id is None:
        return
    try:
        pdf_archive.store_pdf(document_id)
    except Exception:  # the attempt below renders again, fails the same way and records why
        logger.warning("Storing the PDF of document %s failed; the delivery records why", document_id)


def _record_outcome(delivery: DocumentDelivery) -> None:
    sent = delivery.status == DeliveryStatus.SENT
    record_event(
        "billing.document_emailed" if sent else "billing.document_email_failed",
        actor=None,
        target=delivery.document,
        data={
            "delivery": delivery.pk,
            "recipient": delivery.recipient,
            "attempts": delivery.attempts,
            "detail": delivery.detail,
        },
    )


# --- deliveries the broker lost ----------------------------------------------------------

# Longer than the task's whole retry window (backoff 30 s doubling, at most 10 min, MAX_RETRIES).
STUCK_AFTER = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(days=1)


def requeue_stuck(now: datetime | None = None) -> int:
    """Enqueue again the deliveries still queued long after their retries would have ended
    (the broker was down when the request committed, or a worker died); give up on those
    queued for a day. Safe to run any time: `deliver` sends a delivery at most once."""
    now = now or timezone.now()
    queued = DocumentDelivery.objects.filter(status=DeliveryStatus.QUEUED)
    for delivery in queued.filter(created_at__lt=now - GIVE_UP_AFTER).select_related("document"):
        with transaction.atomic():
            # Locked and read again: a retry may be sending it right now.
            if not lock_if_queued(delivery.pk):
                continue
            delivery.status = DeliveryStatus.FAILED
            delivery.detail = (delivery.detail + "\n" if delivery.detail else "") + _(
                "Not sent within a day; request it again."
            )
            delivery.save(update_fields=["status", "detail"])
            _record_outcome(delivery)
    stuck = list(
        queued.filter(created_at__lt=now - STUCK_AFTER, created_at__gte=now - GIVE_UP_AFTER).values_list(
            "pk", flat=True
        )
    )
    for delivery_id in stuck:
        _enqueue(delivery_id)
    return len(stuck)
