import datetime as dt
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.ledger_queries import Balance, PaymentStatus
from praho.billing.models import (
    Document,
    DocumentType,
    LedgerEntry,
    LedgerTransaction,
    Payment,
)
from praho.billing.models.ledger import AppendOnlyError
from praho.billing.services.payments import apply_customer_credit, record_payment
from praho.billing.tests.factories import issued_credit_note, issued_invoice

D = Decimal
pytestmark = pytest.mark.django_db

# Payments are received in the past; "today" is fixed where the date matters.
TODAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def pay(actor, invoice, amount=None, **overrides):
    values = {
        "actor": actor,
        "invoice": invoice,
        "amount": amount,
        "currency": invoice.currency,
        "method": "bank_transfer",
        "reference": "OP 123",
        "received_on": date(2026, 2, 10),
    } | overrides
    return record_payment(**values)


def ledger_rows():
    return (Payment.objects.count(), LedgerTransaction.objects.count(), LedgerEntry.objects.count())


# Recording payments


def test_a_partial_payment_leaves_the_rest_to_pay_and_is_audited(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)  # 121.00 RON

    payment = pay(bill_billing, invoice, D("21.00"))

    assert (
        payment.customer,
        payment.document,
        payment.amount,
        payment.currency,
        payment.method,
        payment.reference,
        payment.received_on,
        payment.recorded_by,
    ) == (
        carol_customer,
        invoice,
        D("21.00"),
        "RON",
        "bank_transfer",
        "OP 123",
        date(2026, 2, 10),
        bill_billing,
    )
    assert ledger_queries.document_outstanding(invoice) == D("100.00")
    assert ledger_queries.payment_status(invoice, date(2026, 2, 10)) == PaymentStatus.PARTIALLY_PAID
    event = AuditEvent.objects.get(action="billing.payment_recorded")
    assert (event.actor, event.object_type, event.object_id) == (
        bill_billing,
        "billing.payment",
        str(payment.pk),
    )
    assert event.data == {
        "invoice": invoice.number,
        "invoice_id": invoice.pk,
        "amount": "21.00",
        "currency": "RON",
        "method": "bank_transfer",
        "reference": "OP 123",
        "received_on": "2026-02-10",
        "external_id": "",
        "to_customer_credit": "0.00",
    }


def test_paying_the_rest_makes_the_invoice_paid(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)
    pay(bill_billing, invoice, D("21.00"), method="cash")

    pay(bill_billing, invoice, D("100.00"), method="card")

    assert ledger_queries.payment_status(invoice, date(2026, 6, 1)) == PaymentStatus.PAID
    assert ledger_queries.document_paid_amount(invoice) == D("121.00")
    assert ledger_queries.customer_balance(carol_customer, date(2026, 6, 1)) == {
        "RON": Balance(receivable=D("0.00"), credit=D("0.00"), overdue=D("0.00"))
    }


def test_an_overpayment_becomes_customer_credit(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)

    pay(bill_billing, invoice, D("150.00"))

    assert ledger_queries.payment_status(invoice, date(2026, 2, 10)) == PaymentStatus.PAID
    assert ledger_queries.customer_balance(carol_customer, date(2026, 2, 10)) == {
        "RON": Balance(receivable=D("0.00"), credit=D("29.00"), overdue=D("0.00"))
    }
    assert AuditEvent.objects.get(action="billing.payment_recorded").data["to_customer_credit"] == "29.00"


def test_a_payment_in_another_currency_than_the_invoice_is_refused_and_nothing_is_saved(
    carol_customer, bill_billing
):
    invoice = issued_invoice(carol_customer, currency="EUR")

    with pytest.raises(ValidationError) as refusal:
        pay(bill_billing, invoice, D("10.00"), currency="RON")

    assert refusal.value.message_dict == {
        "currency": ["The payment must be in the invoice's currency (EUR)."]
    }
    assert refusal.value.error_dict["currency"][0].code == "currency_mismatch"
    assert ledger_rows() == (0, 1, 3)  # the invoice's posting only
    assert AuditEvent.objects.filter(action="billing.payment_recorded").count() == 0


