"""Read queries for the audit browser."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from praho.audit.models import AuditEvent


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the viewer's time zone (dates are the viewer's dates)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def audit_events(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Events newest first, narrowed by the audit filter form's cleaned data.

    One query per page plus one count; the actor is the stored actor_repr, so
    no join is needed.
    """
    events = AuditEvent.objects.order_by("-id")
    if actor := filters.get("actor"):
        events = events.filter(actor_repr__icontains=actor)
    if action := filters.get("action"):
        events = (
            events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
        )
    if obj := filters.get("object"):
        events = events.filter(
            Q(object_type__icontains=obj) | Q(object_id=obj) | Q(object_repr__icontains=obj)
        )
    if start := filters.get("date_from"):
        events = events.filter(created_at__gte=_start_of(start))
    if end := filters.get("date_to"):
        events = events.filter(created_at__lt=_start_of(end + timedelta(days=1)))
    return events


def known_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
