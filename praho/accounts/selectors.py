"""Read queries for the accounts pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Max, Prefetch, QuerySet, Sum
from django.utils import timezone

from praho.accounts.models import StaffInvitation, User
from praho.accounts.roles import Role


def staff_members() -> QuerySet[User]:
    """Staff with their role groups: two queries whatever the number of rows."""
    return (
        User.objects.filter(is_staff=True)
        .prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values).order_by("name"))
        )
        .order_by("email")
    )


def staff_invitations() -> QuerySet[StaffInvitation]:
    """Invitations not accepted or withdrawn (expired ones too, to resend them), newest first."""
    return StaffInvitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "invited_by"
    )


@dataclass(frozen=True)
class Lock:
    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    last_attempt: datetime


def active_locks() -> list[Lock]:
    """Accounts and addresses locked now: their failures in the cool-off window reach the limit."""
    cool_off = get_cool_off()
    recent = AccessAttempt.objects.all()
    if cool_off:
        recent = recent.filter(attempt_time__gte=timezone.now() - cool_off)
    locks: list[Lock] = []
    for kind in ("username", "ip_address"):
        named = recent.exclude(**{f"{kind}__isnull": True})
        if kind == "username":
            # Not for the address: Django turns "" into NULL for an IP field, and
            # `NOT (ip = NULL)` is never true, which hid every address lock.
            named = named.exclude(username="")
        rows = (
            named.values(kind)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by("-last")
        )
        locks += [Lock(kind, row[kind], row["failures"], row["last"]) for row in rows]
    return locks
