"""Refunding card payments through Stripe.

Staff refund all or part of a card payment, optionally with a credit note for the invoice it paid
(the credit note turns what was paid into customer credit; the refund then pays that out, and the
ledger shows both). The refund row is written first (requested), Stripe is asked with the row's id
as idempotency key, and the refund is settled — billing's refund posted, once, by Stripe's refund
id — when Stripe answers or when its `charge.refunded` event arrives, whichever comes first. A
refund made in Stripe's dashboard arrives only as that event and is settled the same way.
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
from praho.billing.models import Payment, PaymentMethod
from praho.billing.services.corrections import credit_note as issue_credit_note
from praho.billing.services.refunds import check_refund_amount, record_refund, refundable
from praho.core.transactions import service_transaction
from praho.core.validation import fiscal_today, text_error
from praho.payments import locks
from praho.payments.gateways import stripe_api
from praho.payments.models import CardRefund, RefundStatus
from praho.payments.money import to_minor

REASON_MAX = 500


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def requested_total(payment: Payment) -> Decimal:
    """Refunds asked of Stripe whose answer is not known yet: not refundable a second time."""
    pending = CardRefund.objects.filter(payment=payment, status=RefundStatus.REQUESTED)
    return pending.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def refundable_now(payment: Payment) -> Decimal:
    return refundable(payment) - requested_total(payment)


def _check(payment: Payment, amount: Any, reason: str) -> Decimal:
    if payment.method != PaymentMethod.CARD or not payment.external_id.startswith("pi_"):
        raise _refuse(
            "payment", _("Only a card payment made through Stripe can be refunded here."), "not_card"
        )
    check_refund_amount(payment, amount, left=refundable_now(payment))
    if (problem := text_error(reason)) is not None:
        raise ValidationError({"reason": problem})
    if len(reason) > REASON_MAX:
        raise _refuse("reason", _("Use at most %(count)s characters.") % {"count": REASON_MAX}, "max_length")
    return amount


@service_transaction
def _open(
    *, actor: Any, payment: Payment, amount: Decimal, reason: str, with_credit_note: bool
) -> CardRefund:
    lock_customer(payment.customer_id)  # refunds of one customer queue here: never over-refunded
    _check(payment, amount, reason)
    note = None
    if with_credit_note:
        if payment.document is None:
            raise _refuse(
                "credit_note", _("This payment paid no invoice: there is nothing to credit."), "no_invoice"
            )
        note = issue_credit_note(actor=actor, invoice=payment.document)
    refund = CardRefund.objects.create(
        payment=payment,
        amount=amount,
        currency=payment.currency,
        status=RefundStatus.REQUESTED,
        reason=reason,
        credit_note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(
        "payments.refund_requested",
        actor=actor,
        target=refund,
        data={
            "payment": payment.pk,
            "amount": str(amount),
            "currency": payment.currency,
            "reason": reason,
            "credit_note": note.number if note else None,
        },
    )
    return refund


def refund_card_payment(
    *, actor: Any, payment: Payment, amount: Decimal, reason: str = "", with_credit_note: bool = False
) -> CardRefund:
    """Refund (part of) a card payment: the row and the credit note first, then Stripe.

    StripeRefusedError marks the refund failed (the credit note, if any, stays: the customer keeps the
    credit) and is raised as a ValidationError on "amount"; StripeUnavailableError leaves it requested
    and sends a retry to a worker."""
    refund = _open(
        actor=actor, payment=payment, amount=amount, reason=reason.strip(), with_credit_note=with_credit_note
    )
    return ask_stripe(refund.pk)


def ask_stripe(card_refund_id: int) -> CardRefund:
    refund = CardRefund.objects.select_related("payment").get(pk=card_refund_id)
    if refund.status != RefundStatus.REQUESTED:
        return refund
    try:
        answer = stripe_api.create_refund(
            payment_intent=refund.payment.external_id,
            amount_minor=to_minor(refund.amount, refund.currency),
            card_refund_id=refund.pk,
            reason=refund.reason,
        )
    except stripe_api.StripeRefusedError as refused:
        _fail(refund.pk, str(refused))
        raise _refuse(
            "amount", _("Stripe refused the refund: %(reason)s") % {"reason": refused}, "refused"
        ) from None
    except stripe_api.StripeUnavailableError:
        from praho.payments.tasks import retry_refund  # the task module imports these services

        retry_refund.apply_async((refund.pk,), countdown=60)
        return refund
    if answer.get("status") in ("succeeded", "pending"):
        return settle(
            payment=refund.payment,
            refund_id=str(answer["id"]),
            amount=refund.amount,
            refunded_on=fiscal_today(),
            card_refund_id=str(refund.pk),
        )
    _fail(refund.pk, str(answer.get("failure_reason") or answer.get("status")))
    return CardRefund.objects.get(pk=refund.pk)


@service_transaction
def _fail(card_refund_id: int, error: str) -> None:
    refund = locks.locked_card_refund(card_refund_id)
    refund.status = RefundStatus.FAILED
    refund.last_error = error[:2000]
    refund.save(update_fields=["status", "last_error"])
    record_event(
        "payments.refund_failed", target=refund, data={"payment": refund.payment_id, "error": error[:500]}
    )


@service_transaction
def settle(
    *, payment: Payment, refund_id: str, amount: Decimal, refunded_on: date, card_refund_id: str = ""
) -> CardRefund:
    """Stripe refunded `amount` as `refund_id`: the row succeeded and billing's refund posted, once."""
    lock_customer(payment.customer_id)
    refund = _row_for(payment, refund_id, card_refund_id, amount)
    if refund.status != RefundStatus.SUCCEEDED:
        refund.status = RefundStatus.SUCCEEDED
        refund.refund_id = refund_id
        refund.save(update_fields=["status", "refund_id"])
        record_event(
            "payments.refund_succeeded",
            actor=refund.created_by,
            target=refund,
            data={
                "payment": payment.pk,
                "refund": refund_id,
                "amount": str(amount),
                "currency": payment.currency,
            },
        )
    record_refund(
        actor=refund.created_by,
        payment=payment,
        amount=amount,
        reference=f"Stripe {refund_id}"[:140],
        refunded_on=min(refunded_on, fiscal_today()),
        external_id=refund_id,
    )
    return refund


def _row_for(payment: Payment, refund_id: str, card_refund_id: str, amount: Decimal) -> CardRefund:
    """The refund row Stripe's refund belongs to: by Stripe's id, by the id PRAHO gave it in the
    metadata (asked here, answer not seen yet), or a new one (made in Stripe's dashboard)."""
    found = CardRefund.objects.filter(refund_id=refund_id).values_list("pk", flat=True).first()
    if found is None and card_refund_id.isdigit():
        found = (
            CardRefund.objects.filter(pk=int(card_refund_id), payment=payment)
            .values_list("pk", flat=True)
            .first()
        )
    if found is not None:
        return locks.locked_card_refund(found)
    refund = CardRefund.objects.create(
        payment=payment,
        refund_id=refund_id,
        amount=amount,
        currency=payment.currency,
        status=RefundStatus.REQUESTED,
        reason=_("Refunded in Stripe's dashboard."),
    )
    return refund
