"""billing.signals.invoices_paid: sent inside the paying transaction for invoices left owing
nothing after a payment or applied credit; never for a partial payment or a credit note alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from praho.billing.services.payments import apply_customer_credit, record_payment
from praho.billing.signals import invoices_paid
from praho.billing.tests.factories import issued_credit_note, issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls: list[tuple[list[int], bool]] = []

    def receiver(sender, document_ids, **kwargs):
        calls.append((document_ids, connection.in_atomic_block))

    invoices_paid.connect(receiver, dispatch_uid="test.heard")
    yield calls
    invoices_paid.disconnect(dispatch_uid="test.heard")


def pay(actor, invoice, amount):
    return record_payment(
        actor=actor,
        invoice=invoice,
        amount=amount,
        currency=invoice.currency,
        method="bank_transfer",
        reference="OP 1",
        received_on=date(2026, 2, 10),
    )


def test_only_the_payment_that_settles_the_invoice_is_heard(carol_customer, bill_billing, heard):
    invoice = issued_invoice(carol_customer)  # 121.00
    pay(bill_billing, invoice, Decimal("21.00"))
    assert heard == []
    pay(bill_billing, invoice, Decimal("100.00"))
    assert heard == [([invoice.pk], True)]


def test_credit_applied_is_heard_and_a_credit_note_alone_is_not(carol_customer, bill_billing, heard):
    overpaid = issued_invoice(carol_customer)
    pay(bill_billing, overpaid, Decimal("242.00"))
    heard.clear()
    credited = issued_invoice(carol_customer)
    issued_credit_note(credited)
    assert heard == []
    other = issued_invoice(carol_customer)
    apply_customer_credit(actor=bill_billing, customer=carol_customer, invoice=other)
    assert heard == [([other.pk], True)]