@pytest.mark.parametrize(
    ("field", "overrides", "code"),
    [
        ("amount", {"amount": D("0.00")}, "not_positive"),
        ("amount", {"amount": D("-5.00")}, "not_positive"),
        ("amount", {"amount": D("10.005")}, "decimals"),
        ("amount", {"amount": "ten"}, "invalid"),
        ("currency", {"currency": "GBP"}, "invalid_currency"),
        ("method", {"method": "cheque"}, "invalid_method"),
        ("reference", {"reference": "x" * 141}, "max_length"),
        ("received_on", {"received_on": date(2026, 3, 3)}, "future"),
    ],
)
def test_bad_payments_are_refused_by_field_and_nothing_is_saved(
    carol_customer, bill_billing, field, overrides, code
):
    invoice = issued_invoice(carol_customer)

    with time_machine.travel(TODAY, tick=False), pytest.raises(ValidationError) as refusal:
        pay(bill_billing, invoice, **({"amount": D("10.00")} | overrides))

    assert [(name, [e.code for e in errors]) for name, errors in refusal.value.error_dict.items()] == [
        (field, [code])
    ]
    assert ledger_rows() == (0, 1, 3)


def test_all_errors_are_reported_at_once(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)

    with pytest.raises(ValidationError) as refusal:
        pay(bill_billing, invoice, D("0"), currency="EUR", method="cheque")

    assert sorted(refusal.value.error_dict) == ["amount", "currency", "method"]


def test_a_float_amount_is_a_programming_error(carol_customer, bill_billing):
    with pytest.raises(TypeError):
        pay(bill_billing, issued_invoice(carol_customer), 10.0)


def test_a_payment_received_today_is_accepted(carol_customer, bill_billing):
    with time_machine.travel(TODAY, tick=False):
        payment = pay(bill_billing, issued_invoice(carol_customer), D("10.00"), received_on=date(2026, 3, 2))

    assert payment.received_on == date(2026, 3, 2)


def test_paying_a_draft_a_proforma_or_a_credit_note_is_refused(carol_customer, bill_billing, settings):
    settings.BILLING_CONVERT_PAID_PROFORMAS = False  # with it on, a proforma is converted (below)
    common = {
        "customer": carol_customer,
        "currency": "RON",
        "issue_date": date(2026, 2, 2),
        "due_date": date(2026, 2, 16),
    }
    draft = Document.objects.create(document_type=DocumentType.INVOICE, **common)
    proforma = Document.objects.create(document_type=DocumentType.PROFORMA, status="issued", **common)
    note = issued_credit_note(issued_invoice(carol_customer))

    codes = []
    for document in (draft, proforma, note):
        with pytest.raises(ValidationError) as refusal:
            pay(bill_billing, document, D("10.00"))
        codes.append(refusal.value.error_dict["invoice"][0].code)

    assert codes == ["not_issued", "convert_first", "not_invoice"]
    assert Payment.objects.count() == 0


# Gateways report the same payment more than once


def test_the_same_external_payment_is_recorded_once(carol_customer):
    invoice = issued_invoice(carol_customer)

    first = pay(None, invoice, D("121.00"), method="card", external_id="pi_3Qx")
    again = pay(None, invoice, D("121.00"), method="card", external_id="pi_3Qx")

    assert again == first
    assert first.recorded_by is None
    assert ledger_rows() == (1, 2, 5)
    assert AuditEvent.objects.filter(action="billing.payment_recorded").count() == 1


