"""Reads of the inbox's staff pages: a fixed number of queries whatever the rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from praho.inbox.models import InboundEvent

# The list never reads the payloads (each up to a few hundred kB).
LIST_FIELDS = (
    "source",
    "event_id",
    "event_type",
    "received_at",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "processed_at",
)


def events(filters: dict[str, Any]) -> QuerySet[InboundEvent]:
    """Newest first, filtered by source, status and type (exact)."""
    found = InboundEvent.objects.only(*LIST_FIELDS)
    for field in ("source", "status", "event_type"):
        if filters.get(field):
            found = found.filter(**{field: filters[field]})
    return found.order_by("-id")
