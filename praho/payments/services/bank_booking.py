"""Booking bank transactions: a transfer becomes billing payments on the documents it pays.

Staff confirm a proposed match, split one transfer across several documents of one customer, or
book it all as that customer's credit; exact matches are booked by a worker after the import. A
transfer in another currency than a document pays it at BNR's rate of the booking date (both
currencies through RON, as BNR publishes them). Whatever is left of the transfer after its
allocations — and whatever a document did not need — is the customer's credit (billing). A
transaction is booked once: its row is locked and its status checked under the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.locks import lock_customer
from praho.billing.models import Document, DocumentStatus, DocumentType, PaymentMethod
from praho.billing.services.payments import record_payment, record_unallocated_payment
from praho.core.money import round_money
from praho.core.transactions import service_transaction
from praho.customers.models import Customer
from praho.payments import locks
from praho.payments.matching import Converter
from praho.payments.models import BankAllocation, BankTransaction, TransactionStatus

MAX_SPLIT = 50
DONE = (TransactionStatus.BOOKED, TransactionStatus.IGNORED)


@dataclass(frozen=True)
class Part:
    document_id: int
    amount: Decimal  # in the transfer's currency


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _documents(parts: list[Part]) -> dict[int, Document]:
    if len(parts) > MAX_SPLIT:
        raise _refuse(
            "parts", _("Split a transfer across at most %(max)d documents.") % {"max": MAX_SPLIT}, "too_many"
        )
    ids = [part.document_id for part in parts]
    if len(set(ids)) != len(ids):
        raise _refuse("parts", _("Each document may be chosen once."), "duplicate")
    found = {doc.pk: doc for doc in Document.objects.filter(pk__in=ids)}
    for index, part in enumerate(parts):
        document = found.get(part.document_id)
        if (
            document is None
            or document.status != DocumentStatus.ISSUED
            or document.document_type
            not in (
                DocumentType.PROFORMA,
                DocumentType.INVOICE,
            )
        ):
            raise _refuse(f"parts.{index}.document", _("Choose an issued proforma or invoice."), "not_open")
        amount = part.amount
        if (
            not isinstance(amount, Decimal)
            or not amount.is_finite()
            or amount != round_money(amount)
            or amount <= 0
        ):
            raise _refuse(
                f"parts.{index}.amount", _("Enter an amount greater than zero, in cents."), "invalid"
            )
    return found


def _still_open(tx: BankTransaction) -> None:
    if tx.status in DONE:
        raise _refuse(
            "transaction",
            _("This transfer is %(status)s already.") % {"status": tx.get_status_display().lower()},
            "done",
        )


def _check(
    tx: BankTransaction, parts: list[Part], documents: dict[int, Document], customer: Customer | None
) -> Customer:
    _still_open(tx)
    total = sum((part.amount for part in parts), Decimal("0.00"))
    if total > tx.amount:
        raise _refuse(
            "parts",
            _("The parts add up to %(total)s %(currency)s, more than the transfer's %(amount)s.")
            % {"total": total, "currency": tx.currency, "amount": tx.amount},
            "exceeds_transfer",
        )
    owners = {doc.customer_id for doc in documents.values()}
    if len(owners) > 1 or (customer is not None and owners and owners != {customer.pk}):
        raise _refuse(
            "parts", _("A transfer is split across documents of one customer only."), "several_customers"
        )
    if customer is None and not owners:
        raise _refuse("customer", _("Choose the customer whose credit the transfer becomes."), "required")
    return customer or Customer.objects.get(pk=owners.pop())


@service_transaction
def book(
    *, actor: Any, transaction_id: int, parts: list[Part], customer: Customer | None = None
) -> BankTransaction:
    """Book the transfer on `parts` (documents of one customer); the rest is that customer's credit.
    Without parts, all of it is `customer`'s credit."""
    unlocked = BankTransaction.objects.get(pk=transaction_id)
    documents = _documents(parts)
    owner = _check(unlocked, parts, documents, customer)
    lock_customer(owner.pk)
    tx = locks.locked_bank_transaction(transaction_id)
    _check(tx, parts, documents, owner)
    convert = Converter()
    allocations = [
        _allocate(actor, tx, index, part, documents[part.document_id], convert)
        for index, part in enumerate(parts)
    ]
    rest = tx.amount - sum((part.amount for part in parts), Decimal("0.00"))
    if rest > 0:
        allocations.append(_to_credit(actor, tx, owner, rest))
    tx.status = TransactionStatus.BOOKED
    tx.customer = owner
    tx.booked_at = timezone.now()
    tx.booked_by = actor if getattr(actor, "is_authenticated", False) else None
    tx.save(update_fields=["status", "customer", "booked_at", "booked_by"])
    record_event(
        "payments.bank_transaction_booked",
        actor=actor,
        target=tx,
        data={
            "amount": str(tx.amount),
            "currency": tx.currency,
            "customer": owner.pk,
            "parts": [
                {"document": a.document_id, "amount": str(a.amount), "payment": a.payment_id}
                for a in allocations
            ],
            "automatic": actor is None,
        },
    )
    return tx


