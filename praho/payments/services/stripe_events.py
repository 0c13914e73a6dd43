"""Stripe's events, as the webhook inbox hands them over (one transaction each, the event's row
locked; praho.inbox). Each handler is idempotent and reads Stripe's current object where the order
of events matters, so any order of delivery ends in the same state:

- checkout.session.completed / async_payment_succeeded / async_payment_failed: the session is
  fetched; paid → billing payment on `metadata.document_id` for `amount_total` (external id = the
  PaymentIntent, so recorded once), completed but unpaid (a bank debit) → awaiting payment (unless
  the debit's failure was processed first), failed → marked and audited (dunning reads it).
- payment_intent.payment_failed: the card was declined; recorded on the session and audited.
- charge.refunded: the charge's refunds are fetched and every succeeded one is recorded once
  (billing refund, external id = Stripe's refund id), made here or in Stripe's dashboard; the
  payment is recorded first if its own event has not been processed yet.
- charge.dispute.created: a dispute row and an audit event staff see, tied to its payment (recorded
  first, as for a refund, when its own event has not been processed yet).
- customer.updated: the e-mail and default card kept on the Stripe customer row.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.models import Document, Payment, PaymentMethod
from praho.billing.services.payments import record_payment, record_unallocated_payment
from praho.core.validation import FISCAL_TIME_ZONE
from praho.inbox.models import InboundEvent
from praho.inbox.services import IgnoreEvent
from praho.payments import locks
from praho.payments.gateways import stripe_api
from praho.payments.models import CheckoutSession, CheckoutStatus, Dispute, StripeCustomer
from praho.payments.money import from_minor
from praho.payments.services import card_refunds

PAID = "paid"


def _object(event: InboundEvent) -> dict[str, Any]:
    return json.loads(event.payload)["data"]["object"]


def _day(timestamp: int) -> Any:
    return datetime.fromtimestamp(timestamp, tz=FISCAL_TIME_ZONE).date()


def _created_day(event: InboundEvent) -> Any:
    return _day(int(json.loads(event.payload)["created"]))


def _praho_document_id(session: dict[str, Any]) -> int:
    raw = (session.get("metadata") or {}).get("document_id", "")
    if not str(raw).isdigit():
        raise IgnoreEvent(_("Not a PRAHO checkout (no document_id in its metadata)."))
    return int(raw)


# --- Checkout Sessions ---------------------------------------------------------------------------


def session_changed(event: InboundEvent) -> None:
    """Any checkout.session.* event: act on the session as Stripe has it now."""
    sent = _object(event)
    _praho_document_id(sent)
    current = stripe_api.retrieve_session(sent["id"])
    if current.get("payment_status") == PAID:
        record_session_payment(current, received_on=_created_day(event))
    elif event.event_type == "checkout.session.async_payment_failed":
        _mark(current["id"], CheckoutStatus.FAILED, error=_("The bank payment failed."), audit=True)
    elif current.get("status") == "complete":
        _mark(current["id"], CheckoutStatus.AWAITING_PAYMENT)
    elif current.get("status") == "expired":
        _mark(current["id"], CheckoutStatus.EXPIRED)


def record_session_payment(session: dict[str, Any], *, received_on: Any) -> Payment:
    """The billing payment of a paid session, recorded once (by its PaymentIntent)."""
    document_id = _praho_document_id(session)
    intent = str(session["payment_intent"])
    amount = from_minor(int(session["amount_total"]), session["currency"])
    currency = str(session["currency"]).upper()
    document = Document.objects.select_related("customer").filter(pk=document_id).first()
    if document is None:
        raise IgnoreEvent(_("Document %(id)s does not exist here.") % {"id": document_id})
    reference = f"Stripe {intent}"[:140]
    try:
        payment = record_payment(
            actor=None,
            invoice=document,
            amount=amount,
            currency=currency,
            method=PaymentMethod.CARD,
            reference=reference,
            received_on=received_on,
            external_id=intent,
        )
    except ValidationError as refused:
        # The money arrived but the document no longer takes it (a proforma cancelled meanwhile):
        # it is the customer's credit, and staff hear of it.
        if "invoice" not in getattr(refused, "error_dict", {}):
            raise
        payment = record_unallocated_payment(
            actor=None,
            customer=document.customer,
            amount=amount,
            currency=currency,
            method=PaymentMethod.CARD,
            reference=reference,
            received_on=received_on,
            external_id=intent,
        )
        record_event(
            "payments.card_payment_unallocated",
            target=payment,
            data={"document_id": document_id, "reason": "; ".join(refused.messages)},
        )
    _mark(session["id"], CheckoutStatus.PAID, payment_intent=intent)
    return payment


def _mark(
    session_id: str, status: str, *, payment_intent: str = "", error: str = "", audit: bool = False
) -> None:
    session = locks.locked_checkout(session_id)
    if session is None or session.status == CheckoutStatus.PAID:
        return  # opened elsewhere (another PRAHO, the API), or paid: nothing moves it back
    if status == CheckoutStatus.AWAITING_PAYMENT and session.status != CheckoutStatus.OPEN:
        # Stripe's session reads "complete, unpaid" before and after a bank debit fails, so a
        # completion processed after the failure would otherwise move it back to waiting.
        return
    session.status = status
    session.payment_intent = payment_intent or session.payment_intent
    session.last_error = error or session.last_error
    session.save(update_fields=["status", "payment_intent", "last_error"])
    if audit:
        record_event(
            "payments.card_payment_failed",
            target=session,
            data={"document_id": session.document_id, "session": session_id, "error": error},
        )


def payment_failed(event: InboundEvent) -> None:
    """payment_intent.payment_failed: a declined card. The customer may try again on the page."""
    intent = _object(event)
    document_id = str((intent.get("metadata") or {}).get("document_id", ""))
    if not document_id.isdigit():
        raise IgnoreEvent(_("Not a PRAHO payment (no document_id in its metadata)."))
    error = (intent.get("last_payment_error") or {}).get("message") or _("The card was declined.")
    session = CheckoutSession.objects.filter(document_id=int(document_id)).order_by("-id").first()
    if session is not None and session.status == CheckoutStatus.OPEN:
        session.last_error = str(error)[:2000]
        session.save(update_fields=["last_error"])
    record_event(
        "payments.card_payment_failed",
        object_type="billing.document",
        object_id=document_id,
        data={"payment_intent": intent.get("id", ""), "error": str(error)[:500]},
    )


# --- Charges: refunds and disputes ------------------------------------------------------------------


def _payment_of_intent(intent: str, *, received_on: Any) -> Payment:
    """The billing payment of a PaymentIntent; recorded now from its session when its own event
    has not been processed yet (events come in any order)."""
    payment = Payment.objects.filter(external_id=intent).first()
    if payment is not None:
        return payment
    sessions = [s for s in stripe_api.sessions_of_payment_intent(intent) if s.get("payment_status") == PAID]
    if not sessions:
        raise IgnoreEvent(_("No PRAHO checkout paid with %(intent)s.") % {"intent": intent})
    return record_session_payment(sessions[0], received_on=received_on)


def charge_refunded(event: InboundEvent) -> None:
    charge = stripe_api.retrieve_charge(_object(event)["id"])
    if not (charge.get("metadata") or {}).get("document_id"):
        raise IgnoreEvent(_("Not a PRAHO payment (no document_id in its metadata)."))
    payment = _payment_of_intent(str(charge["payment_intent"]), received_on=_created_day(event))
    for refund in stripe_api.refunds_of_charge(charge["id"]):
        if refund.get("status") == "succeeded":
            card_refunds.settle(
                payment=payment,
                refund_id=str(refund["id"]),
                amount=from_minor(int(refund["amount"]), refund["currency"]),
                refunded_on=_day(int(refund["created"])),
                card_refund_id=(refund.get("metadata") or {}).get("praho_refund_id", ""),
            )


def _payment_if_ours(intent: str, *, received_on: Any) -> Payment | None:
    """The billing payment of a PaymentIntent (recorded now if its own event is still to come), or
    None for a charge PRAHO's checkouts did not make."""
    if not intent:
        return None
    try:
        return _payment_of_intent(intent, received_on=received_on)
    except IgnoreEvent:
        return None


