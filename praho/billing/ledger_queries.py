"""What the ledger says: an invoice's amounts and payment status, a customer's balance and credit.

Every amount here is a sum over ledger entries (praho.billing.services.ledger writes them); nothing
of it is stored anywhere else but the invoices' stored amounts, which the postings rewrite from the
same entries (services.ledger.refresh_document_amounts, using `receivable_sum`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext_lazy

from praho.billing.models import (
    AccountKind,
    Document,
    DocumentStatus,
    DocumentType,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from praho.billing.rules.postings import ZERO
from praho.core.money import round_money
from praho.core.validation import fiscal_today
from praho.customers.models import Customer


class _Cents(DecimalField):
    """The output of a computed amount: SQLite computes sums in floating point and Django
    does not quantize computed values there, so round them back to cents on the way out."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        return None if value is None else round_money(Decimal(value))


_AMOUNT = _Cents(max_digits=14, decimal_places=2)

# Receivable credits that count as the invoice being paid (rather than corrected).
PAYING_KINDS = (TransactionKind.PAYMENT_RECEIVED, TransactionKind.CREDIT_APPLIED)


class PaymentStatus(models.TextChoices):
    """An invoice's payment status, derived from the ledger and the date; never stored."""

    DRAFT = "draft", gettext_lazy("Draft")
    ISSUED = "issued", gettext_lazy("Issued")
    PARTIALLY_PAID = "partially_paid", gettext_lazy("Partially paid")
    PAID = "paid", gettext_lazy("Paid")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    # Nothing left to pay and nothing was ever paid: credit notes cancelled it all.
    CREDITED = "credited", gettext_lazy("Credited")


@dataclass(frozen=True)
class Balance:
    """A customer's position in one currency."""

    receivable: Decimal  # what the customer owes on issued invoices
    credit: Decimal  # what we owe the customer (overpayments, credited paid invoices)
    overdue: Decimal  # the part of `receivable` whose due date has passed


@dataclass(frozen=True)
class DocumentAmounts:
    """An invoice's receivable, summed from its ledger entries."""

    invoiced: Decimal
    credited: Decimal  # credit notes, as far as they reduced what was owed
    paid: Decimal  # payments and customer credit applied
    outstanding: Decimal


# --- Reading --------------------------------------------------------------------------


def _sum(value: Decimal | None) -> Decimal:
    return round_money(value) if value is not None else ZERO


def document_amounts(document: Document) -> DocumentAmounts:
    """One query: an invoice's receivable split into invoiced, credited, paid and outstanding."""
    paying = Q(transaction__kind__in=PAYING_KINDS)
    crediting = Q(transaction__kind=TransactionKind.CREDIT_NOTE_ISSUED)
    refunding = Q(transaction__kind=TransactionKind.REFUND_PAID)
    totals = LedgerEntry.objects.filter(account=AccountKind.RECEIVABLE, document=document).aggregate(
        debits=Sum("debit"),
        credits=Sum("credit"),
        paid=Sum("credit", filter=paying),
        credited=Sum("credit", filter=crediting),
        refunded=Sum("debit", filter=refunding),
    )
    debit, credit, refunded = _sum(totals["debits"]), _sum(totals["credits"]), _sum(totals["refunded"])
    return DocumentAmounts(
        invoiced=debit - refunded,  # a refund that reopened the invoice is not more invoiced
        credited=_sum(totals["credited"]),
        paid=_sum(totals["paid"]) - refunded,
        outstanding=debit - credit,
    )


def document_outstanding(document: Document) -> Decimal:
    """What the invoice still owes: its total less credit notes, payments and credit applied."""
    return document_amounts(document).outstanding


def document_paid_amount(document: Document) -> Decimal:
    """What was paid on the invoice, by payments and by customer credit applied to it."""
    return document_amounts(document).paid


def receivable_sum(expression: Any, *kinds: str) -> Round:
    """`expression` summed over the receivable entries of the outer document (of `kinds` only,
    if given), 0 without entries."""
    # order_by(): the model's ordering ("transaction", "id") would JOIN the transactions even
    # where no kind is asked for (bench/billing_lists.py, stage R1).
    entries = LedgerEntry.objects.filter(account=AccountKind.RECEIVABLE, document=OuterRef("pk")).order_by()
    if kinds:
        entries = entries.filter(transaction__kind__in=kinds)
    summed = entries.values("document").annotate(amount=expression).values("amount")
    # Rounded in SQL too: SQLite sums decimals as floats, and 0.1 + 0.2 - 0.3 must be stored as 0.
    amount = Coalesce(Subquery(summed, output_field=_AMOUNT), Value(ZERO), output_field=_AMOUNT)
    return Round(amount, 2, output_field=_AMOUNT)