def _reference(tx: BankTransaction) -> str:
    return (tx.remittance or tx.bank_reference or tx.payer_name)[:140]


def _allocate(
    actor: Any, tx: BankTransaction, index: int, part: Part, document: Document, convert: Converter
) -> BankAllocation:
    amount, rate = part.amount, None
    if document.currency != tx.currency:
        converted = convert(part.amount, tx.currency, document.currency, tx.booking_date)
        if converted is None:
            missing = document.currency if convert.ron_rate(tx.currency, tx.booking_date) else tx.currency
            raise _refuse(
                f"parts.{index}.amount",
                _("There is no BNR rate for %(currency)s on or before %(date)s.")
                % {"currency": missing, "date": tx.booking_date},
                "no_exchange_rate",
            )
        amount, rate = converted, (converted / part.amount).quantize(Decimal("0.00000001"))
    payment = record_payment(
        actor=actor,
        invoice=document,
        amount=amount,
        currency=document.currency,
        method=PaymentMethod.BANK_TRANSFER,
        reference=_reference(tx),
        received_on=tx.booking_date,
        external_id=f"bank:{tx.pk}:{index}",
    )
    return BankAllocation.objects.create(
        transaction=tx,
        document=document,
        amount=part.amount,
        currency=tx.currency,
        rate=rate,
        payment=payment,
    )


def _to_credit(actor: Any, tx: BankTransaction, customer: Customer, amount: Decimal) -> BankAllocation:
    payment = record_unallocated_payment(
        actor=actor,
        customer=customer,
        amount=amount,
        currency=tx.currency,
        method=PaymentMethod.BANK_TRANSFER,
        reference=_reference(tx),
        received_on=tx.booking_date,
        external_id=f"bank:{tx.pk}:credit",
    )
    return BankAllocation.objects.create(
        transaction=tx, document=None, amount=amount, currency=tx.currency, payment=payment
    )


def confirm(*, actor: Any, transaction_id: int) -> BankTransaction:
    """Book the whole transfer on the document matching proposed (more than it asks is credit)."""
    tx = BankTransaction.objects.get(pk=transaction_id)
    if tx.document_id is None:
        raise _refuse(
            "transaction", _("Nothing was proposed for this transfer; choose the documents."), "no_proposal"
        )
    return book(actor=actor, transaction_id=tx.pk, parts=[Part(tx.document_id, tx.amount)])


@service_transaction
def ignore(*, actor: Any, transaction_id: int, note: str) -> BankTransaction:
    tx = locks.locked_bank_transaction(transaction_id)
    _still_open(tx)
    tx.status = TransactionStatus.IGNORED
    tx.note = note.strip()[:500]
    tx.save(update_fields=["status", "note"])
    record_event("payments.bank_transaction_ignored", actor=actor, target=tx, data={"note": tx.note})
    return tx


def book_exact_matches(statement_id: int) -> int:
    """What matched exactly, booked one transfer per transaction; one that fails stays proposed."""
    booked = 0
    ids = BankTransaction.objects.filter(
        statement_id=statement_id, status=TransactionStatus.PROPOSED, confidence=100
    ).values_list("pk", flat=True)
    for pk in list(ids):
        try:
            confirm(actor=None, transaction_id=pk)
        except ValidationError as refused:
            # Staff booked it meanwhile (nothing to say), or it cannot be booked: say why in the queue.
            still = BankTransaction.objects.filter(pk=pk, status=TransactionStatus.PROPOSED)
            still.update(note="; ".join(refused.messages)[:500])
        else:
            booked += 1
    return booked
