from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from praho.billing import ledger_queries
from praho.billing.ledger_queries import Balance, DocumentAmounts, PaymentStatus
from praho.billing.models import (
    Document,
    DocumentType,
    LedgerEntry,
    LedgerTransaction,
    Payment,
)
from praho.billing.rules.postings import (
    PostingLine,
    UnbalancedTransactionError,
    check_balanced,
    split_against_outstanding,
)
from praho.billing.services import ledger
from praho.billing.tests.factories import issued_credit_note, issued_invoice

D = Decimal
pytestmark = pytest.mark.django_db


def entries(txn):
    """(account, customer?, invoice?, debit, credit) per entry, in the order posted."""
    return [
        (e.account, e.customer_id is not None, e.document_id, e.debit, e.credit)
        for e in txn.entries.order_by("id")
    ]


def pay(invoice, amount, method="bank_transfer", received_on=date(2026, 2, 10)):
    payment = Payment.objects.create(
        customer_id=invoice.customer_id,
        document=invoice,
        amount=amount,
        currency=invoice.currency,
        method=method,
        reference="OP 17",
        received_on=received_on,
    )
    return ledger.post_payment(payment)


# Invoices


def test_an_issued_invoice_debits_the_receivable_and_credits_revenue_and_vat(carol_customer):
    invoice = issued_invoice(
        carol_customer, lines=[(D("2"), D("50"), D("21")), (D("1"), D("9.99"), D("11"))], post=False
    )

    txn = ledger.post_invoice(invoice)

    assert (txn.kind, txn.currency, txn.occurred_on, txn.customer, txn.document) == (
        "invoice_issued",
        "RON",
        date(2026, 2, 2),
        carol_customer,
        invoice,
    )
    assert txn.idempotency_key == f"invoice_issued:{invoice.pk}"
    # 100.00 + 21.00 VAT, 9.99 + 1.10 VAT
    assert entries(txn) == [
        ("receivable", True, invoice.pk, D("132.09"), D("0.00")),
        ("revenue", False, None, D("0.00"), D("109.99")),
        ("vat_payable", False, None, D("0.00"), D("22.10")),
    ]


def test_posting_an_invoice_twice_changes_nothing(carol_customer):
    invoice = issued_invoice(carol_customer)

    again = ledger.post_invoice(invoice)

    assert again == LedgerTransaction.objects.get()
    assert LedgerEntry.objects.count() == 3


def test_an_invoice_without_vat_posts_no_vat_entry(carol_customer):
    invoice = issued_invoice(carol_customer, lines=[(D("1"), D("80"), D("0"))])

    assert entries(invoice.ledger_transactions.get()) == [
        ("receivable", True, invoice.pk, D("80.00"), D("0.00")),
        ("revenue", False, None, D("0.00"), D("80.00")),
    ]


def test_a_draft_or_a_proforma_is_not_posted(carol_customer):
    draft = Document.objects.create(
        document_type=DocumentType.INVOICE,
        customer=carol_customer,
        currency="RON",
        issue_date=date(2026, 2, 2),
        due_date=date(2026, 2, 16),
        total=D("121.00"),
        net_total=D("100.00"),
        vat_total=D("21.00"),
    )
    proforma = Document.objects.create(
        document_type=DocumentType.PROFORMA,
        status="issued",
        customer=carol_customer,
        currency="RON",
        issue_date=date(2026, 2, 2),
        due_date=date(2026, 2, 16),
    )

    with pytest.raises(ValidationError) as not_issued:
        ledger.post_invoice(draft)
    with pytest.raises(ValidationError) as not_an_invoice:
        ledger.post_invoice(proforma)

    assert not_issued.value.error_dict["document"][0].code == "not_issued"
    assert not_an_invoice.value.error_dict["document"][0].code == "not_postable"
    assert LedgerTransaction.objects.count() == 0


def test_totals_that_do_not_add_up_are_refused_and_nothing_is_posted(carol_customer):
    invoice = issued_invoice(carol_customer, post=False)
    invoice.total = D("121.01")  # in memory only: the stored invoice is frozen

    with pytest.raises(UnbalancedTransactionError):
        ledger.post_invoice(invoice)

    assert (LedgerTransaction.objects.count(), LedgerEntry.objects.count()) == (0, 0)


# Balanced postings (pure)


def test_balanced_postings_pass_and_unbalanced_or_sub_cent_ones_are_refused():
    check_balanced([PostingLine("bank", D("10.00")), PostingLine("customer_credit", D("-10.00"), 1)])

    with pytest.raises(UnbalancedTransactionError):
        check_balanced([PostingLine("bank", D("10.00")), PostingLine("customer_credit", D("-9.99"), 1)])
    with pytest.raises(UnbalancedTransactionError):
        check_balanced([PostingLine("bank", D("0.005")), PostingLine("customer_credit", D("-0.005"), 1)])


