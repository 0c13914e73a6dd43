"""What each staff role may do in payments (added to the role groups by a data migration).

Administrators, managers and billing staff refund card payments and see Stripe's sessions,
refunds and disputes, upload bank statements and book their transfers; support staff see them
(a customer asks whether a payment went through)."""

from __future__ import annotations

_READ = [
    "payments.view_checkoutsession",
    "payments.view_cardrefund",
    "payments.view_dispute",
    "payments.view_bankstatement",
    "payments.view_banktransaction",
]
_REFUND = ["payments.refund_card_payment"]
_BANK = ["payments.add_bankstatement", "payments.book_bank_transaction"]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [*_READ, *_REFUND, *_BANK],
    "manager": [*_READ, *_REFUND, *_BANK],
    "billing": [*_READ, *_REFUND, *_BANK],
    "support": list(_READ),
}
