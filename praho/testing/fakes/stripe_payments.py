"""Money moving in the fake Stripe: PaymentIntents, their charges, refunds and disputes.

A payment goes as Stripe's does: a PaymentIntent is created (`payment_intent.created`), its
payment method is charged, and the charge either succeeds (`charge.succeeded`,
`payment_intent.succeeded`), stays pending for a method whose result comes later (SEPA Direct
Debit: `charge.pending`, `payment_intent.processing`, settled by `settle`), or is declined
(`charge.failed`, `payment_intent.payment_failed`, and a 402 `card_error` to the caller, carrying
the PaymentIntent as Stripe's error does). A refund lowers what is left on the charge and says so
(`refund.created`, `charge.refunded`); Stripe refuses to refund more than is left.
"""

from __future__ import annotations

from praho.testing.fakes import stripe_objects as objects
from praho.testing.fakes.stripe_ledger import Ledger
from praho.testing.fakes.stripe_wire import (
    CARD_ERROR,
    Obj,
    StripeError,
    check_minimum,
    format_amount,
    invalid,
    new_id,
)

REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
DISPUTE_REASONS = ("fraudulent", "duplicate", "product_not_received", "subscription_canceled", "general")
DEBIT_FAILURE: Obj = {
    "code": "insufficient_funds",
    "decline_code": None,
    "message": "The customer's account has insufficient funds to cover this payment.",
    "type": CARD_ERROR,
}


