"""Receiving, processing and replaying inbound events.

- `receive` stores a delivery the intake view has authenticated: one row per (source, event id),
  so the same event delivered again changes nothing; a type no handler knows is stored as
  ignored. Its processing is sent to a worker once the intake's transaction commits.
- `process_event` runs the handler and marks the event processed in one transaction that
  begins by locking the event's row: whatever the number of deliveries, workers and replays, a
  handler's effects are committed once with the "processed" mark, or not at all. A failure is
  recorded in a transaction of its own and tried again with backoff; after INBOX_MAX_ATTEMPTS
  it waits for staff.
- `sweep` (beat, every minute) sends again what is due: failed events whose backoff is over, and
  pending ones whose message was lost (a worker or the broker died).
- Staff `replay` one event, or every failed one of a filter, audited.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text
from praho.inbox import handlers, locks
from praho.inbox.models import EVENT_ID_MAX, EVENT_TYPE_MAX, EventStatus, InboundEvent

logger = logging.getLogger(__name__)

DONE = (EventStatus.PROCESSED, EventStatus.IGNORED)
# A pending event not processed this long after it was sent is sent again by the sweeper.
LOST_AFTER = timedelta(minutes=5)
ERROR_MAX = 2000
SWEEP_BATCH = 500
REPLAY_MAX = 10_000


class IgnoreEvent(Exception):  # noqa: N818 (a signal to the inbox, not an error)
    """Raised by a handler for an event that is not for PRAHO (say, a checkout of another shop on
    the same Stripe account): stored as ignored, with the reason, and nothing it wrote kept."""


@dataclass(frozen=True)
class Intake:
    event: InboundEvent
    created: bool


def receive(*, source: str, event_id: str, event_type: str, payload: str) -> Intake:
    """Store an authenticated delivery once; a repeated event id returns the stored row."""
    errors = FieldErrors()
    event_id = check_text(errors, "id", event_id, max_length=EVENT_ID_MAX)
    event_type = check_text(errors, "type", event_type, max_length=EVENT_TYPE_MAX)
    if not event_id and "id" not in errors.by_field:
        errors.add("id", _("The event has no id."), "required")
    if not event_type and "type" not in errors.by_field:
        errors.add("type", _("The event has no type."), "required")
    errors.raise_if_any()
    handled = handlers.handler_for(source, event_type) is not None
    event = InboundEvent(
        source=source,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        status=EventStatus.PENDING if handled else EventStatus.IGNORED,
        next_attempt_at=timezone.now() + LOST_AFTER if handled else None,
    )
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        return Intake(InboundEvent.objects.get(source=source, event_id=event_id), created=False)
    if handled:
        dispatch(event.pk)
    return Intake(event, created=True)


def dispatch(event_pk: int) -> None:
    transaction.on_commit(partial(send, event_pk), robust=True)


def send(event_pk: int) -> None:
    from praho.inbox.tasks import process  # the task module imports these services

    process.delay(event_pk)


def process_event(event_pk: int) -> str:
    """Run the event's handler once: "processed", "ignored", "failed" (recorded, tried again
    later) or the status it already had."""
    try:
        return _process(event_pk=event_pk)
    except InboundEvent.DoesNotExist:
        return "missing"
    except Exception as error:
        logger.warning("Inbound event %s failed: %s", event_pk, error, exc_info=True)
        _record_failure(event_pk=event_pk, error=error)
        return EventStatus.FAILED


@service_transaction
def _process(*, event_pk: int) -> str:
    event = locks.locked_event(event_pk)
    if event.status in DONE:
        return str(event.status)
    handler = handlers.handler_for(event.source, event.event_type)
    if handler is None:
        return _finish(event, EventStatus.IGNORED, note=_("No handler for this type."))
    try:
        with transaction.atomic():  # an ignored event keeps nothing its handler wrote
            handler(event)
    except IgnoreEvent as reason:
        return _finish(event, EventStatus.IGNORED, note=str(reason))
    return _finish(event, EventStatus.PROCESSED)


def _finish(event: InboundEvent, status: str, *, note: str = "") -> str:
    event.status = status
    event.attempts += 1
    event.last_error = note[:ERROR_MAX]
    event.next_attempt_at = None
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "processed_at"])
    return status


@service_transaction
def _record_failure(*, event_pk: int, error: Exception) -> None:
    event = locks.locked_event(event_pk)
    if event.status in DONE:  # processed meanwhile by another delivery
        return
    event.status = EventStatus.FAILED
    event.attempts += 1
    event.last_error = _describe(error)[:ERROR_MAX]
    event.next_attempt_at = _backoff(event.attempts)
    event.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return f"{type(error).__name__}: {'; '.join(error.messages)}"
    return f"{type(error).__name__}: {error}"


def _backoff(attempts: int) -> datetime | None:
    """30 s, 1, 2, 4 ... minutes (at most an hour, with jitter) until the last attempt; then None."""
    if attempts >= settings.INBOX_MAX_ATTEMPTS:
        return None
    base = settings.INBOX_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    seconds = min(base, 3600) * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not security)
    return timezone.now() + timedelta(seconds=seconds)


def sweep() -> int:
    """Send again what is due; each is pushed LOST_AFTER ahead so it is sent once per period."""
    now = timezone.now()
    with transaction.atomic():
        ids = locks.due_events(now, SWEEP_BATCH)
        InboundEvent.objects.filter(pk__in=ids).update(next_attempt_at=now + LOST_AFTER)
        for pk in ids:
            dispatch(pk)
    return len(ids)


@service_transaction
def replay(*, actor: object, event_pk: int) -> InboundEvent:
    """Process an event again (its handler is idempotent): a failed one now, a processed one to
    re-apply what it says, an ignored one once a handler exists."""
    event = locks.locked_event(event_pk)
    previous = event.status
    _queue_again(InboundEvent.objects.filter(pk=event.pk))
    record_event(
        "inbox.event_replayed",
        actor=actor,
        target=event,
        data={"source": event.source, "type": event.event_type, "event_id": event.event_id, "was": previous},
    )
    dispatch(event.pk)
    event.refresh_from_db()
    return event


@service_transaction
def replay_failed(*, actor: object, source: str = "", event_type: str = "") -> int:
    """Replay every failed event (of a source and type, when given); at most REPLAY_MAX at once."""
    found = InboundEvent.objects.filter(status=EventStatus.FAILED)
    if source:
        found = found.filter(source=source)
    if event_type:
        found = found.filter(event_type=event_type)
    ids = list(found.order_by("pk").values_list("pk", flat=True)[:REPLAY_MAX])
    if not ids:
        return 0
    _queue_again(InboundEvent.objects.filter(pk__in=ids, status=EventStatus.FAILED))
    record_event(
        "inbox.failed_events_replayed",
        actor=actor,
        object_type="inbox.inboundevent",
        data={"source": source, "type": event_type, "count": len(ids), "first": ids[0], "last": ids[-1]},
    )
    for pk in ids:
        dispatch(pk)
    return len(ids)


def _queue_again(events: QuerySet[InboundEvent]) -> None:
    events.update(status=EventStatus.PENDING, next_attempt_at=timezone.now() + LOST_AFTER, processed_at=None)
