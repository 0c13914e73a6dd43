"""What each staff role may do in payments (added to the role groups by a data migration).

Administrators, managers and billing staff refund card payments and see Stripe's sessions,
refunds and disputes; support staff see them (a customer asks whether a payment went through)."""

from __future__ import annotations

_READ = ["payments.view_checkoutsession", "payments.view_cardrefund", "payments.view_dispute"]
_REFUND = ["payments.refund_card_payment"]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [*_READ, *_REFUND],
    "manager": [*_READ, *_REFUND],
    "billing": [*_READ, *_REFUND],
    "support": list(_READ),
}