def test_money_meeting_an_invoice_settles_it_first_and_the_rest_is_credit():
    assert split_against_outstanding(D("50.00"), D("121.00")) == (D("50.00"), D("0.00"))
    assert split_against_outstanding(D("150.00"), D("121.00")) == (D("121.00"), D("29.00"))
    assert split_against_outstanding(D("20.00"), D("0.00")) == (D("0.00"), D("20.00"))


# Credit notes


def test_a_credit_note_reverses_revenue_and_vat_and_reduces_what_the_invoice_owes(carol_customer):
    invoice = issued_invoice(carol_customer, lines=[(D("4"), D("25"), D("21"))])  # 121.00

    note = issued_credit_note(invoice, quantities={1: D("1")})  # 25.00 + 5.25

    assert note.total == D("30.25")
    txn = note.ledger_transactions.get()
    assert (txn.kind, txn.document, txn.idempotency_key) == (
        "credit_note_issued",
        note,
        f"credit_note_issued:{note.pk}",
    )
    assert entries(txn) == [
        ("revenue", False, None, D("25.00"), D("0.00")),
        ("vat_payable", False, None, D("5.25"), D("0.00")),
        ("receivable", True, invoice.pk, D("0.00"), D("30.25")),
    ]
    assert ledger_queries.document_amounts(invoice) == DocumentAmounts(
        invoiced=D("121.00"), credited=D("30.25"), paid=D("0.00"), outstanding=D("90.75")
    )


def test_crediting_a_paid_invoice_gives_the_customer_credit(carol_customer):
    invoice = issued_invoice(carol_customer)
    pay(invoice, D("100.00"))

    note = issued_credit_note(invoice)  # 121.00, of which 21.00 was still owed

    assert entries(note.ledger_transactions.get()) == [
        ("revenue", False, None, D("100.00"), D("0.00")),
        ("vat_payable", False, None, D("21.00"), D("0.00")),
        ("receivable", True, invoice.pk, D("0.00"), D("21.00")),
        ("customer_credit", True, None, D("0.00"), D("100.00")),
    ]
    assert ledger_queries.document_outstanding(invoice) == D("0.00")
    assert ledger_queries.customer_balance(carol_customer, date(2026, 3, 1)) == {
        "RON": Balance(receivable=D("0.00"), credit=D("100.00"), overdue=D("0.00"))
    }


def test_a_credit_note_with_a_negative_total_is_refused(carol_customer):
    invoice = issued_invoice(carol_customer)
    note = issued_credit_note(invoice, post=False)
    note.total, note.net_total, note.vat_total = -note.total, -note.net_total, -note.vat_total

    with pytest.raises(UnbalancedTransactionError):
        ledger.post_credit_note(note)

    assert LedgerTransaction.objects.filter(kind="credit_note_issued").count() == 0


def test_a_credit_note_for_an_invoice_not_in_the_ledger_is_refused(carol_customer):
    invoice = issued_invoice(carol_customer, post=False)
    note = issued_credit_note(invoice, post=False)

    with pytest.raises(ValidationError) as refusal:
        ledger.post_credit_note(note)

    assert refusal.value.error_dict["invoice"][0].code == "not_posted"
    assert LedgerTransaction.objects.count() == 0


def test_posting_a_credit_note_twice_changes_nothing(carol_customer):
    note = issued_credit_note(issued_invoice(carol_customer))

    assert ledger.post_credit_note(note) == note.ledger_transactions.get()
    assert LedgerEntry.objects.count() == 6


# Payments


@pytest.mark.parametrize(
    ("method", "account"), [("bank_transfer", "bank"), ("cash", "cash"), ("card", "card_clearing")]
)
def test_a_payment_debits_the_account_of_its_method(carol_customer, method, account):
    invoice = issued_invoice(carol_customer)

    txn = pay(invoice, D("50.00"), method=method)

    assert (txn.kind, txn.occurred_on, txn.document, txn.memo) == (
        "payment_received",
        date(2026, 2, 10),
        invoice,
        "OP 17",
    )
    assert entries(txn) == [
        (account, False, None, D("50.00"), D("0.00")),
        ("receivable", True, invoice.pk, D("0.00"), D("50.00")),
    ]


