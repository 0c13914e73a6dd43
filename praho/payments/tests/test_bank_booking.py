"""Booking bank transfers: confirming a proposal, splitting one transfer across documents of one
customer, booking it as credit, another currency at BNR's rate, ignoring one; each once, audited,
and bad choices refused naming the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.models import ExchangeRate, Payment
from praho.core.validation import fiscal_today
from praho.payments.models import BankAllocation, BankTransaction, TransactionStatus
from praho.payments.services.bank_booking import Part, book, confirm, ignore
from praho.payments.services.bank_import import import_statement
from praho.payments.tests.bank_steps import issued, statement

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def invoices(billing_ready, bill_billing, carol_customer):
    return [issued(bill_billing, carol_customer, "invoice") for _ in range(2)]  # 121.00 RON each


def transfer(actor, amount, remittance="", currency="RON", **entry):
    data = statement(
        {"amount": amount, "remittance": remittance, "reference": "R"} | entry, currency=currency
    )
    import_statement(actor=actor, data=data)  # auto-booking runs on commit: not in these tests
    return BankTransaction.objects.get()


def test_confirming_a_part_payment(bill_billing, invoices):
    tx = transfer(bill_billing, "100.00", invoices[0].number)
    confirm(actor=bill_billing, transaction_id=tx.pk)
    tx.refresh_from_db()
    assert (tx.status, tx.booked_by, tx.customer) == (
        TransactionStatus.BOOKED,
        bill_billing,
        invoices[0].customer,
    )
    assert ledger_queries.document_outstanding(invoices[0]) == D("21.00")
    event = AuditEvent.objects.get(action="payments.bank_transaction_booked")
    assert event.data["parts"][0]["amount"] == "100.00"
    with pytest.raises(ValidationError) as again:
        confirm(actor=bill_billing, transaction_id=tx.pk)
    assert again.value.message_dict == {"transaction": ["This transfer is booked already."]}
    assert Payment.objects.count() == 1


def test_one_transfer_split_across_two_invoices_the_rest_credit(bill_billing, invoices, carol_customer):
    tx = transfer(bill_billing, "300.00")
    book(
        actor=bill_billing,
        transaction_id=tx.pk,
        parts=[Part(invoices[0].pk, D("121.00")), Part(invoices[1].pk, D("121.00"))],
    )
    assert [ledger_queries.document_outstanding(doc) for doc in invoices] == [D("0.00"), D("0.00")]
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("58.00")
    assert sorted((a.document_id or 0, a.amount) for a in BankAllocation.objects.all()) == [
        (0, D("58.00")),
        (invoices[0].pk, D("121.00")),
        (invoices[1].pk, D("121.00")),
    ]


def test_booked_as_credit(bill_billing, billing_ready, carol_customer):
    tx = transfer(bill_billing, "50.00")
    book(actor=bill_billing, transaction_id=tx.pk, parts=[], customer=carol_customer)
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("50.00")
    assert Payment.objects.get().document is None


def test_a_euro_transfer_pays_a_lei_invoice_at_bnrs_rate(bill_billing, invoices):
    ExchangeRate.objects.create(currency="EUR", date=fiscal_today(), rate=D("5.0000"), source="bnr")
    tx = transfer(bill_billing, "24.20", invoices[0].number, currency="EUR")
    confirm(actor=bill_billing, transaction_id=tx.pk)
    allocation = BankAllocation.objects.get()
    assert (allocation.amount, allocation.currency, allocation.rate) == (D("24.20"), "EUR", D("5.00000000"))
    assert (allocation.payment.amount, allocation.payment.currency) == (D("121.00"), "RON")
    assert ledger_queries.document_outstanding(invoices[0]) == D("0.00")


def test_without_a_rate_the_booking_is_refused_and_nothing_saved(bill_billing, invoices):
    tx = transfer(bill_billing, "24.20", invoices[0].number, currency="EUR")
    with pytest.raises(ValidationError) as refused:
        confirm(actor=bill_billing, transaction_id=tx.pk)
    assert refused.value.message_dict == {
        "parts.0.amount": [f"There is no BNR rate for EUR on or before {fiscal_today()}."]
    }
    assert not Payment.objects.exists()
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.PROPOSED


@pytest.mark.parametrize(
    ("parts", "field", "message"),
    [
        (
            lambda inv: [Part(inv[0].pk, D("200.00")), Part(inv[1].pk, D("200.00"))],
            "parts",
            "The parts add up to 400.00 RON, more than the transfer's 300.00.",
        ),
        (
            lambda inv: [Part(inv[0].pk, D("1.001"))],
            "parts.0.amount",
            "Enter an amount greater than zero, in cents.",
        ),
        (
            lambda inv: [Part(inv[0].pk, D("0"))],
            "parts.0.amount",
            "Enter an amount greater than zero, in cents.",
        ),
        (
            lambda inv: [Part(inv[0].pk, D("1")), Part(inv[0].pk, D("1"))],
            "parts",
            "Each document may be chosen once.",
        ),
        (lambda inv: [Part(999999, D("1"))], "parts.0.document", "Choose an issued proforma or invoice."),
        (lambda inv: [], "customer", "Choose the customer whose credit the transfer becomes."),
    ],
)
def test_bad_choices_are_refused_naming_the_field(bill_billing, invoices, parts, field, message):
    tx = transfer(bill_billing, "300.00")
    with pytest.raises(ValidationError) as refused:
        book(actor=bill_billing, transaction_id=tx.pk, parts=parts(invoices))
    assert refused.value.message_dict == {field: [message]}
    assert not Payment.objects.exists()


def test_documents_of_two_customers_are_refused(bill_billing, invoices, dave_customer):
    other = issued(bill_billing, dave_customer, "invoice")
    tx = transfer(bill_billing, "300.00")
    with pytest.raises(ValidationError) as refused:
        book(
            actor=bill_billing,
            transaction_id=tx.pk,
            parts=[Part(invoices[0].pk, D("1")), Part(other.pk, D("1"))],
        )
    assert refused.value.message_dict == {
        "parts": ["A transfer is split across documents of one customer only."]
    }


def test_ignoring_a_transfer(bill_billing, billing_ready):
    tx = transfer(bill_billing, "3.14", "Dobanda")
    ignore(actor=bill_billing, transaction_id=tx.pk, note="Bank interest")
    tx.refresh_from_db()
    assert (tx.status, tx.note) == (TransactionStatus.IGNORED, "Bank interest")
    assert AuditEvent.objects.filter(action="payments.bank_transaction_ignored").exists()
