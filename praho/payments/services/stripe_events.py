"""Stripe's events, as the webhook inbox hands them over (one transaction each, the event's row
locked; praho.inbox). Each handler is idempotent and reads Stripe's current object where the order
of events matters, so any order of delivery ends in the same state:

- checkout.session.completed / async_payment_succeeded / async_payment_failed: the session is
  fetched; paid → billing payment on `metadata.document_id` for `amount_total` (external id = the
  PaymentIntent, so recorded once), completed but unpaid (a bank debit) → awaiting payment (unless
  the debit's failure was processed first), failed → marked and audited (dunning reads it).
- payment_intent.succeeded: only for off-session charges of a saved card (`metadata.autocharge_id`;
  Checkout's intents are paid through their session's events): billing payment on
  `metadata.document_id` for `amount_received`, once (external id = the PaymentIntent), and
  `signals.card_charge_finished` for the app that asked for the charge.
- payment_intent.payment_failed: the card was declined; recorded on the session and audited; for
  an off-session charge, `signals.card_charge_finished` with the reason.
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
from praho.payments.signals import card_charge_finished

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
    payment = record_card_payment(
        document_id=document_id,
        payment_intent=intent,
        amount=from_minor(int(session["amount_total"]), session["currency"]),
        currency=str(session["currency"]).upper(),
        received_on=received_on,
    )
    _mark(session["id"], CheckoutStatus.PAID, payment_intent=intent)
    _keep_saved_card(session, intent)
    return payment


def record_card_payment(
    *, document_id: int, payment_intent: str, amount: Any, currency: str, received_on: Any
) -> Payment:
    """The billing payment of a card payment on the document, recorded once (by the PaymentIntent);
    customer credit when the document no longer takes it."""
    document = Document.objects.select_related("customer").filter(pk=document_id).first()
    if document is None:
        raise IgnoreEvent(_("Document %(id)s does not exist here.") % {"id": document_id})
    reference = f"Stripe {payment_intent}"[:140]
    try:
        return record_payment(
            actor=None,
            invoice=document,
            amount=amount,
            currency=currency,
            method=PaymentMethod.CARD,
            reference=reference,
            received_on=received_on,
            external_id=payment_intent,
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
            external_id=payment_intent,
        )
        record_event(
            "payments.card_payment_unallocated",
            target=payment,
            data={"document_id": document_id, "reason": "; ".join(refused.messages)},
        )
        return payment


def _keep_saved_card(session: dict[str, Any], intent: str) -> None:
    """A card saved at checkout (`setup_future_usage=off_session`) becomes the customer's default
    card, here and at Stripe (its Portal shows it so, and `customer.updated` then agrees)."""
    if not CheckoutSession.objects.filter(session_id=session["id"], save_card=True).exists():
        return
    account = StripeCustomer.objects.filter(stripe_id=str(session.get("customer") or "")).first()
    if account is None:
        return
    method = str(stripe_api.retrieve_payment_intent(intent).get("payment_method") or "")
    if not method or method == account.default_payment_method:
        return
    stripe_api.set_default_payment_method(stripe_customer=account.stripe_id, payment_method=method)
    account.default_payment_method = method
    account.save(update_fields=["default_payment_method", "updated_at"])
    record_event(
        "payments.card_saved",
        object_type="customers.customer",
        object_id=account.customer_id,
        data={"stripe_customer": account.stripe_id, "payment_method": method, "session": session["id"]},
    )


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
    """payment_intent.payment_failed: a declined card. The customer may try again on the page;
    the app that asked for an off-session charge hears of it (`card_charge_finished`)."""
    intent = _object(event)
    document_id = str((intent.get("metadata") or {}).get("document_id", ""))
    if not document_id.isdigit():
        raise IgnoreEvent(_("Not a PRAHO payment (no document_id in its metadata)."))
    failure = intent.get("last_payment_error") or {}
    error = failure.get("message") or _("The card was declined.")
    autocharge_id = _autocharge_id(intent)
    if autocharge_id is not None:
        card_charge_finished.send(
            sender=payment_failed,
            document_id=int(document_id),
            payment_intent=str(intent.get("id", "")),
            succeeded=False,
            error=decline_reason(failure),
            autocharge_id=autocharge_id,
        )
    session = CheckoutSession.objects.filter(document_id=int(document_id)).order_by("-id").first()
    if autocharge_id is None and session is not None and session.status == CheckoutStatus.OPEN:
        session.last_error = str(error)[:2000]
        session.save(update_fields=["last_error"])
    record_event(
        "payments.card_payment_failed",
        object_type="billing.document",
        object_id=document_id,
        data={"payment_intent": intent.get("id", ""), "error": str(error)[:500]},
    )


def decline_reason(error: dict[str, Any]) -> str:
    """A refused card as "<reason code>: <Stripe's message>" ("insufficient_funds: Your card has
    insufficient funds."): the bank's decline code, else Stripe's error code; the code first, so
    that what is shown to a customer can be chosen by it, in their language."""
    message = str(error.get("message") or "The card was declined.")
    code = str(error.get("decline_code") or error.get("code") or "card_declined")
    return f"{code}: {message}"[:500]


# --- Off-session charges of a saved card -------------------------------------------------------------


def _autocharge_id(intent: dict[str, Any]) -> int | None:
    raw = str((intent.get("metadata") or {}).get("autocharge_id", ""))
    return int(raw) if raw.isdigit() else None


def intent_succeeded(event: InboundEvent) -> None:
    """payment_intent.succeeded of an off-session charge (Checkout's are paid through their
    sessions' events, which know the session)."""
    intent = _object(event)
    if _autocharge_id(intent) is None:
        raise IgnoreEvent(_("Not an off-session charge of a saved card (paid through its checkout)."))
    record_off_session_payment(intent)


def record_off_session_payment(intent: dict[str, Any]) -> Payment:
    """The billing payment of a succeeded off-session PaymentIntent, recorded once (by its id), on
    the day Stripe made it; then `card_charge_finished`, every time (receivers are idempotent)."""
    autocharge_id = _autocharge_id(intent)
    document_id = _praho_document_id(intent)
    if autocharge_id is None or intent.get("status") != "succeeded":
        raise IgnoreEvent(
            _("PaymentIntent %(id)s is not a succeeded off-session charge.") % {"id": intent["id"]}
        )
    payment = record_card_payment(
        document_id=document_id,
        payment_intent=str(intent["id"]),
        amount=from_minor(int(intent["amount_received"]), intent["currency"]),
        currency=str(intent["currency"]).upper(),
        received_on=_day(int(intent["created"])),
    )
    card_charge_finished.send(
        sender=record_off_session_payment,
        document_id=document_id,
        payment_intent=str(intent["id"]),
        succeeded=True,
        error="",
        autocharge_id=autocharge_id,
    )
    return payment


# --- Charges: refunds and disputes ------------------------------------------------------------------


def _payment_of_intent(intent: str, *, received_on: Any) -> Payment:
    """The billing payment of a PaymentIntent; recorded now from its session when its own event
    has not been processed yet (events come in any order)."""
    payment = Payment.objects.filter(external_id=intent).first()
    if payment is not None:
        return payment
    sessions = [s for s in stripe_api.sessions_of_payment_intent(intent) if s.get("payment_status") == PAID]
    if sessions:
        return record_session_payment(sessions[0], received_on=received_on)
    current = stripe_api.retrieve_payment_intent(intent)
    if _autocharge_id(current) is not None and current.get("status") == "succeeded":
        return record_off_session_payment(current)  # an off-session charge whose event is still to come
    raise IgnoreEvent(_("No PRAHO checkout paid with %(intent)s.") % {"intent": intent})


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