def with_ledger_amounts(documents: QuerySet[Document]) -> QuerySet[Document]:
    """Annotate invoices with `ledger_outstanding`, `ledger_paid` and `ledger_credited` for lists,
    filters and payment_status(): the amounts stored on each invoice with its ledger postings."""
    return documents.annotate(
        ledger_outstanding=F("outstanding_amount"),
        ledger_paid=F("paid_amount"),
        ledger_credited=F("credited_amount"),
    )


def payment_status(document: Document, today: date | None = None) -> PaymentStatus:
    """Issued → partially paid → paid, or overdue once the due date has passed with
    something still owed. Uses the annotations of with_ledger_amounts() when present."""
    if document.document_type != DocumentType.INVOICE:
        raise ValueError("Only invoices have a payment status.")
    if document.status != DocumentStatus.ISSUED:
        return PaymentStatus.DRAFT
    if hasattr(document, "ledger_outstanding"):
        outstanding, paid, credited = (
            getattr(document, name) for name in ("ledger_outstanding", "ledger_paid", "ledger_credited")
        )
    else:
        amounts = document_amounts(document)
        outstanding, paid, credited = amounts.outstanding, amounts.paid, amounts.credited
    if outstanding <= 0:
        return PaymentStatus.CREDITED if paid == 0 and credited > 0 else PaymentStatus.PAID
    if document.due_date < (today or fiscal_today()):
        return PaymentStatus.OVERDUE
    return PaymentStatus.PARTIALLY_PAID if paid > 0 else PaymentStatus.ISSUED


def customer_credit_available(customer: Customer, currency: str) -> Decimal:
    """The customer's credit in one currency (what we owe them and may apply to invoices)."""
    totals = LedgerEntry.objects.filter(
        customer=customer, account=AccountKind.CUSTOMER_CREDIT, currency=currency
    ).aggregate(debits=Sum("debit"), credits=Sum("credit"))
    return _sum(totals["credits"]) - _sum(totals["debits"])


def customer_balance(customer: Customer, today: date | None = None) -> dict[str, Balance]:
    """Receivable, credit and overdue amounts per currency the customer has entries in (one query)."""
    today = today or fiscal_today()
    overdue = Q(document__due_date__lt=today)
    rows = (
        LedgerEntry.objects.filter(customer=customer)
        .values("currency", "account")
        .annotate(
            debits=Sum("debit"),
            credits=Sum("credit"),
            overdue_debits=Sum("debit", filter=overdue),
            overdue_credits=Sum("credit", filter=overdue),
        )
        .order_by("currency", "account")
    )
    sums: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        currency = sums.setdefault(row["currency"], {"receivable": ZERO, "credit": ZERO, "overdue": ZERO})
        if row["account"] == AccountKind.RECEIVABLE:
            currency["receivable"] = _sum(row["debits"]) - _sum(row["credits"])
            currency["overdue"] = _sum(row["overdue_debits"]) - _sum(row["overdue_credits"])
        else:
            currency["credit"] = _sum(row["credits"]) - _sum(row["debits"])
    return {currency: Balance(**amounts) for currency, amounts in sums.items()}


def open_invoices(customer: Customer, currency: str) -> list[Document]:
    """The customer's invoices in `currency` that still owe something, oldest due first,
    annotated as by with_ledger_amounts()."""
    invoices = Document.objects.filter(
        customer=customer, currency=currency, document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED
    )
    return list(
        with_ledger_amounts(invoices).filter(**{"ledger_outstanding__gt": 0}).order_by("due_date", "pk")
    )


def transaction_amount(txn: LedgerTransaction, account: str) -> Decimal:
    """The net movement of one account in a transaction (debits less credits)."""
    totals = txn.entries.filter(account=account).aggregate(debits=Sum("debit"), credits=Sum("credit"))
    return _sum(totals["debits"]) - _sum(totals["credits"])
