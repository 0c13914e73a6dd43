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
UNLINKED = "not linked: the event was stored outside the chain"


def verify_chain() -> ChainReport:
    """Walk every event in chain order; report the first one whose hash or link is wrong.

    Every committed event is linked (praho.audit.services links them before commit); one that
    is not was written around the application and is reported first.
    """
    unlinked = AuditEvent.objects.filter(hash__isnull=True).order_by("id").first()
    if unlinked is not None:
        return ChainReport(0, unlinked.pk, unlinked.created_at, unlinked.action, UNLINKED)
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=BATCH_SIZE):
        reason = ""
        if event.prev_hash != expected_prev:
            reason = LINK_BROKEN
        elif event.compute_hash() != event.hash:
            reason = CONTENT_CHANGED
        if reason:
            return ChainReport(checked, event.pk, event.created_at, event.action, reason)
        expected_prev = event.hash or ""  # linked: checked above
        checked += 1
    return ChainReport(checked)
