"""Staff roles: each a named set of permissions, stored as a Django group.

Later apps add their permissions to these roles in their own data migrations
through `sync_role_permissions`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    BILLING = "billing", _("Billing")
    SUPPORT = "support", _("Support")
    SALES = "sales", _("Sales")


# "app_label.codename" per role.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        "accounts.view_user",
        "accounts.manage_roles",
        "accounts.manage_lockouts",
        "audit.view_auditevent",
    ],
    Role.MANAGER: ["accounts.view_user", "accounts.manage_lockouts", "audit.view_auditevent"],
    Role.BILLING: ["accounts.view_user"],
    Role.SUPPORT: ["accounts.view_user", "accounts.manage_lockouts"],
    Role.SALES: ["accounts.view_user"],
}


# Added later (migration 0003): who may revoke a user's API tokens (praho.accounts.services.tokens).
TOKEN_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: ["accounts.revoke_api_tokens"],
    Role.MANAGER: ["accounts.revoke_api_tokens"],
    Role.SUPPORT: ["accounts.revoke_api_tokens"],
}


def sync_role_permissions(apps: Any, role_permissions: dict[str, list[str]]) -> None:
    """Create the role groups and add the given permissions (for data migrations).

    Permissions are normally created after all migrations ran; create the
    ones we need now so a fresh database has complete roles straight away.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, permissions in role_permissions.items():
        group, _created = group_model.objects.get_or_create(name=str(role))
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
