"""What the two dashboards show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.accounts.selectors import active_locks
from praho.audit.models import AuditEvent

RECENT_EVENTS = 10


@dataclass(frozen=True)
class StaffSummary:
    roles: list[str]
    staff_count: int | None
    active_locks: int | None
    events_today: int | None
    recent_events: list[AuditEvent]


def staff_summary(user: Any) -> StaffSummary:
    """What the staff dashboard shows, limited to what the user may see.

    "Today" starts at midnight in the user's time zone (the active one).
    """
    can_audit = user.has_perm("audit.view_auditevent")
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return StaffSummary(
        roles=sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True)),
        staff_count=User.objects.filter(is_staff=True, is_active=True).count()
        if user.has_perm("accounts.view_user")
        else None,
        active_locks=len(active_locks()) if user.has_perm("accounts.manage_lockouts") else None,
        events_today=AuditEvent.objects.filter(created_at__gte=start_of_day).count() if can_audit else None,
        recent_events=list(AuditEvent.objects.order_by("-id")[:RECENT_EVENTS]) if can_audit else [],
    )


@dataclass(frozen=True)
class CustomerSummary:
    email: str
    email_verified: bool
    has_totp: bool
    passkeys: int
    recovery_codes: bool

    @property
    def second_factor(self) -> bool:
        return self.has_totp or self.passkeys > 0


def customer_summary(user: User) -> CustomerSummary:
    """The account facts of the customer dashboard: two queries."""
    types = list(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    return CustomerSummary(
        email=user.email,
        email_verified=EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists(),
        has_totp=Authenticator.Type.TOTP in types,
        passkeys=types.count(Authenticator.Type.WEBAUTHN),
        recovery_codes=Authenticator.Type.RECOVERY_CODES in types,
    )
