"""How each billing event moves money: the ledger's posting rules, pure (no database).

Each rule gives the lines of one balanced transaction; praho.billing.services.ledger writes them
(the table of postings is in its docstring) and praho.billing.ledger_queries reads the sums.
A `Posting` is one event ready to be written: its transaction's fields and its lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from praho.billing.models import AccountKind, Document, Payment, PaymentMethod
from praho.core.money import round_money

ZERO = Decimal("0.00")

METHOD_ACCOUNTS = {
    PaymentMethod.BANK_TRANSFER: AccountKind.BANK,
    PaymentMethod.CASH: AccountKind.CASH,
    PaymentMethod.CARD: AccountKind.CARD_CLEARING,
}


class UnbalancedTransactionError(ValueError):
    """A posting whose debits and credits differ (a bug, never the user's input)."""


@dataclass(frozen=True)
class PostingLine:
    """One line of a transaction before it is saved. `amount` is signed: positive
    debits the account, negative credits it; zero lines are left out."""

    account: str
    amount: Decimal
    customer_id: int | None = None
    document_id: int | None = None


@dataclass(frozen=True)
class Posting:
    """One billing event as the ledger records it, before it is saved: the transaction's fields
    (its idempotency `key` names the event) and its balanced lines."""

    key: str
    kind: str
    currency: str
    occurred_on: date
    customer_id: int
    lines: Sequence[PostingLine]
    document: Document | None = None
    payment: Payment | None = None
    memo: str = ""


def check_balanced(postings: Iterable[PostingLine]) -> None:
    """Raise UnbalancedTransactionError unless the postings are in cents and debits equal credits."""
    postings = list(postings)
    for posting in postings:
        if not isinstance(posting.amount, Decimal) or posting.amount != round_money(posting.amount):
            raise UnbalancedTransactionError(f"Ledger amounts are Decimals in cents, not {posting.amount!r}.")
    debits = sum((p.amount for p in postings if p.amount > 0), ZERO)
    credits = -sum((p.amount for p in postings if p.amount < 0), ZERO)
    if debits != credits:
        raise UnbalancedTransactionError(f"Debits {debits} differ from credits {credits}: {postings!r}")


def split_against_outstanding(amount: Decimal, outstanding: Decimal) -> tuple[Decimal, Decimal]:
    """(what settles the invoice, what becomes customer credit) for money meeting an invoice."""
    to_receivable = min(amount, max(outstanding, ZERO))
    return to_receivable, amount - to_receivable


def invoice_postings(
    *, customer_id: int, invoice_id: int, total: Decimal, net_total: Decimal, vat_total: Decimal
) -> list[PostingLine]:
    return [
        PostingLine(AccountKind.RECEIVABLE, total, customer_id, invoice_id),
        PostingLine(AccountKind.REVENUE, -net_total),
        PostingLine(AccountKind.VAT_PAYABLE, -vat_total),
    ]


def credit_note_postings(
    *,
    customer_id: int,
    invoice_id: int,
    total: Decimal,
    net_total: Decimal,
    vat_total: Decimal,
    invoice_outstanding: Decimal,
) -> list[PostingLine]:
    to_receivable, to_credit = split_against_outstanding(total, invoice_outstanding)
    return [
        PostingLine(AccountKind.REVENUE, net_total),
        PostingLine(AccountKind.VAT_PAYABLE, vat_total),
        PostingLine(AccountKind.RECEIVABLE, -to_receivable, customer_id, invoice_id),
        PostingLine(AccountKind.CUSTOMER_CREDIT, -to_credit, customer_id),
    ]


def payment_postings(
    *,
    method: str,
    customer_id: int,
    invoice_id: int | None,
    amount: Decimal,
    invoice_outstanding: Decimal,
) -> list[PostingLine]:
    to_receivable, to_credit = split_against_outstanding(amount, invoice_outstanding if invoice_id else ZERO)
    return [
        PostingLine(METHOD_ACCOUNTS[PaymentMethod(method)], amount),
        PostingLine(AccountKind.RECEIVABLE, -to_receivable, customer_id, invoice_id),
        PostingLine(AccountKind.CUSTOMER_CREDIT, -to_credit, customer_id),
    ]


def refund_postings(
    *, method: str, customer_id: int, invoice_id: int | None, amount: Decimal, credit_available: Decimal
) -> list[PostingLine]:
    """Money paid back: out of the customer's credit as far as it goes, the rest reopening the
    invoice the refunded payment paid (it owes that again)."""
    from_credit = min(amount, max(credit_available, ZERO)) if invoice_id else amount
    return [
        PostingLine(AccountKind.CUSTOMER_CREDIT, from_credit, customer_id),
        PostingLine(AccountKind.RECEIVABLE, amount - from_credit, customer_id, invoice_id),
        PostingLine(METHOD_ACCOUNTS[PaymentMethod(method)], -amount),
    ]


def credit_application_postings(*, customer_id: int, invoice_id: int, amount: Decimal) -> list[PostingLine]:
    return [
        PostingLine(AccountKind.CUSTOMER_CREDIT, amount, customer_id),
        PostingLine(AccountKind.RECEIVABLE, -amount, customer_id, invoice_id),
    ]
