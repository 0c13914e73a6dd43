"""Checkout and the customer portal in the fake Stripe: what a customer does on Stripe's pages.

A Checkout Session (mode `payment`) is created open, with its hosted page at
`{fake.url}/pay/{id}` and an expiry (24 hours unless `expires_at` says otherwise). Paying it
charges a test card (or, for an asynchronous payment, a SEPA debit whose result comes later),
saves the card on the customer when `setup_future_usage` was asked (creating the customer, as
Checkout does, when the session had none), and completes the session
(`checkout.session.completed`). A session past its `expires_at` expires when next looked at
(`checkout.session.expired`), as Stripe expires them on its own. Sessions have no `url` once they
are no longer open.
"""

from __future__ import annotations

from dataclasses import dataclass

from praho.testing.fakes import stripe_objects as objects
from praho.testing.fakes.stripe_payments import Payments
from praho.testing.fakes.stripe_wire import Obj, StripeError, check_minimum, invalid

MIN_LIFETIME = 30 * 60  # Stripe's bounds for a session's expires_at
MAX_LIFETIME = 24 * 3600


@dataclass(frozen=True)
class LineSpec:
    """One `line_items[i]` with its `price_data`, as the API read it."""

    currency: str
    unit_amount: int
    quantity: int
    name: str


