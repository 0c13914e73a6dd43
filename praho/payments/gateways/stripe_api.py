"""Stripe, through the `stripe` library, at STRIPE_API_BASE (Stripe itself, or the local fake).

Small functions returning what PRAHO needs as plain values. Failures are one of two kinds:
`StripeUnavailableError` (no answer, 5xx, rate limited: try again later) or `StripeRefusedError` (Stripe
answered no: bad request, card declined, nothing to refund), with Stripe's message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import stripe
from django.conf import settings


class StripeError(Exception):
    pass


class StripeUnavailableError(StripeError):
    pass


class StripeRefusedError(StripeError):
    pass


class StripeCardError(StripeRefusedError):
    """The card was refused (Stripe's 402 `card_error`): `code` is Stripe's error code
    ("card_declined", "authentication_required", "expired_card", ...), `decline_code` the bank's
    reason when given, `payment_intent` the id of the PaymentIntent the attempt left behind."""

    def __init__(self, message: str, *, code: str, decline_code: str, payment_intent: str) -> None:
        super().__init__(message)
        self.code = code
        self.decline_code = decline_code
        self.payment_intent = payment_intent


@dataclass(frozen=True)
class Session:
    id: str
    url: str
    expires_at: datetime


def client() -> stripe.StripeClient:
    """A client for the current settings (tests point them at a fake; building one costs nothing)."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        max_network_retries=0,  # retries are the caller's (tasks with backoff)
    )


def _call(method: Any, params: dict[str, Any], options: dict[str, Any] | None = None) -> Any:
    try:
        return method(params=params, options=options or {})
    except stripe.CardError as error:
        raise _card_error(error) from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise StripeUnavailableError(str(error.user_message or error)) from error
    except stripe.APIError as error:
        raise StripeUnavailableError(str(error.user_message or error)) from error
    except stripe.StripeError as error:
        if (error.http_status or 0) >= 500:
            raise StripeUnavailableError(str(error.user_message or error)) from error
        raise StripeRefusedError(str(error.user_message or error)) from error


def create_customer(*, name: str, email: str, praho_id: int) -> str:
    params = {"name": name, "metadata": {"praho_customer_id": str(praho_id)}}
    if email:
        params["email"] = email
    # One Stripe customer per PRAHO customer even when two first payments race (24 h key window).
    created = _call(client().v1.customers.create, params, {"idempotency_key": f"praho-customer-{praho_id}"})
    return str(created.id)


def create_checkout_session(
    *,
    stripe_customer: str,
    amount_minor: int,
    currency: str,
    description: str,
    document_id: int,
    document_number: str,
    save_card: bool,
    success_url: str,
    cancel_url: str,
) -> Session:
    metadata = {"document_id": str(document_id)}
    params: dict[str, Any] = {
        "mode": "payment",
        "customer": stripe_customer,
        "client_reference_id": document_number,
        "metadata": metadata,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount_minor,
                    "product_data": {"name": description},
                },
            }
        ],
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if save_card:
        params["payment_intent_data"]["setup_future_usage"] = "off_session"
    created = _call(client().v1.checkout.sessions.create, params)
    return Session(created.id, created.url, datetime.fromtimestamp(created.expires_at, tz=UTC))


def retrieve_session(session_id: str) -> dict[str, Any]:
    return _plain(_call(partial(client().v1.checkout.sessions.retrieve, session_id), {}))


def sessions_of_payment_intent(payment_intent: str) -> list[dict[str, Any]]:
    found = _call(client().v1.checkout.sessions.list, {"payment_intent": payment_intent, "limit": 1})
    return [_plain(session) for session in found.data]


def retrieve_charge(charge_id: str) -> dict[str, Any]:
    return _plain(_call(partial(client().v1.charges.retrieve, charge_id), {}))


def refunds_of_charge(charge_id: str) -> list[dict[str, Any]]:
    """Every refund of the charge (a charge is refunded a handful of times at most: one page)."""
    found = _call(client().v1.refunds.list, {"charge": charge_id, "limit": 100})
    return [_plain(refund) for refund in found.data]


def retrieve_customer(customer_id: str) -> dict[str, Any]:
    return _plain(_call(partial(client().v1.customers.retrieve, customer_id), {}))


def portal_url(*, stripe_customer: str, return_url: str) -> str:
    created = _call(
        client().v1.billing_portal.sessions.create, {"customer": stripe_customer, "return_url": return_url}
    )
    return str(created.url)


def create_refund(
    *, payment_intent: str, amount_minor: int, card_refund_id: int, reason: str
) -> dict[str, Any]:
    params = {
        "payment_intent": payment_intent,
        "amount": amount_minor,
        "metadata": {"praho_refund_id": str(card_refund_id), "reason": reason[:500]},
    }
    created = _call(client().v1.refunds.create, params, {"idempotency_key": f"praho-refund-{card_refund_id}"})
    return _plain(created)


@dataclass(frozen=True)
class OffSessionCharge:
    payment_intent: str
    status: str  # Stripe's: "succeeded"; "processing" for a method whose result comes later
    amount_received: int
    currency: str
    created: int
    intent: dict[str, Any]  # the PaymentIntent as Stripe answered it


def charge_off_session(
    *,
    stripe_customer: str,
    payment_method: str,
    amount_minor: int,
    currency: str,
    document_id: int,
    autocharge_id: int,
    description: str,
) -> OffSessionCharge:
    """Charge a saved card with nobody present: a PaymentIntent created and confirmed at once.

    The key `autocharge-<id>` makes asking again (a task retried after a lost answer) the same
    request: Stripe answers it as the first time, success or decline, and charges once. A refused
    card raises StripeCardError carrying the PaymentIntent; the result also comes as the
    `payment_intent.succeeded` / `payment_intent.payment_failed` webhook."""
    params: dict[str, Any] = {
        "amount": amount_minor,
        "currency": currency.lower(),
        "customer": stripe_customer,
        "payment_method": payment_method,
        "off_session": True,
        "confirm": True,
        "description": description[:1000],
        "metadata": {"document_id": str(document_id), "autocharge_id": str(autocharge_id)},
    }
    created = _call(
        client().v1.payment_intents.create, params, {"idempotency_key": f"autocharge-{autocharge_id}"}
    )
    return OffSessionCharge(
        payment_intent=str(created.id),
        status=str(created.status),
        amount_received=int(created.amount_received or 0),
        currency=str(created.currency),
        created=int(created.created),
        intent=_plain(created),
    )


def retrieve_payment_intent(intent_id: str) -> dict[str, Any]:
    return _plain(_call(partial(client().v1.payment_intents.retrieve, intent_id), {}))


def set_default_payment_method(*, stripe_customer: str, payment_method: str) -> None:
    """The card Stripe's Portal shows as default, and PRAHO charges off-session."""
    _call(
        partial(client().v1.customers.update, stripe_customer),
        {"invoice_settings": {"default_payment_method": payment_method}},
    )


def _card_error(error: stripe.CardError) -> StripeCardError:
    detail = error.error
    intent = getattr(detail, "payment_intent", None) if detail is not None else None
    intent_id = intent.get("id", "") if isinstance(intent, dict) else str(intent or "")
    return StripeCardError(
        str(error.user_message or error),
        code=str(error.code or "card_declined"),
        decline_code=str(getattr(detail, "decline_code", None) or "") if detail is not None else "",
        payment_intent=intent_id,
    )


def _plain(obj: Any) -> Any:
    """Stripe's objects (dicts underneath) as plain dicts and lists, all the way down."""
    if isinstance(obj, dict):
        return {key: _plain(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_plain(value) for value in obj]
    return obj
