from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from praho.accounts.models import User
from praho.accounts.selectors import active_locks
from praho.audit.models import AuditEvent


@dataclass(frozen=True)
class StaffSummary:
    staff_count: int | None
    active_locks: int | None
    events_today: int | None
    recent_events: list[AuditEvent]


def staff_summary(user: Any) -> StaffSummary:
    """What the staff dashboard shows, limited to what the user may see."""
    can_audit = user.has_perm("audit.view_auditevent")
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return StaffSummary(
        staff_count=User.objects.filter(is_staff=True).count()
        if user.has_perm("accounts.view_user")
        else None,
        active_locks=len(active_locks()) if user.has_perm("accounts.manage_lockouts") else None,
        events_today=AuditEvent.objects.filter(created_at__gte=start_of_day).count() if can_audit else None,
        recent_events=list(AuditEvent.objects.order_by("-id")[:10]) if can_audit else [],
    )
