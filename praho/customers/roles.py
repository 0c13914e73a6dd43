"""What each membership role lets a customer's user do.

Staff permissions are Django permissions on roles (accounts.roles); these are
the customer side: one table, checked by `can()`, so templates, views, the API
and services agree.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from praho.customers.models import MembershipRole


class Capability(models.TextChoices):
    VIEW = "view", _("See the customer's profile, users and addresses")
    MANAGE_USERS = "manage_users", _("Invite users, change their roles and remove them")
    EDIT_PROFILE = "edit_profile", _("Edit company data, addresses, the invoice email and document language")
    REQUEST_CHANGES = (
        "request_changes",
        _("Ask staff to change the tax identity, VAT status, currency or terms"),
    )
    BILLING = "billing", _("See and pay invoices, receive billing email")
    TECHNICAL = "technical", _("Manage services, domains and technical tickets")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    MembershipRole.OWNER: frozenset(Capability.values),
    MembershipRole.BILLING: frozenset({Capability.VIEW, Capability.BILLING, Capability.REQUEST_CHANGES}),
    MembershipRole.TECHNICAL: frozenset({Capability.VIEW, Capability.TECHNICAL}),
    MembershipRole.VIEWER: frozenset({Capability.VIEW}),
}


def can(role: str | None, capability: str) -> bool:
    return role is not None and capability in ROLE_CAPABILITIES.get(role, frozenset())


# Staff roles (accounts.roles.Role) and what they may do with customers.
STAFF_PERMISSIONS: dict[str, list[str]] = {
    "admin": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.delete_customer",
        "customers.restore_customer",
    ],
    "manager": [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.delete_customer",
    ],
    "billing": ["customers.view_customer", "customers.add_customer", "customers.change_customer"],
    "sales": ["customers.view_customer", "customers.add_customer", "customers.change_customer"],
    "support": ["customers.view_customer"],
}
