"""The audit trail's small panel on the staff dashboard (praho.core.dashboards): how many
events today and the latest few, for staff whose role reads the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.core.dashboards import ADMINISTRATION, Panel

RECENT_EVENTS = 5


@dataclass(frozen=True)
class AuditSummary:
    events_today: int
    recent_events: list[AuditEvent]


def audit_summary() -> AuditSummary:
    """Two queries. "Today" starts at midnight in the user's time zone (the active one)."""
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return AuditSummary(
        events_today=AuditEvent.objects.filter(created_at__gte=start_of_day).count(),
        recent_events=list(AuditEvent.objects.order_by("-id")[:RECENT_EVENTS]),
    )


def staff_panels(request: HttpRequest) -> list[Panel]:
    if not request.user.has_perm("audit.view_auditevent"):
        return []
    template = "audit/dashboard/_staff_audit.html"
    return [Panel(template, {"summary": audit_summary()}, ADMINISTRATION, secondary=True)]
