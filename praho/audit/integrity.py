"""Checking the audit trail's hash chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from praho.audit.models import GENESIS_HASH, AuditEvent

BATCH_SIZE = 2000


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_id: int | None = None
    broken_at: datetime | None = None
    broken_action: str = ""
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None


CONTENT_CHANGED = "content changed: the stored hash does not match the event's fields"
LINK_BROKEN = "link broken: an event before it was deleted, inserted or changed"


def verify_chain() -> ChainReport:
    """Walk every event in order; report the first one whose hash or link is wrong."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=BATCH_SIZE):
        reason = ""
        if event.prev_hash != expected_prev:
            reason = LINK_BROKEN
        elif event.compute_hash() != event.hash:
            reason = CONTENT_CHANGED
        if reason:
            return ChainReport(checked, event.pk, event.created_at, event.action, reason)
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked)
