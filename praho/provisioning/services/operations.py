"""Writing operations: each one in the transaction of the state change that asks for it, sent to
a Celery task once that transaction commits (a rolled-back request sends nothing; a message lost
on the way is found by the sweeper)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction

from praho.orders.models import Service
from praho.provisioning.models import Account, Operation, OperationState


def next_key(service: Service, kind: str, client_key: str = "") -> str:
    """The operation's idempotency key. A client's Idempotency-Key names it (the same request sent
    again finds the same operation); otherwise the service's n-th operation of this kind, counted
    under the service's lock, so the same request delivered twice (a signal received twice)
    cannot queue two."""
    if client_key:
        return f"{service.pk}:{kind}:client:{client_key}"
    count = Operation.objects.filter(service=service, kind=kind).exclude(idempotency_key__contains=":client:")
    return f"{service.pk}:{kind}:{count.count() + 1}"


def queue(
    service: Service,
    kind: str,
    *,
    actor: Any,
    account: Account | None = None,
    params: dict[str, Any] | None = None,
    after: Operation | None = None,
    reason: str = "",
    client_key: str = "",
) -> Operation:
    """A new queued operation on the (locked) service's server, run after commit."""
    operation = Operation.objects.create(
        service=service,
        server_id=account.server_id if account is not None else None,
        kind=kind,
        params=params or {},
        after=after,
        reason=reason[:500],
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        idempotency_key=next_key(service, kind, client_key),
    )
    if after is None:
        dispatch(operation.pk)
    return operation


def existing(service: Service, kind: str, client_key: str) -> Operation | None:
    """The operation an earlier request with this Idempotency-Key queued, if any."""
    if not client_key:
        return None
    return Operation.objects.filter(idempotency_key=next_key(service, kind, client_key)).first()


def dispatch(operation_id: int) -> None:
    """Send the operation to a worker once the current transaction commits."""
    transaction.on_commit(partial(send, operation_id), robust=True)


def dispatch_later(operation_id: int, delay: timedelta) -> None:
    transaction.on_commit(partial(send, operation_id, delay), robust=True)


def send(operation_id: int, delay: timedelta | None = None) -> None:
    from praho.provisioning.tasks import run_operation  # the task module imports the services

    if delay is None:
        run_operation.delay(operation_id)
    else:
        run_operation.apply_async((operation_id,), countdown=delay.total_seconds())


def waiting_on(operation: Operation) -> list[int]:
    """Operations queued to run after this one."""
    return list(
        Operation.objects.filter(after=operation, state=OperationState.QUEUED).values_list("pk", flat=True)
    )
