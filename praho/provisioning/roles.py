"""What each staff role may do in provisioning (added to the role groups by a data migration).

Administrators and managers register servers and act on services; support and billing staff act
on services (suspend for abuse or non-payment, resume, reset a password) and read the servers;
sales staff read."""

from __future__ import annotations

_READ = ["provisioning.view_server", "provisioning.view_operation", "provisioning.view_usagesample"]
_SERVERS = ["provisioning.add_server", "provisioning.change_server"]
_ACT = ["provisioning.manage_service"]

STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [*_READ, *_SERVERS, *_ACT],
    "manager": [*_READ, *_SERVERS, *_ACT],
    "support": [*_READ, *_ACT],
    "billing": [*_READ, *_ACT],
    "sales": list(_READ),
}
