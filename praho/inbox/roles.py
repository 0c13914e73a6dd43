"""What each staff role may do with the webhook inbox (added to the role groups by a data migration).

Administrators, managers and billing staff see the events and replay them (a payment whose
processing failed is billing's to fix); support reads them; sales staff do not see them."""

from __future__ import annotations

_READ = ["inbox.view_inboundevent"]
_REPLAY = ["inbox.replay_event"]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [*_READ, *_REPLAY],
    "manager": [*_READ, *_REPLAY],
    "billing": [*_READ, *_REPLAY],
    "support": list(_READ),
}
