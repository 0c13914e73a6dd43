"""The JSON objects of the fake Stripe, built with the fields and defaults Stripe's API reference
gives them (API version 2026-02-25.clover, what stripe-python 14.x pins).

Each builder returns a plain dict, the object exactly as the API serves it: the fake keeps these
dicts as its state, so what a test reads from `fake.events` or the API is what Stripe would send.
Only the fields a billing integration reads are modelled; the rest carry Stripe's neutral values
(`None`, `{}`, `False`) so that code reading them does not trip over a missing key.
"""

from __future__ import annotations

import secrets
from typing import Any

from praho.testing.fakes.stripe_wire import Obj, new_id

API_VERSION = "2026-02-25.clover"
NO_REQUEST: Obj = {"id": None, "idempotency_key": None}  # an event caused in the dashboard


def _base(prefix: str, kind: str, created: int, *, object_id: str | None = None) -> Obj:
    return {"id": object_id or new_id(prefix), "object": kind, "created": created, "livemode": False}


def customer(*, created: int, fields: Obj) -> Obj:
    obj = _base("cus", "customer", created)
    obj.update(
        address=None,
        balance=0,
        currency=None,
        default_source=None,
        delinquent=False,
        description=None,
        discount=None,
        email=None,
        invoice_prefix=secrets.token_hex(4).upper(),
        invoice_settings={
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        metadata={},
        name=None,
        next_invoice_sequence=1,
        phone=None,
        preferred_locales=[],
        shipping=None,
        tax_exempt="none",
        test_clock=None,
    )
    obj.update(fields)
    return obj


def card(*, created: int, brand: str, last4: str, exp_month: int, exp_year: int) -> Obj:
    """A card PaymentMethod; the fingerprint is the same for the same number, as Stripe's is."""
    obj = _base("pm", "payment_method", created)
    obj.update(
        allow_redisplay="unspecified",
        billing_details=_billing_details(None),
        card={
            "brand": brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US",
            "display_brand": brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": f"fp{brand}{last4}",
            "funding": "credit",
            "last4": last4,
            "networks": {"available": [brand], "preferred": None},
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        customer=None,
        metadata={},
        type="card",
    )
    return obj


def sepa_debit(*, created: int) -> Obj:
    """A SEPA Direct Debit PaymentMethod: a payment method whose result comes days later."""
    obj = _base("pm", "payment_method", created)
    obj.update(
        allow_redisplay="unspecified",
        billing_details=_billing_details(None),
        customer=None,
        metadata={},
        sepa_debit={
            "bank_code": "37040044",
            "branch_code": "",
            "country": "DE",
            "fingerprint": "fpsepa3000",
            "generated_from": {"charge": None, "setup_attempt": None},
            "last4": "3000",
        },
        type="sepa_debit",
    )
    return obj


def _billing_details(email: str | None) -> Obj:
    address = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))
    return {"address": address, "email": email, "name": None, "phone": None, "tax_id": None}


def checkout_session(*, created: int, fields: Obj) -> Obj:
    obj = _base("cs", "checkout.session", created, object_id=new_id("cs_test", 58))
    obj.update(
        after_expiration=None,
        allow_promotion_codes=None,
        amount_subtotal=0,
        amount_total=0,
        automatic_tax={"enabled": False, "liability": None, "provider": None, "status": None},
        billing_address_collection=None,
        cancel_url=None,
        client_reference_id=None,
        client_secret=None,
        currency=None,
        customer=None,
        customer_creation="if_required",
        customer_details=None,
        customer_email=None,
        expires_at=created + 24 * 3600,
        invoice=None,
        invoice_creation=None,
        locale=None,
        metadata={},
        mode="payment",
        payment_intent=None,
        payment_link=None,
        payment_method_collection="if_required",
        payment_method_options={},
        payment_method_types=["card"],
        payment_status="unpaid",
        status="open",
        submit_type=None,
        success_url=None,
        total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        ui_mode="hosted",
        url=None,
    )
    obj.update(fields)
    return obj