class Account(Payments):
    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.intent_data: dict[str, Obj] = {}  # a session's payment_intent_data, for its payment

    # --- Checkout Sessions ---------------------------------------------------------------------

    def create_session(self, *, items: list[LineSpec], fields: Obj, intent_data: Obj) -> Obj:
        """POST /v1/checkout/sessions, its parameters read: `fields` are the session's own."""
        now = self.now()
        if fields.get("customer"):
            self.get(fields["customer"], "customer", param="customer")
        currencies = {item.currency for item in items}
        if len(currencies) != 1:
            raise invalid("All line items must use the same currency.", "line_items")
        currency = currencies.pop()
        lines = [
            objects.line_item(
                currency=item.currency,
                unit_amount=item.unit_amount,
                quantity=item.quantity,
                name=item.name,
                created=now,
            )
            for item in items
        ]
        total = sum(line["amount_total"] for line in lines)
        check_minimum(total, currency, "line_items")
        expires_at = fields.get("expires_at") or now + MAX_LIFETIME
        if not now + MIN_LIFETIME - 60 <= expires_at <= now + MAX_LIFETIME + 60:
            raise invalid("The `expires_at` timestamp must be between 30 minutes and 24 hours.", "expires_at")
        values = {**fields, "amount_subtotal": total, "amount_total": total, "currency": currency}
        session = objects.checkout_session(created=now, fields={**values, "expires_at": expires_at})
        session["url"] = f"{self.base_url}/pay/{session['id']}"
        self.line_items[session["id"]] = lines
        self.intent_data[session["id"]] = intent_data
        return self.add(session)

    def session(self, session_id: str) -> Obj:
        """The session, expired first if its time ran out while nobody looked."""
        session = self.get(session_id, "checkout.session")
        if session["status"] == "open" and self.now() >= session["expires_at"]:
            self._expire(session)
        return session

    def expire_session(self, session_id: str) -> Obj:
        session = self.session(session_id)
        if session["status"] != "open":
            raise StripeError(
                400,
                f"Only Checkout Sessions with a status of open can be expired; {session_id} is "
                f"{session['status']}.",
            )
        self._expire(session)
        return session

    def _expire(self, session: Obj) -> None:
        self.change(session, {"status": "expired", "url": None})
        self.emit("checkout.session.expired", session)

    def line_items_of(self, session_id: str) -> Obj:
        self.get(session_id, "checkout.session")
        data = objects.deep_copy(self.line_items.get(session_id, []))
        return objects.listing(f"/v1/checkout/sessions/{session_id}/line_items", data, has_more=False)

    # --- paying a session ---------------------------------------------------------------------

    def complete_session(
        self,
        session_id: str,
        *,
        email: str | None = None,
        paid: bool = True,
        asynchronous: bool = False,
        card: str | None = None,
    ) -> Obj:
        """The customer pays on the hosted page (`paid=False`: a session with nothing to pay), with
        a test Visa or the test card numbered `card` (one the page can pay with)."""
        if card is not None and objects.test_card(card)[1] not in (None, "authentication_required"):
            raise ValueError(f"Test card {card} is declined on the Checkout page; save it with add_card")
        session = self.session(session_id)
        if session["status"] != "open":
            raise StripeError(400, f"This Checkout Session is {session['status']} and can no longer be paid.")
        customer = self._checkout_customer(session, email)
        payer_email = email or session["customer_email"] or (customer["email"] if customer else None)
        fields: Obj = {
            "status": "complete",
            "url": None,
            "customer": customer["id"] if customer else None,
            "customer_details": objects.customer_details(payer_email),
        }
        if not paid or session["amount_total"] == 0:
            fields["payment_status"] = "no_payment_required"
        else:
            intent = self._checkout_payment(
                session, customer, payer_email, asynchronous=asynchronous, card=card
            )
            fields |= {"payment_intent": intent["id"], "payment_status": "unpaid" if asynchronous else "paid"}
        self.change(session, fields)
        self.emit("checkout.session.completed", session)
        return session

    def _checkout_customer(self, session: Obj, email: str | None) -> Obj | None:
        """The session's customer; a new one when the card is to be saved, or it was asked for."""
        if session["customer"]:
            return self.get(session["customer"], "customer")
        saving = bool(self.intent_data.get(session["id"], {}).get("setup_future_usage"))
        if not saving and session["customer_creation"] != "always":
            return None
        return self.create_customer({"email": email or session["customer_email"]}, None)

    def _checkout_payment(
        self, session: Obj, customer: Obj | None, email: str | None, *, asynchronous: bool, card: str | None
    ) -> Obj:
        data = self.intent_data.get(session["id"], {})
        if asynchronous:
            method = self.add(objects.sepa_debit(created=self.now()))
        else:
            method = self.new_card(number=card)
        method["billing_details"]["email"] = email
        fields = {
            "amount": session["amount_total"],
            "currency": session["currency"],
            "customer": customer["id"] if customer else None,
            "description": data.get("description"),
            "metadata": dict(data.get("metadata") or {}),
            "payment_method_types": [method["type"]],
            "receipt_email": data.get("receipt_email"),
            "setup_future_usage": data.get("setup_future_usage"),
        }
        intent = self.add(objects.payment_intent(created=self.now(), fields=fields))
        self.emit("payment_intent.created", intent)
        if customer is not None and data.get("setup_future_usage"):
            self.attach(method, customer)
        self.charge_method(intent, method, decline=None, pending=asynchronous)
        return intent

    def settle_session(self, session_id: str, *, succeeded: bool) -> Obj:
        """An asynchronous payment's result: `checkout.session.async_payment_succeeded` or
        `..._failed`."""
        session = self.get(session_id, "checkout.session")
        if session["status"] != "complete" or session["payment_status"] != "unpaid":
            raise ValueError(f"Checkout Session {session_id} is not waiting for an asynchronous payment")
        self.settle(self.get(session["payment_intent"], "payment_intent"), succeeded=succeeded)
        if succeeded:
            self.change(session, {"payment_status": "paid"})
        outcome = "succeeded" if succeeded else "failed"
        self.emit(f"checkout.session.async_payment_{outcome}", session)
        return session

    # --- the customer portal and saved cards ----------------------------------------------------

    def create_portal(self, *, customer_id: str, return_url: str | None, locale: str | None) -> Obj:
        self.get(customer_id, "customer", param="customer")
        portal = objects.portal_session(
            created=self.now(), customer=customer_id, return_url=return_url, locale=locale
        )
        portal["url"] = f"{self.base_url}/portal/{portal['id']}"
        return self.add(portal)

    def add_card(
        self, customer_id: str, *, brand: str, last4: str, exp_month: int, number: str | None = None
    ) -> Obj:
        """A card saved on the customer, as a past Checkout with `setup_future_usage` leaves one."""
        customer = self.get(customer_id, "customer")
        method = self.new_card(brand=brand, last4=last4, exp_month=exp_month, number=number)
        self.attach(method, customer)
        return method
