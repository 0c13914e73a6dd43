"""The double-entry ledger: how each billing event moves money, and the balances derived from it.

Postings (each one balanced `LedgerTransaction`, in the document's currency):

    invoice issued       Dr receivable (customer, invoice)       total
                         Cr revenue                              net total
                         Cr VAT payable                          VAT total
    credit note issued   Dr revenue                              net total
                         Dr VAT payable                          VAT total
                         Cr receivable (customer, invoice)       up to what the invoice still owes
                         Cr customer credit (customer)           the rest: it had been paid already
    payment received     Dr bank | cash | card clearing          amount
                         Cr receivable (customer, invoice)       up to what the invoice still owes
                         Cr customer credit (customer)           the rest (overpayment)
    credit applied       Dr customer credit (customer)           amount
                         Cr receivable (customer, invoice)       amount

Sign convention: a credit note carries positive amounts, as a UBL CreditNote (type 381)
does and as `praho.billing.services.corrections.credit_note` stores them; the ledger reverses the
invoice's sides. A credit note with a negative total is refused here, so a document
stored with the other convention can never be posted the wrong way round.

Receivable entries name the invoice they belong to: what an invoice still owes, what was
paid and what was credited on it are sums over its receivable entries, and a customer's
balance is a sum over its entries. Nothing of this is stored anywhere else. Since a
posting never credits an invoice's receivable beyond what it owes, that never goes
negative; the excess is customer credit.

Each posting is idempotent: its idempotency key names the event ("invoice_issued:42"),
so posting the same event twice returns the first transaction and changes nothing.
Postings whose split depends on current balances (credit notes, payments, credit
applied) first lock the customer's row: all money postings of one customer queue on
that one lock, and no other row is locked here, so they cannot deadlock with each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from praho.billing.locks import lock_customer
from praho.billing.models import (
    AccountKind,
    Document,
    DocumentStatus,
    DocumentType,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentMethod,
    TransactionKind,
)
from praho.core.money import round_money
from praho.core.validation import fiscal_today
from praho.customers.models import Customer

ZERO = Decimal("0.00")


class _Cents(DecimalField):
    """The output of a computed amount: SQLite computes sums in floating point and Django
    does not quantize computed values there, so round them back to cents on the way out."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        return None if value is None else round_money(Decimal(value))


_AMOUNT = _Cents(max_digits=14, decimal_places=2)

METHOD_ACCOUNTS = {
    PaymentMethod.BANK_TRANSFER: AccountKind.BANK,
    PaymentMethod.CASH: AccountKind.CASH,
    PaymentMethod.CARD: AccountKind.CARD_CLEARING,
}
# Receivable credits that count as the invoice being paid (rather than corrected).
_PAYING_KINDS = (TransactionKind.PAYMENT_RECEIVED, TransactionKind.CREDIT_APPLIED)


class UnbalancedTransactionError(ValueError):
    """A posting whose debits and credits differ (a bug, never the user's input)."""


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
class Posting:
    """One line of a transaction before it is saved. `amount` is signed: positive
    debits the account, negative credits it; zero lines are left out."""

    account: str
    amount: Decimal
    customer_id: int | None = None
    document_id: int | None = None


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


# --- Pure posting rules ---------------------------------------------------------------


def check_balanced(postings: Iterable[Posting]) -> None:
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
) -> list[Posting]:
    return [
        Posting(AccountKind.RECEIVABLE, total, customer_id, invoice_id),
        Posting(AccountKind.REVENUE, -net_total),
        Posting(AccountKind.VAT_PAYABLE, -vat_total),
    ]


def credit_note_postings(
    *,
    customer_id: int,
    invoice_id: int,
    total: Decimal,
    net_total: Decimal,
    vat_total: Decimal,
    invoice_outstanding: Decimal,
) -> list[Posting]:
    to_receivable, to_credit = split_against_outstanding(total, invoice_outstanding)
    return [
        Posting(AccountKind.REVENUE, net_total),
        Posting(AccountKind.VAT_PAYABLE, vat_total),
        Posting(AccountKind.RECEIVABLE, -to_receivable, customer_id, invoice_id),
        Posting(AccountKind.CUSTOMER_CREDIT, -to_credit, customer_id),
    ]