def dispute_created(event: InboundEvent) -> None:
    dispute = _object(event)
    payment = _payment_if_ours(str(dispute.get("payment_intent") or ""), received_on=_created_day(event))
    row, created = Dispute.objects.get_or_create(
        dispute_id=dispute["id"],
        defaults={
            "charge_id": dispute.get("charge", ""),
            "payment": payment,
            "amount": from_minor(int(dispute["amount"]), dispute["currency"]),
            "currency": str(dispute["currency"]).upper(),
            "reason": str(dispute.get("reason", ""))[:100],
            "status": str(dispute.get("status", ""))[:40],
        },
    )
    if not created and row.payment is None and payment is not None:  # a replay ties it to its payment
        row.payment = payment
        row.save(update_fields=["payment"])
    if created:
        record_event(
            "payments.dispute_opened",
            target=row,
            data={
                "charge": row.charge_id,
                "payment": payment.pk if payment else None,
                "amount": str(row.amount),
                "currency": row.currency,
                "reason": row.reason,
            },
        )


def customer_updated(event: InboundEvent) -> None:
    sent = _object(event)
    account = StripeCustomer.objects.filter(stripe_id=sent["id"]).first()
    if account is None:
        raise IgnoreEvent(_("Not a PRAHO customer."))
    current = stripe_api.retrieve_customer(sent["id"])
    settings = current.get("invoice_settings") or {}
    account.email = str(current.get("email") or "")[:254]
    account.default_payment_method = str(settings.get("default_payment_method") or "")
    account.save(update_fields=["email", "default_payment_method", "updated_at"])
