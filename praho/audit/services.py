"""The one call every feature uses to write to the audit trail."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from praho.audit.models import GENESIS_HASH, AuditEvent
from praho.core import request_id

# Any constant works; it names the lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 7_164_523_901


def _lock_chain() -> None:
    """Serialise appends so two writers never link to the same predecessor.

    PostgreSQL: a transaction-scoped advisory lock. SQLite allows one writer
    at a time already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _plain_json(data: dict[str, Any] | None) -> dict[str, Any]:
    # Store exactly what was hashed: Decimals, dates and UUIDs become strings.
    return json.loads(json.dumps(data or {}, default=str))


def record_event(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail, linked to the previous one.

    `actor` is the user who acted (None for the system or an anonymous
    visitor). `target` is the object acted on; alternatively pass its type,
    id and description. IP address, user agent and request ID come from the
    request being served. Runs inside the caller's transaction when there is
    one, so a rolled-back action leaves no event.
    """
    spec = EventSpec(action, actor, target, object_type, object_id, object_repr, data)
    return record_events([spec])[0]


@dataclass(frozen=True)
class EventSpec:
    """One event for record_events: the arguments record_event takes."""

    action: str
    actor: Any = None
    target: models.Model | None = None
    object_type: str = ""
    object_id: str | int = ""
    object_repr: str = ""
    data: dict[str, Any] | None = field(default=None)


def record_events(events: Sequence[EventSpec]) -> list[AuditEvent]:
    """Append several events in order, linked as record_event would link them one by one.

    For batch actions (a billing run issuing many invoices): the chain lock is taken once,
    the chain's last hash read once and all events inserted in one statement, in the
    caller's transaction. Each event still links to the one before it, so audit_verify
    checks them exactly as it checks events appended one at a time; the lock is held until
    the caller commits, as for record_event (docs/decisions/0001).
    """
    if not events:
        return []
    context = request_id.current()
    built = [_unchained_event(spec, context) for spec in events]
    # No savepoint inside the caller's transaction (it would cost two more round trips on
    # every audited action): everything that can fail in Python is done above, and a
    # database error here must fail the caller's action anyway, which then leaves no
    # event behind, as an event never stands without its action.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").only("hash").first()
        prev_hash = last.hash if last else GENESIS_HASH
        for event in built:
            # Stamped under the lock, so times follow the chain's order.
            event.created_at = timezone.now()
            event.prev_hash = prev_hash
            event.hash = prev_hash = event.compute_hash()
        # Inserted in list order: ids ascend as the chain does, which audit_verify walks by.
        AuditEvent.objects.bulk_create(built)
    return built


def _unchained_event(spec: EventSpec, context: Any) -> AuditEvent:
    """The event of `spec` as record_event builds it, before it is linked into the chain."""
    object_type, object_id, object_repr = spec.object_type, spec.object_id, spec.object_repr
    if spec.target is not None:
        object_type = object_type or spec.target._meta.label_lower
        object_id = object_id or str(spec.target.pk)
        object_repr = object_repr or str(spec.target)
    actor = spec.actor
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if authenticated else None,
        actor_repr=str(actor)[:254] if authenticated else "",
        action=spec.action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        data=_plain_json(spec.data),
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        request_id=context.request_id,
    )
