"""The fake Stripe account's memory: every object by id, the events in order, and the customers and
their saved payment methods.

The state is the objects' JSON itself (see stripe_objects): an answer is a copy of a stored dict.
One lock guards all of it; the HTTP side and the test hooks take `lock` around each whole
operation, and every operation here assumes it is held. Events an operation emits pile up in
`fresh` until the caller takes them (`take_fresh`) to deliver them once the lock is let go:
a webhook POST may call the fake back, and must not find the lock held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from praho.testing.fakes import stripe_objects as objects
from praho.testing.fakes.stripe_wire import Obj, invalid, missing

PREFIXES = {
    "cus": "customer",
    "cs": "checkout.session",
    "pi": "payment_intent",
    "ch": "charge",
    "re": "refund",
    "dp": "dispute",
    "pm": "payment_method",
    "bps": "billing_portal.session",
    "evt": "event",
}
CUSTOMER_FIELDS = ("email", "name", "phone", "description", "address", "preferred_locales")


class Ledger:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.lock = threading.RLock()
        self.objects: dict[str, Obj] = {}
        self.events: list[Obj] = []
        self.fresh: list[Obj] = []
        self.line_items: dict[str, list[Obj]] = {}
        self.declines: dict[str, list[str]] = {}  # customer or payment method id: codes, in turn
        self.card_declines: dict[str, str] = {}  # payment method id: how its test card declines, always
        self.request: Obj = objects.NO_REQUEST  # the API request being served, named in events
        self.clock: Callable[[], float] = time.time

    # --- storage and events -----------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def add(self, obj: Obj) -> Obj:
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, kind: str, *, param: str = "id") -> Obj:
        """The stored object of that kind, or Stripe's 404 `resource_missing` naming `param`."""
        obj = self.objects.get(object_id)
        if obj is None or obj.get("object") != kind:
            raise missing(kind, object_id, param)
        return obj

    def find(self, object_id: str) -> Obj | None:
        """Any stored object by id (expansion follows ids whatever their kind)."""
        return self.objects.get(object_id)

    def of_kind(self, kind: str) -> list[Obj]:
        """Every object of a kind, newest first (Stripe's list order)."""
        return [obj for obj in reversed(self.objects.values()) if obj["object"] == kind]

    def emit(self, type: str, obj: Obj, previous: Obj | None = None) -> Obj:
        """Record an event carrying a snapshot of `obj` as it is now."""
        data: Obj = {"object": objects.deep_copy(obj)}
        if previous:
            data["previous_attributes"] = objects.deep_copy(previous)
        event = objects.event(created=self.now(), type=type, data=data, request=self.request)
        self.events.append(event)
        self.objects[event["id"]] = event
        self.fresh.append(event)
        return event

    def take_fresh(self) -> list[Obj]:
        fresh, self.fresh = self.fresh, []
        return fresh

    @staticmethod
    def change(obj: Obj, fields: Obj) -> Obj:
        """Set `fields` on `obj`; the values they had before, for those that changed
        (an event's `previous_attributes`)."""
        previous = {name: obj.get(name) for name, value in fields.items() if obj.get(name) != value}
        obj.update(fields)
        return previous

    # --- customers and their payment methods -----------------------------------------------

    def create_customer(self, fields: Obj, metadata: dict[str, str] | None) -> Obj:
        values = {name: fields[name] for name in CUSTOMER_FIELDS if fields.get(name) is not None}
        values["metadata"] = {key: value for key, value in (metadata or {}).items() if value}
        obj = self.add(objects.customer(created=self.now(), fields=values))
        self.emit("customer.created", obj)
        return obj

    def update_customer(self, customer_id: str, fields: Obj, metadata: dict[str, str] | None) -> Obj:
        """Stripe merges metadata key by key, an empty value removing the key (and `metadata=""`
        all of them)."""
        obj = self.get(customer_id, "customer")
        wanted = {name: value for name, value in fields.items() if name in CUSTOMER_FIELDS}
        if metadata is not None:
            merged = {**obj["metadata"], **metadata} if metadata else {}
            wanted["metadata"] = {key: value for key, value in merged.items() if value}
        default = fields.get("default_payment_method")
        if default is not None:
            self._own_method(obj, default, "invoice_settings[default_payment_method]")
            wanted["invoice_settings"] = {**obj["invoice_settings"], "default_payment_method": default}
        previous = self.change(obj, wanted)
        if previous:
            self.emit("customer.updated", obj, previous)
        return obj

    def _own_method(self, customer: Obj, method_id: str, param: str) -> Obj:
        method = self.get(method_id, "payment_method", param=param)
        if method["customer"] != customer["id"]:
            raise invalid(
                f"The customer does not have a payment method with the ID {method_id}. The payment method "
                "must be attached to the customer.",
                param,
                "resource_missing",
            )
        return method

    def customers(self, email: str | None) -> list[Obj]:
        found = self.of_kind("customer")
        return found if email is None else [obj for obj in found if obj["email"] == email]

    def methods_of(self, customer_id: str, type: str | None) -> list[Obj]:
        self.get(customer_id, "customer")
        return [
            method
            for method in self.of_kind("payment_method")
            if method["customer"] == customer_id and type in (None, method["type"])
        ]

    def new_card(
        self, *, brand: str = "visa", last4: str = "4242", exp_month: int = 12, number: str | None = None
    ) -> Obj:
        """A card PaymentMethod; with `number` (a Stripe test card) its brand and last4 come from the
        number, and a card that declines off-session keeps declining (`card_declines`)."""
        declines = None
        if number is not None:
            brand, declines = objects.test_card(number)
            last4 = number[-4:]
        exp_year = time.gmtime(self.now()).tm_year + 3
        card = self.add(
            objects.card(created=self.now(), brand=brand, last4=last4, exp_month=exp_month, exp_year=exp_year)
        )
        if declines is not None:
            self.card_declines[card["id"]] = declines
        return card

    def attach(self, method: Obj, customer: Obj) -> None:
        """Save a payment method on a customer, as Checkout does for `setup_future_usage`."""
        method["customer"] = customer["id"]
        if customer["email"] and not method["billing_details"]["email"]:
            method["billing_details"]["email"] = customer["email"]
        self.emit("payment_method.attached", method)

    def next_decline(self, *owners: str | None) -> str | None:
        """The decline queued for the customer or the payment method of a payment, taken off;
        else how the payment method's test card always declines (None: it pays)."""
        for owner in owners:
            queued = self.declines.get(owner or "")
            if queued:
                return queued.pop(0)
        return next(
            (self.card_declines[owner] for owner in owners if owner and owner in self.card_declines), None
        )
