"""Importing bank statements: credit transfers stored once (the same file, or an overlapping one,
adds nothing twice), matched to the open document they pay with a confidence, exact matches
booked by themselves after the import; malformed files refused naming the problem."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.billing.models import DocumentStatus, ExchangeRate, Payment
from praho.core.validation import fiscal_today
from praho.payments.models import BankStatement, BankTransaction, MatchRule, TransactionStatus
from praho.payments.services.bank_import import import_statement
from praho.payments.tests.bank_steps import issued, spaced, statement

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(billing_ready, bill_billing, carol_customer):
    return issued(bill_billing, carol_customer, "invoice")  # 121.00 RON


def upload(actor, data, capture):
    with capture(execute=True):
        return import_statement(actor=actor, data=data, filename="extras.xml")


def test_an_exact_match_is_booked_by_itself(bill_billing, proforma, django_capture_on_commit_callbacks):
    data = statement(
        {"amount": "121.00", "remittance": f"Plata {spaced(proforma.number)}", "reference": "R1"}
    )
    imported = upload(bill_billing, data, django_capture_on_commit_callbacks)

    assert imported.created
    shown = imported.statement
    assert (shown.format, shown.transactions, shown.matched, shown.unmatched) == ("camt.053.001.08", 1, 1, 0)
    tx = BankTransaction.objects.get()
    assert (tx.status, tx.confidence, tx.rule, tx.customer) == (
        TransactionStatus.BOOKED,
        100,
        MatchRule.NUMBER,
        proforma.customer,
    )
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.external_id) == (
        D("121.00"),
        "bank_transfer",
        f"bank:{tx.pk}:0",
    )
    proforma.refresh_from_db()
    assert proforma.status == DocumentStatus.CONVERTED
    assert AuditEvent.objects.filter(action="payments.bank_transaction_booked").count() == 1


def test_the_same_file_again_adds_nothing(bill_billing, proforma, django_capture_on_commit_callbacks):
    data = statement({"amount": "121.00", "remittance": proforma.number, "reference": "R1"})
    first = upload(bill_billing, data, django_capture_on_commit_callbacks)
    again = upload(bill_billing, data, django_capture_on_commit_callbacks)
    assert (again.created, again.statement) == (False, first.statement)
    assert (BankStatement.objects.count(), BankTransaction.objects.count(), Payment.objects.count()) == (
        1,
        1,
        1,
    )


def test_an_overlapping_statement_adds_only_what_is_new(
    bill_billing, billing_ready, django_capture_on_commit_callbacks
):
    a, b, c = ({"amount": "10.00", "reference": ref} for ref in ("A", "B", "C"))
    upload(bill_billing, statement(a, b), django_capture_on_commit_callbacks)
    second = upload(bill_billing, statement(b, c, statement_id="STMT-2"), django_capture_on_commit_callbacks)
    assert second.created
    assert (second.statement.transactions, BankTransaction.objects.count()) == (1, 3)


def test_two_identical_transfers_in_one_file_are_two(
    bill_billing, billing_ready, django_capture_on_commit_callbacks
):
    same = {"amount": "10.00", "remittance": "chirie"}
    imported = upload(bill_billing, statement(same, same), django_capture_on_commit_callbacks)
    assert imported.statement.transactions == 2


def test_debits_and_reversals_are_not_payments(
    bill_billing, billing_ready, django_capture_on_commit_callbacks
):
    data = statement(
        {"amount": "5.00", "credit": False, "reference": "D"},
        {"amount": "7.00", "reversal": True, "reference": "R"},
    )
    imported = upload(bill_billing, data, django_capture_on_commit_callbacks)
    assert (imported.statement.entries, imported.statement.transactions) == (2, 0)


def test_the_number_with_another_amount_is_proposed_for_review(
    bill_billing, proforma, django_capture_on_commit_callbacks
):
    upload(
        bill_billing,
        statement({"amount": "100.00", "remittance": proforma.number, "reference": "R"}),
        django_capture_on_commit_callbacks,
    )
    tx = BankTransaction.objects.get()
    assert (tx.status, tx.document_id, tx.confidence, tx.rule) == (
        TransactionStatus.PROPOSED,
        proforma.pk,
        80,
        MatchRule.NUMBER_OTHER_AMOUNT,
    )
    assert not Payment.objects.exists()


def test_the_payers_name_and_the_amount_propose_the_document(
    bill_billing, invoice, django_capture_on_commit_callbacks
):
    payer = f"S.C. {invoice.customer.name.upper()} S.R.L."
    upload(
        bill_billing,
        statement({"amount": "121.00", "payer_name": payer, "reference": "R"}),
        django_capture_on_commit_callbacks,
    )
    tx = BankTransaction.objects.get()
    assert (tx.status, tx.document_id, tx.confidence, tx.rule) == (
        TransactionStatus.PROPOSED,
        invoice.pk,
        60,
        MatchRule.NAME_AMOUNT,
    )


def test_a_transfer_in_euro_for_a_lei_proforma_uses_bnrs_rate(
    bill_billing, proforma, django_capture_on_commit_callbacks
):
    ExchangeRate.objects.create(currency="EUR", date=fiscal_today(), rate=D("5.0000"), source="bnr")
    upload(
        bill_billing,
        statement({"amount": "24.20", "remittance": proforma.number, "reference": "R"}, currency="EUR"),
        django_capture_on_commit_callbacks,
    )
    tx = BankTransaction.objects.get()
    assert (tx.currency, tx.confidence, tx.rule) == ("EUR", 90, MatchRule.NUMBER_OTHER_CURRENCY)


def test_nothing_found_is_unmatched(bill_billing, proforma, django_capture_on_commit_callbacks):
    imported = upload(
        bill_billing,
        statement({"amount": "33.00", "remittance": "x", "reference": "R"}),
        django_capture_on_commit_callbacks,
    )
    assert (imported.statement.matched, imported.statement.unmatched) == (0, 1)
    assert BankTransaction.objects.get().status == TransactionStatus.UNMATCHED


def test_a_file_that_is_not_a_statement_is_refused_naming_the_problem(bill_billing, billing_ready):
    with pytest.raises(ValidationError) as refused:
        import_statement(actor=bill_billing, data=b"<html>not a statement</html>", filename="x.html")
    assert refused.value.message_dict == {
        "file": ["The file is neither a CAMT.053 statement nor an MT940 one."]
    }
    assert not BankStatement.objects.exists()
