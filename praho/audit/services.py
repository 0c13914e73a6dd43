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
from praho.core.transactions import before_commit, in_service_transaction

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

    Inside a service transaction (praho.core.transactions) the events are written at once,
    in the caller's transaction, and linked into the chain at the end of it: the chain's lock
    is then the last lock the transaction takes, after every row the action locked, so two
    transactions never wait on each other through it (docs/decisions/0006). A savepoint
    rolled back takes its events with it, as it takes the rest of what it wrote.

    Elsewhere (a view, a signal receiver) they are linked right away: the chain lock is taken
    here and held until the caller commits (docs/decisions/0001).

    Either way each event links to the one before it, so audit_verify checks them exactly as
    it checks events appended one at a time, and batch actions (a billing run issuing many
    invoices) write all their events in one statement.
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
        if in_service_transaction():
            for event in built:
                event.created_at = timezone.now()
            AuditEvent.objects.bulk_create(built)
            _pending().extend(built)
            before_commit(link_pending_events)
        else:
            _lock_chain()
            _link(built)
            AuditEvent.objects.bulk_create(built)
    return built


def _link(events: Sequence[AuditEvent]) -> None:
    """Give each event its place after the chain's last one, its time and its links (under the lock)."""
    last = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").only("seq", "hash").first()
    seq, prev_hash = (last.seq or 0, last.hash or GENESIS_HASH) if last else (0, GENESIS_HASH)
    for event in events:
        seq += 1
        # Stamped under the lock, so times follow the chain's order.
        event.created_at = timezone.now()
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = event.compute_hash()


def _pending() -> list[AuditEvent]:
    """The events this connection wrote unlinked, as their writers hold them (to give them their hashes)."""
    pending: list[AuditEvent] | None = getattr(connection, "_praho_audit_pending", None)
    if pending is None:
        pending = []
        connection._praho_audit_pending = pending  # type: ignore[attr-defined]
    return pending


def link_pending_events() -> None:
    """Link the events this transaction wrote into the chain; the last thing before commit.

    Registered by record_events with praho.core.transactions.before_commit. The events are
    read back rather than taken from memory: those written in a savepoint that was rolled
    back are gone. Other transactions' unlinked events are not visible (not committed), and
    committed events are always linked.
    """
    held = {event.pk: event for event in _pending()}
    _pending().clear()
    unlinked = list(AuditEvent.objects.filter(hash__isnull=True).order_by("id"))
    if not unlinked:
        return
    if connection.vendor == "postgresql":
        # Foreign keys are checked at commit (Django makes them deferrable): check them now, then
        # take the chain's lock (one round trip), so that no row lock is awaited while it is held.
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS ALL IMMEDIATE; SELECT pg_advisory_xact_lock({_CHAIN_LOCK_KEY})")
    _link(unlinked)
    _store_links(unlinked)
    for event in unlinked:
        if event.pk in held:
            mine = held[event.pk]
            mine.created_at, mine.seq, mine.prev_hash, mine.hash = (
                event.created_at,
                event.seq,
                event.prev_hash,
                event.hash,
            )


def _store_links(events: Sequence[AuditEvent]) -> None:
    """The one UPDATE an event ever gets (the model refuses updates; the trigger lets this one pass)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = (
        f"UPDATE {table} SET created_at = %s, seq = %s, prev_hash = %s, hash = %s "  # noqa: S608 (the model's table)
        "WHERE id = %s AND hash IS NULL"
    )
    field = AuditEvent._meta.get_field("created_at")
    rows = [
        [
            field.get_db_prep_save(event.created_at, connection),
            event.seq,
            event.prev_hash,
            event.hash,
            event.pk,
        ]
        for event in events
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


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
