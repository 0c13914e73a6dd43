"""Reads of payments' staff pages: a fixed number of queries whatever the rows."""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from praho.billing.models import Document, Payment, PaymentMethod
from praho.payments.models import (
    BankAllocation,
    BankStatement,
    BankTransaction,
    CardRefund,
    TransactionStatus,
)

TO_REVIEW = "review"  # the queue's default: proposed and unmatched transfers
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def card_payments() -> QuerySet[Payment]:
    """Card payments through Stripe, newest first, with what was refunded of each."""
    return (
        Payment.objects.filter(method=PaymentMethod.CARD, external_id__startswith="pi_")
        .select_related("customer", "document")
        .annotate(refunded=Coalesce(Sum("refunds__amount"), ZERO))
        .order_by("-received_on", "-id")
    )


def refunds_of(payment: Payment) -> list[CardRefund]:
    return list(
        CardRefund.objects.filter(payment=payment).select_related("credit_note", "created_by").order_by("-id")
    )


def bank_statements() -> QuerySet[BankStatement]:
    return BankStatement.objects.select_related("uploaded_by").order_by("-id")


def bank_queue(filters: dict[str, Any]) -> QuerySet[BankTransaction]:
    """The transfers to review (proposed first, the surest first), or of one status; newest first."""
    found = BankTransaction.objects.select_related("document", "customer")
    status = filters.get("status", TO_REVIEW)
    if status == TO_REVIEW:
        found = found.filter(status__in=(TransactionStatus.PROPOSED, TransactionStatus.UNMATCHED))
    elif status:
        found = found.filter(status=status)
    if filters.get("statement"):
        found = found.filter(statement_id=filters["statement"])
    return found.order_by("-confidence", "-booking_date", "-id")


def bank_transaction(pk: int) -> BankTransaction:
    return get_object_or_404(
        BankTransaction.objects.select_related("document", "customer", "statement", "booked_by"), pk=pk
    )


def allocations_of(tx: BankTransaction) -> list[BankAllocation]:
    return list(
        BankAllocation.objects.filter(transaction=tx).select_related("document", "payment").order_by("pk")
    )


def documents_by_number(numbers: list[str]) -> dict[str, Document]:
    """Documents whose number is one of these (case ignored; one query), keyed by the number as typed."""
    if not numbers:
        return {}
    wanted = reduce(or_, (Q(number__iexact=number) for number in numbers))
    by_number = {document.number.upper(): document for document in Document.objects.filter(wanted)}
    return {number: by_number[number.upper()] for number in numbers if number.upper() in by_number}
