"""Row locks of the inbox. An event's row is locked first, before anything its handler locks
(billing's customer, documents; docs/decisions/0006-locking.md): two workers given the same event
queue on it, and the second finds it processed."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from praho.inbox.models import EventStatus, InboundEvent


def locked_event(pk: int) -> InboundEvent:
    return InboundEvent.objects.select_for_update(no_key=True).get(pk=pk)


def due_events(now: datetime, limit: int) -> list[int]:
    """Ids of pending or failed events due by `now`, locked; those another sweep holds are skipped."""
    due = Q(status__in=(EventStatus.PENDING, EventStatus.FAILED), next_attempt_at__lte=now)
    found = InboundEvent.objects.filter(due).order_by("next_attempt_at").select_for_update(skip_locked=True)
    return list(found.values_list("pk", flat=True)[:limit])