def payment_postings(
    *,
    method: str,
    customer_id: int,
    invoice_id: int | None,
    amount: Decimal,
    invoice_outstanding: Decimal,
) -> list[Posting]:
    to_receivable, to_credit = split_against_outstanding(amount, invoice_outstanding if invoice_id else ZERO)
    return [
        Posting(METHOD_ACCOUNTS[PaymentMethod(method)], amount),
        Posting(AccountKind.RECEIVABLE, -to_receivable, customer_id, invoice_id),
        Posting(AccountKind.CUSTOMER_CREDIT, -to_credit, customer_id),
    ]


def credit_application_postings(*, customer_id: int, invoice_id: int, amount: Decimal) -> list[Posting]:
    return [
        Posting(AccountKind.CUSTOMER_CREDIT, amount, customer_id),
        Posting(AccountKind.RECEIVABLE, -amount, customer_id, invoice_id),
    ]


# --- Writing --------------------------------------------------------------------------


def _posted(key: str) -> LedgerTransaction | None:
    return LedgerTransaction.objects.filter(idempotency_key=key).first()


def _post(
    *,
    key: str,
    kind: str,
    currency: str,
    occurred_on: date,
    customer_id: int,
    postings: list[Posting],
    document: Document | None = None,
    payment: Payment | None = None,
    actor: Any = None,
    memo: str = "",
) -> LedgerTransaction:
    txn = _transaction(
        key=key,
        kind=kind,
        currency=currency,
        occurred_on=occurred_on,
        customer_id=customer_id,
        postings=postings,
        document=document,
        payment=payment,
        actor=actor,
        memo=memo,
    )
    try:
        with transaction.atomic():
            _save(txn, postings)
    except IntegrityError:
        # A concurrent caller posted the same event first: theirs stands.
        existing = _posted(key)
        if existing is None:
            raise
        return existing
    return txn


def _transaction(
    *,
    key: str,
    kind: str,
    currency: str,
    occurred_on: date,
    customer_id: int,
    postings: list[Posting],
    document: Document | None = None,
    payment: Payment | None = None,
    actor: Any = None,
    memo: str = "",
) -> LedgerTransaction:
    """The unsaved transaction of balanced postings (UnbalancedTransactionError otherwise)."""
    check_balanced(postings)
    return LedgerTransaction(
        kind=kind,
        currency=currency,
        occurred_on=occurred_on,
        customer_id=customer_id,
        document=document,
        payment=payment,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        memo=memo[:255],
        idempotency_key=key,
    )


def _save(txn: LedgerTransaction, postings: list[Posting]) -> None:
    """Two INSERTs: the transaction, then all its entries at once; then the UPDATE of the stored
    amounts of the invoices whose receivable it moved."""
    txn.save(force_insert=True)
    LedgerEntry.objects.bulk_create(_entry(txn, posting) for posting in postings if posting.amount)
    refresh_document_amounts(_receivable_documents(postings))


def _receivable_documents(postings: Iterable[Posting]) -> set[int]:
    return {
        posting.document_id
        for posting in postings
        if posting.account == AccountKind.RECEIVABLE and posting.document_id is not None
    }


def refresh_document_amounts(document_ids: Iterable[int]) -> None:
    """Rewrite the invoices' outstanding, paid and credited amounts from their receivable entries
    (one UPDATE). Runs in the transaction that wrote the entries, after them, so the stored
    amounts always agree with the ledger; rewriting from the entries (rather than adding the
    movement) keeps them right whatever was stored before."""
    ids = sorted(set(document_ids))
    if ids:
        Document.objects.filter(pk__in=ids).update(
            outstanding_amount=_receivable_sum(Sum("debit") - Sum("credit")),
            paid_amount=_receivable_sum(Sum("credit"), *_PAYING_KINDS),
            credited_amount=_receivable_sum(Sum("credit"), TransactionKind.CREDIT_NOTE_ISSUED),
        )


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _require_issued(document: Document, document_type: str) -> None:
    if document.pk is None or document.document_type != document_type:
        raise _refuse(
            "document",
            _("Only an issued invoice or credit note is posted to the ledger."),
            "not_postable",
        )
    if document.status != DocumentStatus.ISSUED:
        raise _refuse(
            "document", _("Document %(document)s is not issued.") % {"document": document}, "not_issued"
        )