class Payments(Ledger):
    # --- PaymentIntents -----------------------------------------------------------------------

    def create_intent(self, fields: Obj, *, confirm: bool) -> Obj:
        """POST /v1/payment_intents: `fields` are the PaymentIntent's own (amount, currency,
        customer, payment_method, ...); with `confirm` the method is charged at once."""
        customer_id, method_id = fields.get("customer"), fields.get("payment_method")
        customer = self.get(customer_id, "customer", param="customer") if customer_id else None
        method = self.get(method_id, "payment_method", param="payment_method") if method_id else None
        if method is not None and method["customer"] not in (None, customer_id):
            raise invalid(
                f"The provided PaymentMethod {method_id} belongs to a different Customer.",
                "payment_method",
            )
        check_minimum(fields["amount"], fields["currency"], "amount")
        status = "requires_confirmation" if method else "requires_payment_method"
        intent = self.add(objects.payment_intent(created=self.now(), fields={**fields, "status": status}))
        self.emit("payment_intent.created", intent)
        if confirm:
            if method is None:
                raise StripeError(
                    400,
                    "You cannot confirm this PaymentIntent because it's missing a payment method.",
                    code="payment_intent_unexpected_state",
                )
            decline = self.next_decline(customer["id"] if customer else None, method["id"])
            self.charge_method(intent, method, decline=decline)
        return intent

    def charge_method(self, intent: Obj, method: Obj, *, decline: str | None, pending: bool = False) -> Obj:
        """Charge `method` for `intent`; a queued `decline` code makes the charge fail, raised
        as Stripe's 402."""
        if decline is not None:
            raise self.fail(intent, method, objects.decline(decline))
        status = "pending" if pending else "succeeded"
        charge = self.add(objects.charge(created=self.now(), intent=intent, method=method, status=status))
        self.change(
            intent,
            {
                "payment_method": method["id"],
                "latest_charge": charge["id"],
                "status": "processing" if pending else "succeeded",
                "amount_received": 0 if pending else intent["amount"],
            },
        )
        self.emit(f"charge.{status}", charge)
        self.emit("payment_intent.processing" if pending else "payment_intent.succeeded", intent)
        return charge

    def fail(self, intent: Obj, method: Obj, failure: Obj, charge: Obj | None = None) -> StripeError:
        """Record a declined payment (with the events Stripe sends) and give the 402 to raise.
        A card asking for authentication is refused before any charge exists."""
        if charge is None and failure["code"] != "authentication_required":
            charge = self.add(
                objects.charge(
                    created=self.now(), intent=intent, method=method, status="failed", failure=failure
                )
            )
        elif charge is not None:
            fields = {
                "status": "failed",
                "failure_code": failure["code"],
                "failure_message": failure["message"],
            }
            self.change(charge, fields)
        if charge is not None:
            self.emit("charge.failed", charge)
        error: Obj = {**failure, "payment_method": objects.deep_copy(method)}
        if charge is not None:
            error["charge"] = charge["id"]
        self.change(
            intent,
            {
                "status": "requires_payment_method",
                "last_payment_error": error,
                "latest_charge": charge["id"] if charge else intent["latest_charge"],
                "payment_method": None,
            },
        )
        self.emit("payment_intent.payment_failed", intent)
        extra: Obj = {"payment_intent": objects.deep_copy(intent), "payment_method": error["payment_method"]}
        if charge is not None:
            extra["charge"] = charge["id"]
        return StripeError(
            402,
            failure["message"],
            type=CARD_ERROR,
            code=failure["code"],
            decline_code=failure.get("decline_code"),
            extra=extra,
        )

    def settle(self, intent: Obj, *, succeeded: bool) -> None:
        """The result of a pending payment arriving: the charge succeeds or fails."""
        charge = self.get(intent["latest_charge"], "charge")
        if not succeeded:
            self.fail(intent, self.get(intent["payment_method"], "payment_method"), DEBIT_FAILURE, charge)
            return
        self.change(
            charge,
            {
                "status": "succeeded",
                "paid": True,
                "captured": True,
                "amount_captured": charge["amount"],
                "balance_transaction": new_id("txn"),
            },
        )
        charge["outcome"]["seller_message"] = "Payment complete."
        self.emit("charge.succeeded", charge)
        self.change(intent, {"status": "succeeded", "amount_received": intent["amount"]})
        self.emit("payment_intent.succeeded", intent)

    # --- refunds and disputes -------------------------------------------------------------------

    def create_refund(
        self,
        *,
        charge_id: str | None,
        intent_id: str | None,
        amount: int | None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Obj:
        """Refund `amount` (all that is left when None) of a charge, named directly or by its
        PaymentIntent."""
        if amount is not None and amount <= 0:
            raise invalid(f"Invalid positive integer: {amount}", "amount", "parameter_invalid_integer")
        charge = self.refundable_charge(charge_id, intent_id)
        left = charge["amount"] - charge["amount_refunded"]
        if charge["disputed"]:
            raise StripeError(
                400,
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        if left <= 0:
            raise StripeError(
                400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        if amount is not None and amount > left:
            raise StripeError(
                400,
                f"Refund amount ({format_amount(amount, charge['currency'])}) is greater than unrefunded "
                f"amount on charge ({format_amount(left, charge['currency'])})",
                code="amount_too_large",
                param="amount",
            )
        paid_back = left if amount is None else amount
        refund = self.add(
            objects.refund(
                created=self.now(), charge=charge, amount=paid_back, reason=reason, metadata=metadata or {}
            )
        )
        self.emit("refund.created", refund)
        refunded = charge["amount_refunded"] + paid_back
        previous = self.change(
            charge, {"amount_refunded": refunded, "refunded": refunded == charge["amount"]}
        )
        self.emit("charge.refunded", charge, previous)
        return refund

    def refundable_charge(self, charge_id: str | None, intent_id: str | None) -> Obj:
        if intent_id is None and charge_id is None:
            raise invalid(
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        if intent_id is not None:
            intent = self.get(intent_id, "payment_intent", param="payment_intent")
            latest = intent["latest_charge"]
            if charge_id is not None and charge_id != latest:
                raise invalid(f"Charge {charge_id} does not belong to PaymentIntent {intent_id}.", "charge")
            charge = self.find(latest) if latest else None
            if charge is None or charge["status"] != "succeeded":
                raise StripeError(
                    400, f"This PaymentIntent ({intent_id}) does not have a successful charge to refund."
                )
            return charge
        charge = self.get(str(charge_id), "charge", param="charge")
        if charge["status"] != "succeeded":
            raise StripeError(400, f"Charge {charge_id} has not succeeded and cannot be refunded.")
        return charge

    def open_dispute(self, charge_or_intent: str, *, reason: str) -> Obj:
        """The card holder's bank takes the money back: `charge.dispute.created`."""
        if reason not in DISPUTE_REASONS:
            raise ValueError(f"Unknown dispute reason {reason!r}; choose one of {DISPUTE_REASONS}")
        charge = self._charge_of(charge_or_intent)
        if charge["disputed"] or charge["status"] != "succeeded":
            raise ValueError(f"Charge {charge['id']} cannot be disputed (already disputed, or not paid)")
        dispute = self.add(objects.dispute(created=self.now(), charge=charge, reason=reason))
        charge["disputed"] = True
        self.emit("charge.dispute.created", dispute)
        return dispute

    def _charge_of(self, charge_or_intent: str) -> Obj:
        if charge_or_intent.startswith("pi_"):
            intent = self.get(charge_or_intent, "payment_intent")
            return self.get(str(intent["latest_charge"]), "charge")
        return self.get(charge_or_intent, "charge")
