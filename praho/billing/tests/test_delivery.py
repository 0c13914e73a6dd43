"""Emailing documents: who may receive what, the email in the document's language with its PDF,
real SMTP failures and retries, at most one email per delivery, and a real Celery worker."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from praho.audit.models import AuditEvent
from praho.billing.models import DeliveryStatus, Document, DocumentDelivery
from praho.billing.services import delivery
from praho.billing.services.corrections import cancel_proforma, convert_proforma, credit_note
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment
from praho.billing.tasks import email_document
from praho.customers.services.customers import change_tax_profile, update_customer

D = Decimal
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}
INVOICE_EMAIL = "facturi@carol.test"
PDF_MAGIC = b"%PDF-"
ALL_ATTEMPTS = delivery.MAX_RETRIES + 1


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def invoice_email(carol_customer, alice_admin):
    change_tax_profile(actor=alice_admin, customer=carol_customer, invoice_email=INVOICE_EMAIL)


def _issued(actor, customer, document_type="invoice"):
    draft = create_document(actor=actor, document_type=document_type, customer=customer, lines=[HOSTING])
    return issue_document(actor=actor, document=draft)


@pytest.fixture
def invoice(billing_ready, frozen_now, bill_billing, carol_customer, invoice_email):
    """PRH-2026-000001 of 10 March 2026: 12 x 49.99 + 21% VAT = 725.85 RON, due 24 March."""
    return _issued(bill_billing, carol_customer)


def _send(callbacks, **kwargs):
    with callbacks(execute=True):
        return delivery.send_document(**kwargs)


def _code(failure: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {field: [error.code for error in errors] for field, errors in failure.value.error_dict.items()}


def _nothing_logged() -> tuple[int, int]:
    return (
        DocumentDelivery.objects.count(),
        AuditEvent.objects.filter(action__startswith="billing.document_email").count(),
    )


# --- the email ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "total", "due"),
    [
        ("ro", "Factură", "725,85\xa0RON", "24 mar. 2026"),
        ("en", "Invoice", "725.85\xa0RON", "24 Mar 2026"),
        ("bg", "Фактура", "725,85\xa0RON", "24.03.2026\u202fг."),  # noqa: RUF001
    ],
)
def test_an_issued_invoice_is_emailed_with_its_pdf_in_the_customers_language(
    billing_ready,
    frozen_now,
    bill_billing,
    alice_admin,
    carol_customer,
    invoice_email,
    mailoutbox,
    django_capture_on_commit_callbacks,
    language,
    title,
    total,
    due,
):
    change_tax_profile(actor=alice_admin, customer=carol_customer, document_language=language)
    invoice = _issued(bill_billing, carol_customer)

    sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [INVOICE_EMAIL]
    assert message.subject == sent.subject
    # The words around the number follow the catalogue; the title is translated already.
    assert message.subject.startswith(f"{title} PRH-2026-000001 ")
    assert message.subject.endswith(" PRAHO Hosting SRL")
    assert message.extra_headers["Content-Language"] == language
    assert total in message.body
    assert due in message.body
    assert "PRH-2026-000001" in message.body
    assert "RO49 AAAA 1B31 0075 9384 0000" in message.body
    assert "Banca Exemplu" in message.body
    assert message.body.rstrip().endswith("PRAHO Hosting SRL")
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("PRH-2026-000001.pdf", "application/pdf")
    assert content.startswith(PDF_MAGIC)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.sent_at, sent.detail, sent.requested_by) == (
        DeliveryStatus.SENT,
        1,
        NOW,
        "",
        bill_billing,
    )


def _amount_lines(body: str) -> list[str]:
    labels = ("Total:", "Already paid:", "Credited:", "Amount due:", "Due date:", "Nothing is due")
    return [line for line in body.splitlines() if line.startswith(labels)]


def test_a_partly_paid_invoice_is_emailed_with_the_amount_still_due(
    billing_ready,
    frozen_now,
    bill_billing,
    carol_customer,
    alice_admin,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    change_tax_profile(
        actor=alice_admin, customer=carol_customer, document_language="en", invoice_email=INVOICE_EMAIL
    )
    invoice = _issued(bill_billing, carol_customer)
    record_payment(
        actor=bill_billing,
        invoice=invoice,
        amount=D("300.00"),
        currency="RON",
        method="bank_transfer",
        reference="OP 7",
        received_on=dt.date(2026, 3, 9),
    )

    _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    body = mailoutbox[0].body
    assert _amount_lines(body) == [
        "Total: 725.85\xa0RON",
        "Already paid: 300.00\xa0RON",
        "Amount due: 425.85\xa0RON",
        "Due date: 24 Mar 2026",
    ]
    assert "quote the payment reference" in body
    # The customer area's page of the invoice, where it is paid by card or its transfer details shown.
    assert (
        f"Pay online, by card or by transfer: http://127.0.0.1:8700/app/billing/documents/{invoice.pk}/"
        in body
    )


def test_a_paid_invoice_is_emailed_saying_nothing_is_due_and_without_payment_details(
    billing_ready,
    frozen_now,
    bill_billing,
    carol_customer,
    alice_admin,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    change_tax_profile(
        actor=alice_admin, customer=carol_customer, document_language="en", invoice_email=INVOICE_EMAIL
    )
    invoice = _issued(bill_billing, carol_customer)
    record_payment(
        actor=bill_billing,
        invoice=invoice,
        amount=D("725.85"),
        currency="RON",
        method="bank_transfer",
        reference="OP 8",
        received_on=dt.date(2026, 3, 9),
    )

    _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    body = mailoutbox[0].body
    assert _amount_lines(body) == [
        "Total: 725.85\xa0RON",
        "Already paid: 725.85\xa0RON",
        "Nothing is due: the invoice is settled.",
    ]
    assert "payment reference" not in body
    assert "RO49 AAAA" not in body
    assert "Pay online" not in body


def test_the_request_and_the_outcome_are_audited(invoice, bill_billing, django_capture_on_commit_callbacks):
    sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    requested = AuditEvent.objects.get(action="billing.document_email_requested")
    emailed = AuditEvent.objects.get(action="billing.document_emailed")
    assert (requested.actor, requested.object_type, requested.object_id) == (
        bill_billing,
        "billing.document",
        str(invoice.pk),
    )
    assert requested.data == {"delivery": sent.pk, "recipient": INVOICE_EMAIL, "number": "PRH-2026-000001"}
    assert (emailed.actor, emailed.object_id) == (None, str(invoice.pk))
    assert emailed.data == {"delivery": sent.pk, "recipient": INVOICE_EMAIL, "attempts": 1, "detail": ""}


def test_without_an_invoice_email_the_customer_email_is_used(
    billing_ready,
    frozen_now,
    bill_billing,
    alice_admin,
    carol_customer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    update_customer(actor=alice_admin, customer=carol_customer, email="office@carol.test")
    invoice = _issued(bill_billing, carol_customer)

    sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    assert sent.recipient == "office@carol.test"
    assert mailoutbox[0].to == ["office@carol.test"]


def test_an_address_given_by_staff_wins(
    invoice, bill_billing, mailoutbox, django_capture_on_commit_callbacks
):
    sent = _send(
        django_capture_on_commit_callbacks, actor=bill_billing, document=invoice, recipient=" cfo@carol.test "
    )

    assert sent.recipient == "cfo@carol.test"
    assert mailoutbox[0].to == ["cfo@carol.test"]


def test_a_credit_note_names_the_invoice_it_corrects_and_asks_for_no_payment(
    invoice, bill_billing, mailoutbox, django_capture_on_commit_callbacks
):
    note = credit_note(actor=bill_billing, invoice=invoice)

    _send(django_capture_on_commit_callbacks, actor=bill_billing, document=note)

    message = mailoutbox[0]
    assert message.subject.startswith("Factură de stornare PRC-2026-000001 ")
    assert "PRC-2026-000001" in message.body
    assert "PRH-2026-000001" in message.body
    assert "10 mar. 2026" in message.body
    assert "725,85\xa0RON" in message.body
    assert "RO49 AAAA" not in message.body
    assert message.attachments[0][0] == "PRC-2026-000001.pdf"


def test_issued_and_converted_proformas_are_emailed(
    billing_ready,
    frozen_now,
    bill_billing,
    carol_customer,
    invoice_email,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    proforma = _issued(bill_billing, carol_customer, "proforma")
    _send(django_capture_on_commit_callbacks, actor=bill_billing, document=proforma)
    convert_proforma(actor=bill_billing, proforma=proforma)
    _send(django_capture_on_commit_callbacks, actor=bill_billing, document=proforma)

    assert [m.subject.split(" ")[:2] for m in mailoutbox] == [["Proformă", "PRF-2026-000001"]] * 2
    assert "PRF-2026-000001" in mailoutbox[0].body
    assert "25 mar. 2026" in mailoutbox[0].body  # valid until: issued + 15 days
    assert [m.attachments[0][0] for m in mailoutbox] == ["PRF-2026-000001.pdf"] * 2


def test_a_number_with_a_slash_makes_a_safe_file_name(invoice):
    invoice.number = "PRH2026/00012"  # not saved: only the name is computed

    assert delivery.attachment_filename(invoice) == "PRH2026-00012.pdf"


# --- refusals ----------------------------------------------------------------------------


def test_a_draft_invoice_is_refused_and_nothing_is_logged(
    billing_ready,
    frozen_now,
    bill_billing,
    carol_customer,
    invoice_email,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    draft = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as failure:
        delivery.send_document(actor=bill_billing, document=draft)

    assert _code(failure) == {"document": ["draft"]}
    assert _nothing_logged() == (0, 0)
    assert mailoutbox == []


def test_a_draft_credit_note_is_refused(invoice, bill_billing):
    draft = Document.objects.create(
        document_type="credit_note",
        customer=invoice.customer,
        currency="RON",
        issue_date=invoice.issue_date,
        due_date=invoice.issue_date,
        credited_document=invoice,
    )

    with pytest.raises(ValidationError) as failure:
        delivery.send_document(actor=bill_billing, document=draft)

    assert _code(failure) == {"document": ["draft"]}


def test_draft_and_cancelled_proformas_are_refused(
    billing_ready, frozen_now, bill_billing, carol_customer, invoice_email
):
    draft = create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING]
    )
    cancelled = cancel_proforma(
        actor=bill_billing, proforma=_issued(bill_billing, carol_customer, "proforma")
    )

    with pytest.raises(ValidationError) as draft_failure:
        delivery.send_document(actor=bill_billing, document=draft)
    with pytest.raises(ValidationError) as cancelled_failure:
        delivery.send_document(actor=bill_billing, document=cancelled)

    assert (_code(draft_failure), _code(cancelled_failure)) == (
        {"document": ["draft"]},
        {"document": ["cancelled"]},
    )
    assert _nothing_logged() == (0, 0)


def test_a_customer_without_any_address_is_refused(billing_ready, frozen_now, bill_billing, carol_customer):
    invoice = _issued(bill_billing, carol_customer)  # carol's company has no email and no invoice email

    with pytest.raises(ValidationError) as failure:
        delivery.send_document(actor=bill_billing, document=invoice)

    assert _code(failure) == {"recipient": ["no_recipient"]}
    assert failure.value.message_dict["recipient"] == [
        "Carol Hosting SRL has no invoice email and no email address; enter the address to send to."
    ]
    assert _nothing_logged() == (0, 0)


def test_an_invalid_address_given_by_staff_is_refused(invoice, bill_billing):
    with pytest.raises(ValidationError) as failure:
        delivery.send_document(actor=bill_billing, document=invoice, recipient="cfo@@carol")

    assert _code(failure) == {"recipient": ["invalid"]}
    assert _nothing_logged() == (0, 0)


def test_a_rolled_back_request_sends_nothing(
    invoice, bill_billing, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        delivery.send_document(actor=bill_billing, document=invoice)
        raise RuntimeError("the caller failed after requesting the email")

    assert callbacks == []
    assert mailoutbox == []
    assert _nothing_logged() == (0, 0)


# --- at most once ------------------------------------------------------------------------


def test_running_the_task_again_sends_nothing_more(
    invoice, bill_billing, mailoutbox, django_capture_on_commit_callbacks
):
    sent = _send(django_capture_on_commit_callbacks, actor=bill_billing, document=invoice)

    again = email_document.delay(sent.pk).get()
    delivery.deliver(sent.pk)

    assert again == "sent"
    assert len(mailoutbox) == 1
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (DeliveryStatus.SENT, 1)
    assert AuditEvent.objects.filter(action="billing.document_emailed").count() == 1


def test_deliveries_the_broker_lost_are_sent_late_and_old_ones_given_up(
    invoice, bill_billing, mailoutbox, django_capture_on_commit_callbacks
):
    # The request committed but its task never ran (callbacks not executed: broker down).
    with django_capture_on_commit_callbacks(execute=False):
        lost = delivery.send_document(actor=bill_billing, document=invoice)
    with django_capture_on_commit_callbacks(execute=False):
        ancient = delivery.send_document(actor=bill_billing, document=invoice)
    DocumentDelivery.objects.filter(pk=ancient.pk).update(created_at=NOW - dt.timedelta(days=2))

    assert delivery.requeue_stuck(now=NOW + dt.timedelta(minutes=10)) == 0  # may still be retrying
    assert delivery.requeue_stuck(now=NOW + dt.timedelta(minutes=31)) == 1
    assert delivery.requeue_stuck(now=NOW + dt.timedelta(minutes=32)) == 0  # sent now: nothing left

    lost.refresh_from_db()
    ancient.refresh_from_db()
    assert lost.status == DeliveryStatus.SENT
    assert len(mailoutbox) == 1
    assert ancient.status == DeliveryStatus.FAILED
    assert "Not sent within a day" in ancient.detail
    assert (
        AuditEvent.objects.filter(action="billing.document_email_failed", object_id=str(invoice.pk)).count()
        == 1
    )