def _require_posted(invoice: Document) -> None:
    if _posted(_invoice_key(invoice)) is None:
        raise _refuse(
            "invoice",
            _("Invoice %(invoice)s is not in the ledger yet.") % {"invoice": invoice},
            "not_posted",
        )


def _invoice_key(invoice: Document) -> str:
    return f"{TransactionKind.INVOICE_ISSUED}:{invoice.pk}"


def post_invoice(document: Document, *, actor: Any = None) -> LedgerTransaction:
    """Post an issued invoice: the customer owes its total; revenue and VAT are ours to account for."""
    _require_issued(document, DocumentType.INVOICE)
    key = _invoice_key(document)
    with transaction.atomic():
        existing = _posted(key)
        if existing is not None:
            return existing
        return _post(key=key, postings=_invoice_postings(document), actor=actor, **_invoice_fields(document))


def post_issued_invoice(document: Document, *, actor: Any = None) -> LedgerTransaction:
    """`post_invoice` for `issue_document`, which has just issued the invoice in this transaction.

    The caller holds the invoice's row lock and moved it from draft to issued itself, so no
    posting of it can exist yet (post_invoice refuses drafts): the idempotency lookup and the
    savepoints are left out, two INSERTs remain. Should a posting exist after all, its unique
    idempotency key fails the INSERT and with it the whole issue, which rolls back.
    """
    _require_issued(document, DocumentType.INVOICE)
    key = _invoice_key(document)
    postings = _invoice_postings(document)
    txn = _transaction(key=key, postings=postings, actor=actor, **_invoice_fields(document))
    txn.save(force_insert=True)
    LedgerEntry.objects.bulk_create(_entry(txn, posting) for posting in postings if posting.amount)
    _owing_in_full([document.pk])
    return txn


def post_issued_invoices(documents: Sequence[Document], *, actor: Any = None) -> list[LedgerTransaction]:
    """`post_issued_invoice` for many invoices issued together in the caller's transaction.

    The same transactions and entries, idempotency keys included, in two INSERTs for the
    whole batch: all transactions, then all their entries. As for post_issued_invoice,
    the caller issued every invoice itself under its row lock, so none was posted before;
    should one be, its unique key fails the INSERT and the whole batch rolls back.
    """
    batch = []
    for document in documents:
        _require_issued(document, DocumentType.INVOICE)
        postings = _invoice_postings(document)
        fields = _invoice_fields(document)
        batch.append(
            (_transaction(key=_invoice_key(document), postings=postings, actor=actor, **fields), postings)
        )
    if not batch:
        return []
    txns = LedgerTransaction.objects.bulk_create([txn for txn, _postings in batch])
    if any(txn.pk is None for txn in txns):  # entries need the ids; every database we run on returns them
        raise RuntimeError("The database did not return the ids of the ledger transactions.")
    LedgerEntry.objects.bulk_create(
        _entry(txn, posting) for txn, postings in batch for posting in postings if posting.amount
    )
    _owing_in_full([txn.document_id for txn in txns if txn.document_id is not None])
    return txns


def _owing_in_full(document_ids: list[int]) -> None:
    """The stored amounts of invoices issued in this transaction: the debit of its total is their
    only receivable entry, so they owe the total (refresh_document_amounts would find the same,
    with three subqueries per invoice)."""
    Document.objects.filter(pk__in=document_ids).update(
        outstanding_amount=F("total"), paid_amount=ZERO, credited_amount=ZERO
    )