def line_item(*, currency: str, unit_amount: int, quantity: int, name: str, created: int) -> Obj:
    total = unit_amount * quantity
    price = _base("price", "price", created)
    price.update(
        active=False,
        currency=currency,
        product=new_id("prod", 14),
        type="one_time",
        unit_amount=unit_amount,
        unit_amount_decimal=str(unit_amount),
    )
    return {
        "id": new_id("li"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": total,
        "amount_tax": 0,
        "amount_total": total,
        "currency": currency,
        "description": name,
        "price": price,
        "quantity": quantity,
    }


def customer_details(email: str | None) -> Obj:
    return {
        "address": None,
        "email": email,
        "name": None,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }


def payment_intent(*, created: int, fields: Obj) -> Obj:
    obj = _base("pi", "payment_intent", created)
    obj.update(
        amount=0,
        amount_capturable=0,
        amount_received=0,
        automatic_payment_methods=None,
        canceled_at=None,
        cancellation_reason=None,
        capture_method="automatic",
        client_secret=f"{obj['id']}_secret_{secrets.token_urlsafe(18)}",
        confirmation_method="automatic",
        currency=None,
        customer=None,
        description=None,
        last_payment_error=None,
        latest_charge=None,
        metadata={},
        next_action=None,
        payment_method=None,
        payment_method_types=["card"],
        receipt_email=None,
        setup_future_usage=None,
        status="requires_payment_method",
    )
    obj.update(fields)
    return obj


def charge(*, created: int, intent: Obj, method: Obj, status: str, failure: Obj | None = None) -> Obj:
    """The charge of a PaymentIntent paid with `method`; `failure` is a declined card's error."""
    obj = _base("ch", "charge", created)
    succeeded = status == "succeeded"
    obj.update(
        amount=intent["amount"],
        amount_captured=intent["amount"] if succeeded else 0,
        amount_refunded=0,
        balance_transaction=new_id("txn") if succeeded else None,
        billing_details=deep_copy(method["billing_details"]),
        captured=succeeded,
        currency=intent["currency"],
        customer=intent["customer"],
        description=intent["description"],
        disputed=False,
        failure_code=failure["code"] if failure else None,
        failure_message=failure["message"] if failure else None,
        metadata=dict(intent["metadata"]),
        outcome=_outcome(status, failure),
        paid=succeeded,
        payment_intent=intent["id"],
        payment_method=method["id"],
        payment_method_details={"type": method["type"], method["type"]: _method_details(method)},
        receipt_email=intent["receipt_email"],
        receipt_url=None,
        refunded=False,
        status=status,
    )
    return obj


def _method_details(method: Obj) -> Obj:
    details: Obj = dict(method[method["type"]])
    for kept_apart in ("checks", "networks", "three_d_secure_usage", "wallet", "generated_from"):
        details.pop(kept_apart, None)
    return details


def _outcome(status: str, failure: Obj | None) -> Obj:
    if failure is not None:
        return {
            "network_status": "declined_by_network",
            "reason": failure.get("decline_code"),
            "risk_level": "normal",
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        }
    message = "Payment complete." if status == "succeeded" else "Payment pending."
    return {
        "network_status": "approved_by_network",
        "reason": None,
        "risk_level": "normal",
        "seller_message": message,
        "type": "authorized",
    }


def refund(*, created: int, charge: Obj, amount: int, reason: str | None, metadata: dict[str, str]) -> Obj:
    obj = _base("re", "refund", created)
    obj.update(
        amount=amount,
        balance_transaction=new_id("txn"),
        charge=charge["id"],
        currency=charge["currency"],
        destination_details={"card": {"type": "refund"}, "type": "card"},
        metadata=metadata,
        payment_intent=charge["payment_intent"],
        reason=reason,
        receipt_number=None,
        source_transfer_reversal=None,
        status="succeeded",
        transfer_reversal=None,
    )
    return obj


def dispute(*, created: int, charge: Obj, reason: str) -> Obj:
    obj = _base("dp", "dispute", created)
    obj.update(
        amount=charge["amount"],
        balance_transactions=[],
        charge=charge["id"],
        currency=charge["currency"],
        evidence={},
        evidence_details={
            "due_by": created + 7 * 24 * 3600,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        is_charge_refundable=False,
        metadata={},
        payment_intent=charge["payment_intent"],
        reason=reason,
        status="needs_response",
    )
    return obj


def portal_session(*, created: int, customer: str, return_url: str | None, locale: str | None) -> Obj:
    obj = _base("bps", "billing_portal.session", created)
    obj.update(
        configuration=new_id("bpc"),
        customer=customer,
        flow=None,
        locale=locale,
        on_behalf_of=None,
        return_url=return_url,
        url=None,
    )
    return obj


def event(*, created: int, type: str, data: Obj, request: Obj) -> Obj:
    obj = _base("evt", "event", created)
    obj.update(
        api_version=API_VERSION,
        data=data,
        pending_webhooks=1,
        request=dict(request),
        type=type,
    )
    return obj


def listing(url: str, data: list[Obj], *, has_more: bool) -> Obj:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


# Stripe's test card numbers the fake knows, and what charging a saved one off-session does
# (None: it succeeds; else the decline, as `decline` names it). 4000002760003184 asks for
# authentication on every payment: paid on the Checkout page (the customer authenticates), then
# refused off-session with `authentication_required`; 4000000000000341 is saved fine and declined
# when charged. Stripe refuses to save 9995 and 0069 at all; the fake saves them (`add_card`) so
# that tests can reach each decline through a card, as with 0341.
TEST_CARDS: dict[str, tuple[str, str | None]] = {
    "4242424242424242": ("visa", None),
    "5555555555554444": ("mastercard", None),
    "4000002500003155": ("visa", None),  # authentication on session only; saved for off-session use
    "4000002760003184": ("visa", "authentication_required"),
    "4000000000000341": ("visa", "card_declined"),
    "4000000000009995": ("visa", "insufficient_funds"),
    "4000000000000069": ("visa", "expired_card"),
}


def test_card(number: str) -> tuple[str, str | None]:
    """(brand, off-session decline or None) of a test card number; ValueError for another."""
    if number not in TEST_CARDS:
        raise ValueError(f"Unknown test card {number!r}; choose one of {sorted(TEST_CARDS)}")
    return TEST_CARDS[number]


def decline(code: str) -> Obj:
    """The card error of a declined payment, by the test hook's code."""
    known: dict[str, tuple[str, str, str]] = {
        "card_declined": ("card_declined", "generic_decline", "Your card was declined."),
        "insufficient_funds": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
        "expired_card": ("expired_card", "expired_card", "Your card has expired."),
        "authentication_required": (
            "authentication_required",
            "authentication_required",
            "Your card was declined. This transaction requires authentication.",
        ),
    }
    if code not in known:
        raise ValueError(f"Unknown decline {code!r}; choose one of {sorted(known)}")
    error_code, decline_code, message = known[code]
    return {"code": error_code, "decline_code": decline_code, "message": message, "type": "card_error"}


def deep_copy(value: Any) -> Any:
    """A copy of a JSON value (faster than copy.deepcopy for plain dicts and lists)."""
    if isinstance(value, dict):
        return {key: deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [deep_copy(item) for item in value]
    return value
