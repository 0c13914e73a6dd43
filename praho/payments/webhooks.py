"""The webhook inbox's handlers of Stripe's events (praho.inbox.handlers finds this module).
Types not listed are stored as ignored."""

from __future__ import annotations

from praho.payments.services import stripe_events

HANDLERS = {
    "stripe": {
        "checkout.session.completed": stripe_events.session_changed,
        "checkout.session.async_payment_succeeded": stripe_events.session_changed,
        "checkout.session.async_payment_failed": stripe_events.session_changed,
        "checkout.session.expired": stripe_events.session_changed,
        "payment_intent.succeeded": stripe_events.intent_succeeded,
        "payment_intent.payment_failed": stripe_events.payment_failed,
        "charge.refunded": stripe_events.charge_refunded,
        "charge.dispute.created": stripe_events.dispute_created,
        "customer.updated": stripe_events.customer_updated,
    }
}