def _entry(txn: LedgerTransaction, posting: Posting) -> LedgerEntry:
    """The entry `_save` writes for one posting."""
    return LedgerEntry(
        transaction=txn,
        account=posting.account,
        currency=txn.currency,
        customer_id=posting.customer_id,
        document_id=posting.document_id,
        debit=max(posting.amount, ZERO),
        credit=max(-posting.amount, ZERO),
    )


def _invoice_postings(document: Document) -> list[Posting]:
    return invoice_postings(
        customer_id=document.customer_id,
        invoice_id=document.pk,
        total=document.total,
        net_total=document.net_total,
        vat_total=document.vat_total,
    )


def _invoice_fields(document: Document) -> dict[str, Any]:
    return {
        "kind": TransactionKind.INVOICE_ISSUED,
        "currency": document.currency,
        "occurred_on": document.issue_date,
        "customer_id": document.customer_id,
        "document": document,
        "memo": str(document),
    }


def post_credit_note(document: Document, *, actor: Any = None) -> LedgerTransaction:
    """Post an issued credit note: revenue and VAT are reversed; the credited invoice owes that much
    less, and what the customer had already paid of it becomes customer credit."""
    _require_issued(document, DocumentType.CREDIT_NOTE)
    invoice = document.credited_document
    if invoice is None or invoice.document_type != DocumentType.INVOICE:
        raise _refuse("document", _("A credit note credits an invoice."), "no_invoice")
    if invoice.customer_id != document.customer_id or invoice.currency != document.currency:
        raise _refuse(
            "document",
            _("A credit note has the customer and currency of the invoice it credits."),
            "invoice_mismatch",
        )
    if document.total < 0:
        # See the module docstring: credit notes carry positive amounts.
        raise UnbalancedTransactionError(f"Credit note {document.pk} has a negative total {document.total}.")
    key = f"{TransactionKind.CREDIT_NOTE_ISSUED}:{document.pk}"
    with transaction.atomic():
        existing = _posted(key)
        if existing is not None:
            return existing
        lock_customer(document.customer_id)
        _require_posted(invoice)
        postings = credit_note_postings(
            customer_id=document.customer_id,
            invoice_id=invoice.pk,
            total=document.total,
            net_total=document.net_total,
            vat_total=document.vat_total,
            invoice_outstanding=document_outstanding(invoice),
        )
        return _post(
            key=key,
            kind=TransactionKind.CREDIT_NOTE_ISSUED,
            currency=document.currency,
            occurred_on=document.issue_date,
            customer_id=document.customer_id,
            postings=postings,
            document=document,
            actor=actor,
            memo=str(document),
        )


def post_payment(payment: Payment, *, actor: Any = None) -> LedgerTransaction:
    """Post a payment: the money is in the bank, the till or the card processor; it settles its
    invoice up to what that still owes, and the rest is customer credit."""
    if payment.pk is None:
        raise ValueError("Save the payment before posting it.")
    invoice = payment.document
    if invoice is not None and invoice.customer_id != payment.customer_id:
        raise _refuse("invoice", _("The invoice belongs to another customer."), "other_customer")
    if invoice is not None and invoice.currency != payment.currency:
        raise _refuse(
            "currency",
            _("A payment is in the currency of the invoice it pays (%(currency)s).")
            % {"currency": invoice.currency},
            "currency_mismatch",
        )
    key = f"{TransactionKind.PAYMENT_RECEIVED}:{payment.pk}"
    with transaction.atomic():
        existing = _posted(key)
        if existing is not None:
            return existing
        lock_customer(payment.customer_id)
        if invoice is not None:
            _require_posted(invoice)
        postings = payment_postings(
            method=payment.method,
            customer_id=payment.customer_id,
            invoice_id=invoice.pk if invoice else None,
            amount=payment.amount,
            invoice_outstanding=document_outstanding(invoice) if invoice else ZERO,
        )
        return _post(
            key=key,
            kind=TransactionKind.PAYMENT_RECEIVED,
            currency=payment.currency,
            occurred_on=payment.received_on,
            customer_id=payment.customer_id,
            postings=postings,
            document=invoice,
            payment=payment,
            actor=actor,
            memo=payment.reference,
        )


