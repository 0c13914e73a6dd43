"""What each staff role may do in billing (added to the role groups by a data migration)."""

from __future__ import annotations

_READ = ["billing.view_document", "billing.view_payment", "billing.view_exchangerate"]
_WORK = [
    *_READ,
    "billing.add_document",
    "billing.change_document",
    "billing.issue_document",
    "billing.credit_document",
    "billing.email_document",
    "billing.add_payment",
    "billing.add_exchangerate",
]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [*_WORK, "billing.view_sellerprofile", "billing.add_sellerprofile"],
    "manager": [*_WORK, "billing.view_sellerprofile"],
    "billing": [*_WORK, "billing.view_sellerprofile"],
    "sales": [*_READ, "billing.add_document", "billing.change_document"],
    "support": list(_READ),
}
