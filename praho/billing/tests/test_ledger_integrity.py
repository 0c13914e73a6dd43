"""The ledger stays whole: append-only entries, concurrent postings, and random sequences of events
checked against a model. Split from test_ledger.py, whose helpers it uses.
"""

import threading
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_DOWN

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test import override_settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from praho.billing import ledger_queries
from praho.billing.ledger_queries import Balance
from praho.billing.models import (
    AccountKind,
    Document,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    TransactionKind,
)
from praho.billing.models.ledger import AppendOnlyError, install_append_only_triggers
from praho.billing.rules.totals import LineInput, compute_totals
from praho.billing.services import ledger
from praho.billing.services.payments import apply_customer_credit, record_payment
from praho.billing.tests.factories import issued_credit_note, issued_invoice
from praho.billing.tests.test_ledger import (
    D,
    entries,
)
from praho.core.money import round_money
from praho.customers.services.customers import create_customer

# Append-only


def test_ledger_rows_cannot_be_changed_or_deleted_through_the_orm(carol_customer):
    txn = issued_invoice(carol_customer).ledger_transactions.get()
    entry = txn.entries.first()

    for attempt in (
        txn.save,
        txn.delete,
        entry.save,
        entry.delete,
        lambda: LedgerTransaction.objects.update(memo="x"),
        lambda: LedgerEntry.objects.filter(pk=entry.pk).update(debit=D("1.00")),
        lambda: LedgerEntry.objects.all().delete(),
        lambda: LedgerTransaction.objects.all().delete(),
    ):
        with pytest.raises(AppendOnlyError):
            attempt()

    assert entries(txn)[0] == ("receivable", True, txn.document_id, D("121.00"), D("0.00"))