def check_credit_target(customer: Customer, invoice: Document) -> None:
    """Credit is applied only to an issued invoice of the same customer."""
    _require_issued(invoice, DocumentType.INVOICE)
    if invoice.customer_id != customer.pk:
        raise _refuse("invoice", _("The invoice belongs to another customer."), "other_customer")


def apply_credit(
    *,
    actor: Any,
    customer: Customer,
    invoice: Document,
    amount: Decimal,
    idempotency_key: str = "",
    occurred_on: date | None = None,
) -> LedgerTransaction:
    """Spend `amount` of the customer's credit on an invoice of theirs in the same currency.

    Refused beyond the credit available or beyond what the invoice still owes. With an
    `idempotency_key` a repeated call returns the first transaction.
    """
    key = f"{TransactionKind.CREDIT_APPLIED}:{idempotency_key or uuid.uuid4().hex}"
    with transaction.atomic():
        existing = _posted(key) if idempotency_key else None
        if existing is not None:
            return existing
        check_credit_target(customer, invoice)
        if not isinstance(amount, Decimal) or amount != round_money(amount):
            raise _refuse("amount", _("Enter an amount in cents, e.g. 12.50."), "decimals")
        if amount <= 0:
            raise _refuse("amount", _("The amount must be greater than zero."), "not_positive")
        lock_customer(customer.pk)
        _require_posted(invoice)
        available = customer_credit_available(customer, invoice.currency)
        if amount > available:
            raise _refuse(
                "amount",
                _("The customer has only %(available)s %(currency)s of credit.")
                % {"available": available, "currency": invoice.currency},
                "exceeds_credit",
            )
        outstanding = document_outstanding(invoice)
        if amount > outstanding:
            raise _refuse(
                "amount",
                _("Invoice %(invoice)s owes only %(outstanding)s %(currency)s.")
                % {"invoice": invoice, "outstanding": outstanding, "currency": invoice.currency},
                "exceeds_outstanding",
            )
        return _post(
            key=key,
            kind=TransactionKind.CREDIT_APPLIED,
            currency=invoice.currency,
            occurred_on=occurred_on or fiscal_today(),
            customer_id=customer.pk,
            postings=credit_application_postings(
                customer_id=customer.pk, invoice_id=invoice.pk, amount=amount
            ),
            document=invoice,
            actor=actor,
        )


# --- Reading --------------------------------------------------------------------------


def _sum(value: Decimal | None) -> Decimal:
    return round_money(value) if value is not None else ZERO


def document_amounts(document: Document) -> DocumentAmounts:
    """One query: an invoice's receivable split into invoiced, credited, paid and outstanding."""
    paying = Q(transaction__kind__in=_PAYING_KINDS)
    crediting = Q(transaction__kind=TransactionKind.CREDIT_NOTE_ISSUED)
    totals = LedgerEntry.objects.filter(account=AccountKind.RECEIVABLE, document=document).aggregate(
        debits=Sum("debit"),
        credits=Sum("credit"),
        paid=Sum("credit", filter=paying),
        credited=Sum("credit", filter=crediting),
    )
    debit, credit = _sum(totals["debits"]), _sum(totals["credits"])
    return DocumentAmounts(
        invoiced=debit,
        credited=_sum(totals["credited"]),
        paid=_sum(totals["paid"]),
        outstanding=debit - credit,
    )


def document_outstanding(document: Document) -> Decimal:
    """What the invoice still owes: its total less credit notes, payments and credit applied."""
    return document_amounts(document).outstanding


def document_paid_amount(document: Document) -> Decimal:
    """What was paid on the invoice, by payments and by customer credit applied to it."""
    return document_amounts(document).paid


def _receivable_sum(expression: Any, *kinds: str) -> Round:
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
