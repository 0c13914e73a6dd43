"""The accounts app's panels on the dashboards (praho.core.dashboards).

Staff: a small secondary panel with their roles and, for the roles that manage them, the
number of active staff and the login locks. Customers' users: their second factor and their
account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.accounts.selectors import active_locks
from praho.core.dashboards import ACCOUNT, ADMINISTRATION, Panel

TEMPLATES = "accounts/dashboard/"


@dataclass(frozen=True)
class StaffAdministration:
    roles: list[str]
    staff_count: int | None  # None: the role may not see it
    active_locks: int | None


def staff_administration(user: Any) -> StaffAdministration:
    """One query for the roles, one for the staff count and two for the locks (when allowed)."""
    return StaffAdministration(
        roles=sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True)),
        staff_count=User.objects.filter(is_staff=True, is_active=True).count()
        if user.has_perm("accounts.view_user")
        else None,
        active_locks=len(active_locks()) if user.has_perm("accounts.manage_lockouts") else None,
    )


def staff_panels(request: HttpRequest) -> list[Panel]:
    summary = staff_administration(request.user)
    template = TEMPLATES + "_staff_administration.html"
    return [Panel(template, {"summary": summary}, ADMINISTRATION, secondary=True)]


@dataclass(frozen=True)
class AccountSecurity:
    email: str
    email_verified: bool
    has_totp: bool
    passkeys: int
    recovery_codes: bool

    @property
    def second_factor(self) -> bool:
        return self.has_totp or self.passkeys > 0


def account_security(user: User) -> AccountSecurity:
    """The account facts of the customer dashboard: two queries."""
    types = list(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    confirmed = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True)
    return AccountSecurity(
        email=user.email,
        email_verified=confirmed.exists(),
        has_totp=Authenticator.Type.TOTP in types,
        passkeys=types.count(Authenticator.Type.WEBAUTHN),
        recovery_codes=Authenticator.Type.RECOVERY_CODES in types,
    )


def customer_panels(request: HttpRequest) -> list[Panel]:
    assert isinstance(request.user, User)  # login_required
    return [Panel(TEMPLATES + "_customer_account.html", {"summary": account_security(request.user)}, ACCOUNT)]