def test_a_payment_beyond_what_the_invoice_owes_becomes_customer_credit(carol_customer):
    invoice = issued_invoice(carol_customer)
    pay(invoice, D("100.00"))

    txn = pay(invoice, D("50.00"))

    assert entries(txn) == [
        ("bank", False, None, D("50.00"), D("0.00")),
        ("receivable", True, invoice.pk, D("0.00"), D("21.00")),
        ("customer_credit", True, None, D("0.00"), D("29.00")),
    ]
    assert ledger_queries.document_amounts(invoice) == DocumentAmounts(
        invoiced=D("121.00"), credited=D("0.00"), paid=D("121.00"), outstanding=D("0.00")
    )
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("29.00")


def test_a_payment_not_matched_to_an_invoice_is_all_customer_credit(carol_customer):
    payment = Payment.objects.create(
        customer=carol_customer,
        amount=D("40.00"),
        currency="EUR",
        method="bank_transfer",
        received_on=date(2026, 2, 10),
    )

    assert entries(ledger.post_payment(payment)) == [
        ("bank", False, None, D("40.00"), D("0.00")),
        ("customer_credit", True, None, D("0.00"), D("40.00")),
    ]


def test_posting_a_payment_twice_changes_nothing(carol_customer):
    invoice = issued_invoice(carol_customer)
    first = pay(invoice, D("50.00"))

    assert ledger.post_payment(first.payment) == first
    assert LedgerEntry.objects.filter(transaction__kind="payment_received").count() == 2


# Credit applied


def test_applying_credit_moves_it_to_the_invoice(carol_customer, bill_billing):
    paid = issued_invoice(carol_customer)
    pay(paid, D("150.00"))  # 29.00 credit
    invoice = issued_invoice(carol_customer)

    txn = ledger.apply_credit(actor=bill_billing, customer=carol_customer, invoice=invoice, amount=D("20.00"))

    assert (txn.kind, txn.document, txn.created_by) == ("credit_applied", invoice, bill_billing)
    assert entries(txn) == [
        ("customer_credit", True, None, D("20.00"), D("0.00")),
        ("receivable", True, invoice.pk, D("0.00"), D("20.00")),
    ]
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("9.00")
    assert ledger_queries.document_paid_amount(invoice) == D("20.00")


@pytest.mark.parametrize(
    ("amount", "code"),
    [(D("29.01"), "exceeds_credit"), (D("0.00"), "not_positive"), (D("1.001"), "decimals")],
)
def test_applying_credit_beyond_what_there_is_is_refused(carol_customer, bill_billing, amount, code):
    pay(issued_invoice(carol_customer), D("150.00"))  # 29.00 credit
    invoice = issued_invoice(carol_customer)

    with pytest.raises(ValidationError) as refusal:
        ledger.apply_credit(actor=bill_billing, customer=carol_customer, invoice=invoice, amount=amount)

    assert refusal.value.error_dict["amount"][0].code == code
    assert LedgerTransaction.objects.filter(kind="credit_applied").count() == 0


def test_applying_more_credit_than_the_invoice_owes_is_refused(carol_customer, bill_billing):
    pay(issued_invoice(carol_customer), D("300.00"))  # 179.00 credit
    invoice = issued_invoice(carol_customer)

    with pytest.raises(ValidationError) as refusal:
        ledger.apply_credit(actor=bill_billing, customer=carol_customer, invoice=invoice, amount=D("121.01"))

    assert refusal.value.error_dict["amount"][0].code == "exceeds_outstanding"


def test_credit_in_one_currency_does_not_pay_an_invoice_in_another(carol_customer, bill_billing):
    pay(issued_invoice(carol_customer, currency="RON"), D("150.00"))
    invoice = issued_invoice(carol_customer, currency="EUR")

    with pytest.raises(ValidationError) as refusal:
        ledger.apply_credit(actor=bill_billing, customer=carol_customer, invoice=invoice, amount=D("1.00"))

    assert refusal.value.error_dict["amount"][0].code == "exceeds_credit"


def test_credit_is_not_applied_to_another_customers_invoice(carol_customer, dave_customer, bill_billing):
    pay(issued_invoice(carol_customer), D("150.00"))
    daves = issued_invoice(dave_customer)

    with pytest.raises(ValidationError) as refusal:
        ledger.apply_credit(actor=bill_billing, customer=carol_customer, invoice=daves, amount=D("1.00"))

    assert refusal.value.error_dict["invoice"][0].code == "other_customer"


def test_applying_credit_again_with_the_same_key_changes_nothing(carol_customer, bill_billing):
    pay(issued_invoice(carol_customer), D("150.00"))
    invoice = issued_invoice(carol_customer)

    first = ledger.apply_credit(
        actor=bill_billing, customer=carol_customer, invoice=invoice, amount=D("29.00"), idempotency_key="k1"
    )
    again = ledger.apply_credit(
        actor=bill_billing, customer=carol_customer, invoice=invoice, amount=D("29.00"), idempotency_key="k1"
    )

    assert again == first
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("0.00")