def test_on_postgresql_the_database_refuses_changes_to_ledger_rows(carol_customer):
    if connection.vendor != "postgresql":
        pytest.skip("The append-only triggers are PostgreSQL's; run with DATABASE_URL=postgres://...")
    with connection.schema_editor(atomic=False) as editor:
        install_append_only_triggers(None, editor)
    entry = issued_invoice(carol_customer).ledger_transactions.get().entries.first()

    for statement in (
        "UPDATE billing_ledgerentry SET debit = 1 WHERE id = %s",
        "DELETE FROM billing_ledgerentry WHERE id = %s",
        "UPDATE billing_ledgertransaction SET memo = 'x' WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk if "entry" in statement else entry.transaction_id])

    assert LedgerEntry.objects.get(pk=entry.pk).debit == D("121.00")


# Concurrency


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_payments_at_once_never_pay_an_invoice_twice(carol_customer):
    """Each payment reads what the invoice owes after the others committed (the customer lock).

    Without it concurrent payments all read 121.00 owed and all credit the receivable, which
    goes negative. Four at once on each of five invoices make the race show reliably. Row locks
    cannot be observed on SQLite, which allows one writer at a time anyway.
    """
    if connection.vendor != "postgresql":
        pytest.skip("select_for_update is a no-op on SQLite; run with DATABASE_URL=postgres://...")
    invoices = [issued_invoice(carol_customer) for _ in range(5)]
    errors = []

    def post(payment, start):
        try:
            start.wait(10)
            ledger.post_payment(payment)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    for invoice in invoices:
        payments = [
            Payment.objects.create(
                customer=carol_customer,
                document=invoice,
                amount=D("121.00"),
                currency="RON",
                method="card",
                received_on=date(2026, 2, 10),
            )
            for _ in range(4)
        ]
        start = threading.Barrier(len(payments))
        threads = [threading.Thread(target=post, args=(payment, start)) for payment in payments]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert errors == []
    assert [ledger_queries.document_outstanding(invoice) for invoice in invoices] == [D("0.00")] * 5
    assert ledger_queries.customer_credit_available(carol_customer, "RON") == D("1815.00")  # 5 x 3 x 121.00
    assert LedgerTransaction.objects.filter(kind=TransactionKind.PAYMENT_RECEIVED).count() == 20
    assert LedgerEntry.objects.filter(account=AccountKind.RECEIVABLE, credit__gt=0).count() == 5


# Property: random sequences of invoices, credit notes, payments and credit applied


@pytest.fixture
def three_customers(carol_customer, dave_customer, alice_admin):
    erin = create_customer(
        actor=alice_admin,
        name="Erin Cloud SRL",
        tax_id="RO16341004",
        kind="company",
        country="RO",
        address={"street": "Str. Mare 1", "city": "Iași", "county": "RO-IS", "country": "RO"},
    )
    return [carol_customer, dave_customer, erin]


_line = st.tuples(
    st.decimals(min_value=D("0.5"), max_value=D("20"), places=1),  # quantity
    st.decimals(min_value=D("0.01"), max_value=D("2500"), places=2),  # unit price
    st.sampled_from([D("21"), D("11"), D("0")]),  # VAT rate
)
_pick = st.integers(min_value=0, max_value=99)  # which invoice, modulo those issued so far
_percent = st.integers(min_value=1, max_value=100)
_invoice = st.tuples(
    st.just("invoice"),
    st.integers(min_value=0, max_value=2),  # customer, modulo the customers of the example
    st.sampled_from(["RON", "EUR"]),
    st.lists(_line, min_size=1, max_size=3),
    st.integers(min_value=0, max_value=60),  # issued this many days after 2026-01-01
)
_payment = st.tuples(
    st.just("payment"),
    _pick,
    st.integers(min_value=0, max_value=200),  # percent of what the invoice owes
    st.sampled_from(["bank_transfer", "card", "cash"]),
)
# Invoices and payments twice as likely, so that customers often have several open invoices.
_step = st.one_of(
    _invoice,
    _invoice,
    st.tuples(st.just("credit_note"), _pick, _percent),  # of each line's uncredited quantity
    _payment,
    _payment,
    st.tuples(st.just("apply"), _pick, _percent),  # of what can be applied to the invoice
)


class _Expected:
    """What each invoice owes and each customer's credit, by the rules in plain arithmetic."""

    def __init__(self, auto_apply):
        self.auto_apply = auto_apply
        self.invoices = []
        self.owed = {}  # invoice pk -> outstanding
        self.credit = defaultdict(lambda: D("0.00"))  # (customer pk, currency) -> credit
        self.credited_total = defaultdict(lambda: D("0.00"))  # invoice pk -> credit notes' totals
        self.credited_quantity = defaultdict(lambda: D("0"))  # line pk -> quantity credited

    def meet(self, invoice, amount):
        """Money against an invoice: it settles what is owed, the rest is credit; returns the rest."""
        settled = min(amount, self.owed[invoice.pk])
        self.owed[invoice.pk] -= settled
        self.credit[(invoice.customer_id, invoice.currency)] += amount - settled
        return amount - settled

    def auto_apply_overpayment(self, customer_id, currency, overpaid):
        open_invoices = sorted(
            (i for i in self.invoices if (i.customer_id, i.currency) == (customer_id, currency)),
            key=lambda i: (i.due_date, i.pk),
        )
        for invoice in open_invoices:
            portion = min(overpaid, self.owed[invoice.pk])
            self.owed[invoice.pk] -= portion
            self.credit[(customer_id, currency)] -= portion
            overpaid -= portion


def _run(step, customers, actor, expected):
    kind = step[0]
    if kind == "invoice":
        _, who, currency, lines, days = step
        issued_on = date(2026, 1, 1) + timedelta(days=days)
        invoice = issued_invoice(
            customers[who % len(customers)], currency=currency, lines=lines, issue_date=issued_on
        )
        expected.invoices.append(invoice)
        expected.owed[invoice.pk] = invoice.total
        return
    if not expected.invoices:
        return
    invoice = expected.invoices[step[1] % len(expected.invoices)]
    if kind == "credit_note":
        quantities = {}
        for line in invoice.lines.all():
            left = line.quantity - expected.credited_quantity[line.pk]
            quantity = (left * step[2] / 100).quantize(D("0.0001"), rounding=ROUND_DOWN)
            if quantity > 0:
                quantities[line.position] = quantity
        note_total = compute_totals(
            LineInput(quantities[line.position], line.unit_price, line.vat_category, line.vat_rate)
            for line in invoice.lines.all()
            if line.position in quantities
        ).tax_inclusive_total
        # Never more than was invoiced (the credit-note service's rule; rounding per note could pass it).
        if not quantities or expected.credited_total[invoice.pk] + note_total > invoice.total:
            return
        note = issued_credit_note(invoice, quantities=quantities, issue_date=date(2026, 3, 2))
        assert note.total == note_total
        for line in invoice.lines.all():
            expected.credited_quantity[line.pk] += quantities.get(line.position, D("0"))
        expected.credited_total[invoice.pk] += note.total
        expected.meet(invoice, note.total)
    elif kind == "payment":
        amount = max(round_money(expected.owed[invoice.pk] * step[2] / 100), D("0.01"))
        record_payment(
            actor=actor,
            invoice=invoice,
            amount=amount,
            currency=invoice.currency,
            method=step[3],
            reference="OP",
            received_on=date(2026, 3, 1),
        )
        overpaid = expected.meet(invoice, amount)
        if expected.auto_apply and overpaid:
            expected.auto_apply_overpayment(invoice.customer_id, invoice.currency, overpaid)
    elif kind == "apply":
        key = (invoice.customer_id, invoice.currency)
        amount = round_money(min(expected.credit[key], expected.owed[invoice.pk]) * step[2] / 100)
        if amount <= 0:
            return
        apply_customer_credit(actor=actor, customer=invoice.customer, invoice=invoice, amount=amount)
        expected.owed[invoice.pk] -= amount
        expected.credit[key] -= amount


def _net(account, currency):
    sums = LedgerEntry.objects.filter(account=account, currency=currency).aggregate(
        debits=Sum("debit", default=D("0.00")), credits=Sum("credit", default=D("0.00"))
    )
    return sums["debits"] - sums["credits"]


def _document_sum(field, **lookup):
    return Document.objects.filter(**lookup).aggregate(total=Sum(field, default=D("0.00")))["total"]


def _check_the_ledger(customers, expected):
    by_transaction = defaultdict(lambda: [D("0.00"), D("0.00")])
    by_currency = defaultdict(lambda: [D("0.00"), D("0.00")])
    for txn_id, currency, debit, credit in LedgerEntry.objects.values_list(
        "transaction_id", "currency", "debit", "credit"
    ):
        for sums in (by_transaction[txn_id], by_currency[currency]):
            sums[0] += debit
            sums[1] += credit
    assert all(debits == credits for debits, credits in by_transaction.values())
    assert all(debits == credits for debits, credits in by_currency.values())
    # Only a document of 0.00 (e.g. a credit note for 0.005 of a 0.01 item) posts no entries.
    assert set(
        LedgerTransaction.objects.exclude(pk__in=by_transaction).values_list("document__total", flat=True)
    ) <= {D("0.00")}

    for currency in ("RON", "EUR"):
        invoices, notes = (
            {"document_type": "invoice", "currency": currency},
            {
                "document_type": "credit_note",
                "currency": currency,
            },
        )
        assert -_net("revenue", currency) == _document_sum("net_total", **invoices) - _document_sum(
            "net_total", **notes
        )
        assert -_net("vat_payable", currency) == _document_sum("vat_total", **invoices) - _document_sum(
            "vat_total", **notes
        )
        received = Payment.objects.filter(currency=currency).aggregate(total=Sum("amount", default=D("0.00")))
        assert (
            _net("bank", currency) + _net("cash", currency) + _net("card_clearing", currency)
            == (received["total"])
        )

    for customer in customers:
        balances = ledger_queries.customer_balance(customer, date(2026, 12, 31))
        for currency in ("RON", "EUR"):
            owed = sum(
                (
                    expected.owed[i.pk]
                    for i in expected.invoices
                    if (i.customer_id, i.currency) == (customer.pk, currency)
                ),
                D("0.00"),
            )
            credit = expected.credit[(customer.pk, currency)]
            balance = balances.get(currency, Balance(D("0.00"), D("0.00"), D("0.00")))
            # Everything here is overdue by the end of 2026.
            assert balance == Balance(receivable=owed, credit=credit, overdue=owed)
            assert credit >= 0
            # What the documents and payments say, whatever the split between receivable and credit.
            mine = {"customer": customer, "currency": currency}
            paid_in = Payment.objects.filter(**mine).aggregate(total=Sum("amount", default=D("0.00")))
            assert balance.receivable - balance.credit == (
                _document_sum("total", document_type="invoice", **mine)
                - _document_sum("total", document_type="credit_note", **mine)
                - paid_in["total"]
            )

    stored = {
        row[0]: row[1:]
        for row in Document.objects.filter(document_type="invoice").values_list(
            "pk", "outstanding_amount", "paid_amount", "credited_amount"
        )
    }
    for invoice in expected.invoices:
        amounts = ledger_queries.document_amounts(invoice)
        # The amounts the lists read are those of the entries, after any sequence of postings.
        assert stored[invoice.pk] == (amounts.outstanding, amounts.paid, amounts.credited)
        assert amounts.outstanding == expected.owed[invoice.pk]
        assert amounts.invoiced == invoice.total
        assert amounts.invoiced == amounts.credited + amounts.paid + amounts.outstanding
        assert D("0.00") <= amounts.paid <= invoice.total
        assert amounts.outstanding >= 0


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(_step, min_size=2, max_size=16),
    customer_count=st.integers(min_value=1, max_value=3),
    auto_apply=st.booleans(),
)
@example(  # SQLite sums amounts in floating point: the overpayment applied must still be in cents
    steps=[
        ("invoice", 0, "RON", [(D("0.5"), D("0.03"), D("21")), (D("0.5"), D("1.41"), D("21"))], 0),
        ("credit_note", 0, 7),
        ("invoice", 0, "RON", [(D("0.5"), D("0.01"), D("21"))], 0),
        ("payment", 0, 101, "bank_transfer"),
    ],
    customer_count=1,
    auto_apply=True,
)
def test_the_ledger_balances_and_agrees_with_the_documents(
    three_customers, bill_billing, steps, customer_count, auto_apply
):
    # Each example runs in a savepoint rolled back at its end, so examples never see each other's rows.
    with transaction.atomic(), override_settings(BILLING_AUTO_APPLY_CREDIT=auto_apply):
        expected = _Expected(auto_apply)
        for step in steps:
            _run(step, three_customers[:customer_count], bill_billing, expected)
        _check_the_ledger(three_customers, expected)
        transaction.set_rollback(True)
