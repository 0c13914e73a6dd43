"""What each staff role may do in recurring billing (added to the role groups by a data migration).

Administrators, managers and billing staff start runs, leave services out of them, and change the
dunning schedule and exemptions; support staff see runs, renewals and the dunning queue."""

from __future__ import annotations

_READ = [
    "recurring.view_billingrun",
    "recurring.view_renewal",
    "recurring.view_dunningnotice",
    "recurring.view_dunningstep",
]
_MANAGE = ["recurring.run_billing", "recurring.manage_dunning"]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [*_READ, *_MANAGE],
    "manager": [*_READ, *_MANAGE],
    "billing": [*_READ, *_MANAGE],
    "support": list(_READ),
}