def test_an_external_id_reported_again_with_another_amount_is_refused(carol_customer):
    invoice = issued_invoice(carol_customer)
    pay(None, invoice, D("121.00"), method="card", external_id="pi_3Qx")

    with pytest.raises(ValidationError) as refusal:
        pay(None, invoice, D("120.00"), method="card", external_id="pi_3Qx")

    assert refusal.value.error_dict["external_id"][0].code == "external_id_reused"
    assert ledger_rows() == (1, 2, 5)


def test_payments_are_append_only(carol_customer, bill_billing):
    payment = pay(bill_billing, issued_invoice(carol_customer), D("10.00"))

    for attempt in (
        payment.save,
        payment.delete,
        lambda: Payment.objects.update(amount=D("1.00")),
        lambda: Payment.objects.all().delete(),
    ):
        with pytest.raises(AppendOnlyError):
            attempt()

    assert Payment.objects.get().amount == D("10.00")


# Customer credit


def test_staff_apply_as_much_credit_as_possible_by_default(carol_customer, bill_billing):
    pay(bill_billing, issued_invoice(carol_customer), D("150.00"))  # 29.00 credit
    invoice = issued_invoice(carol_customer)

    txn = apply_customer_credit(actor=bill_billing, customer=carol_customer, invoice=invoice)

    assert (txn.kind, txn.document, txn.created_by) == ("credit_applied", invoice, bill_billing)
    assert ledger_queries.document_outstanding(invoice) == D("92.00")
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("0.00")
    event = AuditEvent.objects.get(action="billing.credit_applied")
    assert (event.actor, event.object_type, event.object_id) == (
        bill_billing,
        "billing.document",
        str(invoice.pk),
    )
    assert event.data == {
        "customer_id": carol_customer.pk,
        "amount": "29.00",
        "currency": "RON",
        "automatic": False,
        "payment_id": None,
    }


def test_credit_beyond_what_the_invoice_owes_stays_credit(carol_customer, bill_billing):
    pay(bill_billing, issued_invoice(carol_customer), D("300.00"))  # 179.00 credit
    invoice = issued_invoice(carol_customer)

    apply_customer_credit(actor=bill_billing, customer=carol_customer, invoice=invoice)

    assert ledger_queries.payment_status(invoice, date(2026, 6, 1)) == PaymentStatus.PAID
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("58.00")


def test_staff_may_apply_a_chosen_amount(carol_customer, bill_billing):
    pay(bill_billing, issued_invoice(carol_customer), D("150.00"))
    invoice = issued_invoice(carol_customer)

    apply_customer_credit(actor=bill_billing, customer=carol_customer, invoice=invoice, amount=D("10.00"))

    assert ledger_queries.document_amounts(invoice).paid == D("10.00")
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("19.00")


def test_applying_credit_when_there_is_none_is_refused(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)

    with pytest.raises(ValidationError) as refusal:
        apply_customer_credit(actor=bill_billing, customer=carol_customer, invoice=invoice)

    assert refusal.value.message_dict == {"amount": ["The customer has no credit in RON."]}
    assert refusal.value.error_dict["amount"][0].code == "nothing_to_apply"
    assert AuditEvent.objects.filter(action="billing.credit_applied").count() == 0


def test_applying_credit_to_a_paid_invoice_is_refused(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)
    pay(bill_billing, invoice, D("150.00"))

    with pytest.raises(ValidationError) as refusal:
        apply_customer_credit(actor=bill_billing, customer=carol_customer, invoice=invoice)

    assert refusal.value.error_dict["amount"][0].code == "nothing_to_apply"


def test_applying_credit_to_another_customers_invoice_is_refused(carol_customer, dave_customer, bill_billing):
    pay(bill_billing, issued_invoice(carol_customer), D("150.00"))
    daves = issued_invoice(dave_customer)

    with pytest.raises(ValidationError) as refusal:
        apply_customer_credit(actor=bill_billing, customer=carol_customer, invoice=daves)

    assert refusal.value.error_dict["invoice"][0].code == "other_customer"
    assert ledger_queries.document_outstanding(daves) == D("121.00")