# Balances and statuses


def test_a_customers_balance_is_derived_per_currency(carol_customer, dave_customer):
    overdue = issued_invoice(carol_customer, issue_date=date(2026, 1, 5), due_date=date(2026, 1, 19))
    issued_invoice(carol_customer, issue_date=date(2026, 2, 2), due_date=date(2026, 2, 16))
    pay(overdue, D("21.00"))
    eur = issued_invoice(carol_customer, currency="EUR", lines=[(D("1"), D("10"), D("21"))])
    pay(eur, D("20.00"))
    issued_invoice(dave_customer)

    assert ledger_queries.customer_balance(carol_customer, date(2026, 2, 1)) == {
        "EUR": Balance(receivable=D("0.00"), credit=D("7.90"), overdue=D("0.00")),
        "RON": Balance(receivable=D("221.00"), credit=D("0.00"), overdue=D("100.00")),
    }


def test_a_customer_without_entries_has_no_balance(carol_customer):
    assert ledger_queries.customer_balance(carol_customer, date(2026, 2, 1)) == {}


def test_payment_status_follows_the_ledger_and_the_due_date(carol_customer):
    invoice = issued_invoice(carol_customer, due_date=date(2026, 2, 16))
    before_due, due_day, after_due = date(2026, 2, 15), date(2026, 2, 16), date(2026, 2, 17)

    assert ledger_queries.payment_status(invoice, before_due) == PaymentStatus.ISSUED
    assert ledger_queries.payment_status(invoice, after_due) == PaymentStatus.OVERDUE
    pay(invoice, D("21.00"))
    assert ledger_queries.payment_status(invoice, due_day) == PaymentStatus.PARTIALLY_PAID
    assert ledger_queries.payment_status(invoice, after_due) == PaymentStatus.OVERDUE
    pay(invoice, D("100.00"))
    assert ledger_queries.payment_status(invoice, after_due) == PaymentStatus.PAID


def test_a_fully_credited_unpaid_invoice_is_credited_not_paid(carol_customer):
    invoice = issued_invoice(carol_customer)
    issued_credit_note(invoice)

    assert ledger_queries.payment_status(invoice, date(2026, 6, 1)) == PaymentStatus.CREDITED


def test_a_draft_invoice_has_the_draft_status(carol_customer):
    draft = Document.objects.create(
        document_type=DocumentType.INVOICE,
        customer=carol_customer,
        currency="RON",
        issue_date=date(2026, 2, 2),
        due_date=date(2026, 2, 16),
    )

    assert ledger_queries.payment_status(draft, date(2026, 3, 1)) == PaymentStatus.DRAFT


def test_lists_get_their_ledger_amounts_in_the_one_list_query(carol_customer, django_assert_num_queries):
    unpaid, part, paid = (issued_invoice(carol_customer) for _ in range(3))
    pay(part, D("21.00"))
    pay(paid, D("121.00"))
    credited = issued_invoice(carol_customer)
    issued_credit_note(credited)

    with django_assert_num_queries(1):
        # 1. SELECT the invoices with the amounts their ledger postings stored on them
        rows = list(
            ledger_queries.with_ledger_amounts(
                Document.objects.filter(document_type="invoice").order_by("pk")
            )
        )
        statuses = [ledger_queries.payment_status(row, date(2026, 2, 3)) for row in rows]

    assert [(row.ledger_outstanding, row.ledger_paid, row.ledger_credited) for row in rows] == [
        (D("121.00"), D("0.00"), D("0.00")),
        (D("100.00"), D("21.00"), D("0.00")),
        (D("0.00"), D("121.00"), D("0.00")),
        (D("0.00"), D("0.00"), D("121.00")),
    ]
    assert statuses == ["issued", "partially_paid", "paid", "credited"]
    assert rows[:3] == [unpaid, part, paid]


def test_open_invoices_come_oldest_due_first(carol_customer):
    later = issued_invoice(carol_customer, due_date=date(2026, 3, 1))
    sooner = issued_invoice(carol_customer, due_date=date(2026, 2, 20))
    pay(issued_invoice(carol_customer, due_date=date(2026, 2, 1)), D("121.00"))
    issued_invoice(carol_customer, currency="EUR", due_date=date(2026, 1, 1))

    assert [(i, i.ledger_outstanding) for i in ledger_queries.open_invoices(carol_customer, "RON")] == [
        (sooner, D("121.00")),
        (later, D("121.00")),
    ]
