"""What payments tells the apps above it, without importing them (ADR 0009).

`card_charge_finished` is sent when an off-session charge of a saved card has ended: a
PaymentIntent whose metadata carries `autocharge_id` (the caller's id of the charge, made by
`card_charges.charge_saved_card`), with `document_id`, `payment_intent`, `succeeded`, `error`
(Stripe's reason for a refusal, empty on success) and `autocharge_id`. It is sent inside the
transaction that recorded the outcome (the billing payment of a success, once, by the
PaymentIntent's id), from the webhook inbox or from the caller's own call to Stripe, whichever
comes first, and again when the other arrives: receivers must be idempotent.
"""

from __future__ import annotations

from django.dispatch import Signal

card_charge_finished = Signal()
