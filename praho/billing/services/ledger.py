"""The double-entry ledger's writing: each billing event posted as one balanced transaction.

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
    refund paid          Dr customer credit (customer)           up to the credit available
                         Dr receivable (customer, invoice)       the rest: the invoice owes it again
                         Cr bank | cash | card clearing          amount

The posting rules themselves are pure and live in praho.billing.rules.postings; the sums read
back (amounts, payment status, balances) in praho.billing.ledger_queries.

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
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from praho.billing import signals
from praho.billing.ledger_queries import (
    PAYING_KINDS,
    customer_credit_available,
    document_outstanding,
    receivable_sum,
)
from praho.billing.locks import lock_customer
from praho.billing.models import (
    AccountKind,
    Document,
    DocumentStatus,
    DocumentType,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    Refund,
    TransactionKind,
)
from praho.billing.rules.postings import (
    ZERO,
    Posting,
    PostingLine,
    UnbalancedTransactionError,
    check_balanced,
    credit_application_postings,
    credit_note_postings,
    invoice_postings,
    payment_postings,
    refund_postings,
)
from praho.core.money import round_money
from praho.core.validation import fiscal_today
from praho.customers.models import Customer


def _posted(key: str) -> LedgerTransaction | None:
    return LedgerTransaction.objects.filter(idempotency_key=key).first()


def _post(posting: Posting, *, actor: Any = None) -> LedgerTransaction:
    txn = _transaction(posting, actor=actor)
    try:
        with transaction.atomic():
            _save(txn, posting.lines)
    except IntegrityError:
        # A concurrent caller posted the same event first: theirs stands.
        existing = _posted(posting.key)
        if existing is None:
            raise
        return existing
    return txn


def _transaction(posting: Posting, *, actor: Any = None) -> LedgerTransaction:
    """The unsaved transaction of balanced lines (UnbalancedTransactionError otherwise)."""
    check_balanced(posting.lines)
    return LedgerTransaction(
        kind=posting.kind,
        currency=posting.currency,
        occurred_on=posting.occurred_on,
        customer_id=posting.customer_id,
        document=posting.document,
        payment=posting.payment,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        memo=posting.memo[:255],
        idempotency_key=posting.key,
    )


def _save(txn: LedgerTransaction, lines: Sequence[PostingLine]) -> None:
    """Two INSERTs: the transaction, then all its entries at once; then the UPDATE of the stored
    amounts of the invoices whose receivable it moved."""
    txn.save(force_insert=True)
    LedgerEntry.objects.bulk_create(_entry(txn, line) for line in lines if line.amount)
    refresh_document_amounts(_receivable_documents(lines))


def _receivable_documents(lines: Iterable[PostingLine]) -> set[int]:
    return {
        line.document_id
        for line in lines
        if line.account == AccountKind.RECEIVABLE and line.document_id is not None
    }


def refresh_document_amounts(document_ids: Iterable[int]) -> None:
    """Rewrite the invoices' outstanding, paid and credited amounts from their receivable entries
    (one UPDATE). Runs in the transaction that wrote the entries, after them, so the stored
    amounts always agree with the ledger; rewriting from the entries (rather than adding the
    movement) keeps them right whatever was stored before."""
    ids = sorted(set(document_ids))
    if ids:
        Document.objects.filter(pk__in=ids).update(
            outstanding_amount=receivable_sum(Sum("debit") - Sum("credit")),
            # A refund that reopened the invoice takes back what it had paid.
            paid_amount=receivable_sum(Sum("credit"), *PAYING_KINDS)
            - receivable_sum(Sum("debit"), TransactionKind.REFUND_PAID),
            credited_amount=receivable_sum(Sum("credit"), TransactionKind.CREDIT_NOTE_ISSUED),
        )
        _announce_paid(ids)


def _announce_paid(ids: list[int]) -> None:
    """Tell other apps (in this transaction) which of these invoices are now paid in full."""
    if not signals.invoices_paid.has_listeners():
        return
    paid = list(
        Document.objects.filter(
            pk__in=ids, document_type=DocumentType.INVOICE, outstanding_amount=0, paid_amount__gt=0
        ).values_list("pk", flat=True)
    )
    if paid:
        signals.invoices_paid.send(sender=Document, document_ids=paid)


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
        return _post(_invoice_posting(document), actor=actor)


def post_issued_invoices(documents: Sequence[Document], *, actor: Any = None) -> list[LedgerTransaction]:
    """`post_invoice` for the invoices issuing has just issued in the caller's transaction
    (one or many: issue_document and issue_documents share this path).

    The caller holds the invoices' row locks and moved them from draft to issued itself, so no
    posting of them can exist yet (post_invoice refuses drafts): the idempotency lookups and the
    savepoints are left out. Two INSERTs for the whole batch: all transactions, then all their
    entries. Should a posting exist after all, its unique idempotency key fails the INSERT and
    the whole issue rolls back.
    """
    batch = []
    for document in documents:
        _require_issued(document, DocumentType.INVOICE)
        posting = _invoice_posting(document)
        batch.append((_transaction(posting, actor=actor), posting.lines))
    if not batch:
        return []
    txns = LedgerTransaction.objects.bulk_create([txn for txn, _postings in batch])
    if any(txn.pk is None for txn in txns):  # entries need the ids; every database we run on returns them
        raise RuntimeError("The database did not return the ids of the ledger transactions.")
    LedgerEntry.objects.bulk_create(
        _entry(txn, line) for txn, lines in batch for line in lines if line.amount
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


def _entry(txn: LedgerTransaction, line: PostingLine) -> LedgerEntry:
    """The entry `_save` writes for one line."""
    return LedgerEntry(
        transaction=txn,
        account=line.account,
        currency=txn.currency,
        customer_id=line.customer_id,
        document_id=line.document_id,
        debit=max(line.amount, ZERO),
        credit=max(-line.amount, ZERO),
    )


def _invoice_posting(document: Document) -> Posting:
    return Posting(
        key=_invoice_key(document),
        kind=TransactionKind.INVOICE_ISSUED,
        currency=document.currency,
        occurred_on=document.issue_date,
        customer_id=document.customer_id,
        lines=invoice_postings(
            customer_id=document.customer_id,
            invoice_id=document.pk,
            total=document.total,
            net_total=document.net_total,
            vat_total=document.vat_total,
        ),
        document=document,
        memo=str(document),
    )


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
        lines = credit_note_postings(
            customer_id=document.customer_id,
            invoice_id=invoice.pk,
            total=document.total,
            net_total=document.net_total,
            vat_total=document.vat_total,
            invoice_outstanding=document_outstanding(invoice),
        )
        posting = Posting(
            key=key,
            kind=TransactionKind.CREDIT_NOTE_ISSUED,
            currency=document.currency,
            occurred_on=document.issue_date,
            customer_id=document.customer_id,
            lines=lines,
            document=document,
            memo=str(document),
        )
        return _post(posting, actor=actor)


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
        lines = payment_postings(
            method=payment.method,
            customer_id=payment.customer_id,
            invoice_id=invoice.pk if invoice else None,
            amount=payment.amount,
            invoice_outstanding=document_outstanding(invoice) if invoice else ZERO,
        )
        posting = Posting(
            key=key,
            kind=TransactionKind.PAYMENT_RECEIVED,
            currency=payment.currency,
            occurred_on=payment.received_on,
            customer_id=payment.customer_id,
            lines=lines,
            document=invoice,
            payment=payment,
            memo=payment.reference,
        )
        return _post(posting, actor=actor)


def post_refund(refund: Refund, *, actor: Any = None) -> LedgerTransaction:
    """Post a refund: out of the customer's credit as far as it goes, the rest reopening the
    invoice the refunded payment paid; the money leaves the account the payment came into."""
    if refund.pk is None:
        raise ValueError("Save the refund before posting it.")
    payment = refund.payment
    key = f"{TransactionKind.REFUND_PAID}:{refund.pk}"
    with transaction.atomic():
        existing = _posted(key)
        if existing is not None:
            return existing
        lock_customer(refund.customer_id)
        lines = refund_postings(
            method=payment.method,
            customer_id=refund.customer_id,
            invoice_id=payment.document_id,
            amount=refund.amount,
            credit_available=customer_credit_available(refund.customer, refund.currency),
        )
        posting = Posting(
            key=key,
            kind=TransactionKind.REFUND_PAID,
            currency=refund.currency,
            occurred_on=refund.refunded_on,
            customer_id=refund.customer_id,
            lines=lines,
            document=payment.document,
            payment=payment,
            memo=refund.reference,
        )
        return _post(posting, actor=actor)


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
        posting = Posting(
            key=key,
            kind=TransactionKind.CREDIT_APPLIED,
            currency=invoice.currency,
            occurred_on=occurred_on or fiscal_today(),
            customer_id=customer.pk,
            lines=credit_application_postings(customer_id=customer.pk, invoice_id=invoice.pk, amount=amount),
            document=invoice,
        )
        return _post(posting, actor=actor)
