"""Reads of payments' staff pages: a fixed number of queries whatever the rows."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from praho.billing.models import Payment, PaymentMethod
from praho.payments.models import CardRefund

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
