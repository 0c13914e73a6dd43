"""Refunds: paid out of the customer's credit first (what a credit note or an overpayment left),
reopening the refunded payment's invoice for the rest; never beyond the payment; idempotent by
the processor's id; audited; bad input refused naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.models import LedgerEntry, Refund, TransactionKind
from praho.billing.models.ledger import AppendOnlyError
from praho.billing.services.payments import record_payment
from praho.billing.services.refunds import record_refund, refundable
from praho.billing.tests.factories import issued_credit_note, issued_invoice

D = Decimal
pytestmark = pytest.mark.django_db


def card_payment(actor, invoice, amount="121.00", external_id="pi_1"):
    return record_payment(
        actor=actor,
        invoice=invoice,
        amount=D(amount),
        currency=invoice.currency,
        method="card",
        reference="Stripe",
        received_on=date(2026, 2, 10),
        external_id=external_id,
    )


def refund(actor, payment, amount, **overrides):
    values = {"reference": "Refund", "refunded_on": date(2026, 2, 12)} | overrides
    return record_refund(actor=actor, payment=payment, amount=D(amount), **values)


def entries(refund_row):
    """(account, debit - credit) of the refund's transaction."""
    found = LedgerEntry.objects.filter(
        transaction__kind=TransactionKind.REFUND_PAID, transaction__payment=refund_row.payment
    )
    return sorted((entry.account, entry.debit - entry.credit) for entry in found)


def test_a_refund_without_a_credit_note_reopens_the_invoice(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)  # 121.00 RON
    payment = card_payment(bill_billing, invoice)
    assert ledger_queries.document_outstanding(invoice) == D("0.00")

    made = refund(bill_billing, payment, "21.00")

    assert ledger_queries.document_outstanding(invoice) == D("21.00")
    amounts = ledger_queries.document_amounts(invoice)
    assert (amounts.invoiced, amounts.paid) == (D("121.00"), D("100.00"))
    invoice.refresh_from_db()
    assert (invoice.outstanding_amount, invoice.paid_amount) == (D("21.00"), D("100.00"))
    assert entries(made) == [("card_clearing", D("-21.00")), ("receivable", D("21.00"))]
    assert refundable(payment) == D("100.00")
    event = AuditEvent.objects.get(action="billing.refund_recorded")
    assert (event.actor, event.data["amount"], event.data["invoice_id"]) == (
        bill_billing,
        "21.00",
        invoice.pk,
    )


def test_after_a_credit_note_the_refund_comes_out_of_the_customers_credit(carol_customer, bill_billing):
    invoice = issued_invoice(carol_customer)
    payment = card_payment(bill_billing, invoice)
    issued_credit_note(invoice)  # the whole invoice: the 121.00 paid becomes credit

    made = refund(bill_billing, payment, "121.00")

    assert entries(made) == [("card_clearing", D("-121.00")), ("customer_credit", D("121.00"))]
    assert ledger_queries.document_outstanding(invoice) == D("0.00")
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("0.00")


def test_never_beyond_the_payment_and_idempotent_by_its_id(carol_customer, bill_billing):
    payment = card_payment(bill_billing, issued_invoice(carol_customer))
    first = refund(bill_billing, payment, "100.00", external_id="re_1")
    assert refund(bill_billing, payment, "100.00", external_id="re_1") == first
    with pytest.raises(ValidationError) as refused:
        refund(bill_billing, payment, "21.01")
    assert refused.value.message_dict == {"amount": ["Only 21.00 RON of this payment is left to refund."]}
    with pytest.raises(ValidationError) as reused:
        refund(bill_billing, payment, "1.00", external_id="re_1")
    assert reused.value.message_dict == {
        "external_id": ["Refund re_1 was already recorded with another payment or amount."]
    }
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "overrides", "field", "message"),
    [
        ("0.00", {}, "amount", "The amount must be greater than zero."),
        ("1.001", {}, "amount", "Enter an amount in cents, e.g. 12.50."),
        ("1.00", {"reference": "a\x07b"}, "reference", "Remove the control character U+0007."),
        ("1.00", {"reference": "r" * 141}, "reference", "Use at most 140 characters."),
        ("1.00", {"refunded_on": date(2999, 1, 1)}, "refunded_on", None),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    carol_customer, bill_billing, amount, overrides, field, message
):
    payment = card_payment(bill_billing, issued_invoice(carol_customer))
    with pytest.raises(ValidationError) as refused:
        refund(bill_billing, payment, amount, **overrides)
    assert list(refused.value.message_dict) == [field]
    if message:
        assert refused.value.message_dict[field] == [message]
    assert not Refund.objects.exists()


def test_refunds_are_append_only(carol_customer, bill_billing):
    made = refund(bill_billing, card_payment(bill_billing, issued_invoice(carol_customer)), "1.00")
    with pytest.raises(AppendOnlyError):
        made.save()
    with pytest.raises(AppendOnlyError):
        Refund.objects.all().delete()
