"""Refunds: money paid back to a customer against one of its payments.

A refund never exceeds what is left of its payment (its amount less earlier refunds). The ledger
pays it out of the customer's credit in that currency first (what a credit note issued for the
refund, or an overpayment, left there) and reopens the invoice the payment paid for the rest
(praho.billing.services.ledger.post_refund). A processor's refund id makes it idempotent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.locks import lock_customer
from praho.billing.models import Payment, Refund
from praho.billing.services import ledger
from praho.core.money import round_money
from praho.core.transactions import service_transaction
from praho.core.validation import date_error, fiscal_today, text_error

REFERENCE_MAX = Refund._meta.get_field("reference").max_length or 140
ZERO = Decimal("0.00")


def refundable(payment: Payment) -> Decimal:
    """What is left to refund of the payment."""
    refunded = Refund.objects.filter(payment=payment).aggregate(total=Sum("amount"))["total"] or ZERO
    return payment.amount - refunded


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def check_refund_amount(payment: Payment, amount: Any, *, left: Decimal) -> None:
    """A refund's amount: cents, above zero, at most `left` (what is left to refund of the payment;
    a processor's caller also keeps back refunds it asked for and has no answer to yet)."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount != round_money(amount):
        raise _refuse("amount", _("Enter an amount in cents, e.g. 12.50."), "decimals")
    if amount <= 0:
        raise _refuse("amount", _("The amount must be greater than zero."), "not_positive")
    if amount > left:
        raise _refuse(
            "amount",
            _("Only %(left)s %(currency)s of this payment is left to refund.")
            % {"left": left, "currency": payment.currency},
            "exceeds_payment",
        )


def _check(payment: Payment, amount: Decimal, reference: str, refunded_on: date) -> None:
    check_refund_amount(payment, amount, left=refundable(payment))
    if (problem := text_error(reference)) is not None:
        raise ValidationError({"reference": problem})
    if len(reference) > REFERENCE_MAX:
        raise _refuse(
            "reference", _("Use at most %(count)s characters.") % {"count": REFERENCE_MAX}, "max_length"
        )
    if (out_of_range := date_error(refunded_on)) is not None:
        raise ValidationError({"refunded_on": out_of_range})
    if refunded_on > fiscal_today():
        raise _refuse("refunded_on", _("A refund cannot be made in the future."), "future")


@service_transaction
def record_refund(
    *,
    actor: Any,
    payment: Payment,
    amount: Decimal,
    reference: str,
    refunded_on: date,
    external_id: str = "",
) -> Refund:
    """Record money paid back against `payment` and post it; the same `external_id` again returns
    the refund recorded the first time."""
    if external_id:
        existing = Refund.objects.filter(external_id=external_id).first()
        if existing is not None:
            if (existing.payment_id, existing.amount) != (payment.pk, amount):
                raise _refuse(
                    "external_id",
                    _("Refund %(external_id)s was already recorded with another payment or amount.")
                    % {"external_id": external_id},
                    "external_id_reused",
                )
            return existing
    lock_customer(payment.customer_id)  # refunds of one payment queue here: never over-refunded
    _check(payment, amount, reference, refunded_on)
    refund = Refund.objects.create(
        payment=payment,
        customer_id=payment.customer_id,
        amount=amount,
        currency=payment.currency,
        reference=reference,
        refunded_on=refunded_on,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        external_id=external_id,
    )
    txn = ledger.post_refund(refund, actor=actor)
    record_event(
        "billing.refund_recorded",
        actor=actor,
        target=refund,
        data={
            "payment": payment.pk,
            "invoice_id": payment.document_id,
            "amount": str(amount),
            "currency": payment.currency,
            "reference": reference,
            "refunded_on": refunded_on.isoformat(),
            "external_id": external_id,
            "transaction": txn.pk,
        },
    )
    return refund
