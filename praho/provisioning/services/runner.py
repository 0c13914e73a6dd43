"""Running an operation against its panel, crash-safely.

1. `claim` (one short transaction): a queued operation whose time has come, or a running one
   whose lease has run out (its worker died), becomes running with one more attempt and a new
   lease. Another worker holding the row skips it.
2. The driver acts. A multi-step create records each completed step on the row as it completes
   (renewing the lease), so a resumed run skips them; every write is fenced by the attempt
   number, so a worker that lost its lease (the sweeper gave the operation to another) stops at
   its next write instead of racing the new one.
3. `finish` (one transaction): succeeded, and the service's state follows (created → active,
   new plan, new password); operations queued after this one are sent.
   A transient failure puts it back in the queue with backoff (up to PROVISIONING_MAX_ATTEMPTS);
   a permanent one stops: a failed create is compensated (its completed steps undone) and the
   service goes back to pending, anything else needs staff's attention, and staff are alerted.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Plan
from praho.core.transactions import service_transaction
from praho.orders.models import ServiceStatus
from praho.provisioning import lifecycle, locks
from praho.provisioning.gateways import driver_for
from praho.provisioning.gateways.base import (
    AccountRef,
    AccountSpec,
    Created,
    Driver,
    PanelError,
    PermanentPanelError,
    TransientPanelError,
)
from praho.provisioning.models import Account, Operation, OperationKind, OperationState
from praho.provisioning.secrets import connection_of, unseal_password
from praho.provisioning.services import operations
from praho.provisioning.services.placement import pick_server

logger = logging.getLogger(__name__)
State = OperationState
Kind = OperationKind
# Kinds a package queues one after another (praho.provisioning.services.actions).
FOLLOWED_BY_OTHERS = (OperationKind.SUSPEND, OperationKind.UNSUSPEND, OperationKind.TERMINATE)


class LeaseLostError(Exception):
    """Another worker has the operation now (this one was too slow); stop without writing."""


def lease() -> timedelta:
    return timedelta(seconds=settings.PROVISIONING_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    base = settings.PROVISIONING_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 (jitter, not secrecy)


class RowSteps:
    """Steps recorded on the Operation row (gateways.base.Steps), fenced by the attempt number.

    A completed step is written when the next one starts (with the lease renewed), or by the
    transaction that ends the attempt: nothing happens between a step's end and the next one's
    start, so a crash loses no more than writing at once would, and a one-step create costs no
    write of its own."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.unwritten = False

    def once(self, name: str, do: Any) -> Any:
        for step in self.operation.steps:
            if step["name"] == name:
                return step["data"]
        self.flush()
        data = do()
        self.operation.steps = [*self.operation.steps, {"name": name, "data": data}]
        self.unwritten = True
        return data

    def flush(self) -> None:
        if not self.unwritten:
            return
        written = Operation.objects.filter(
            pk=self.operation.pk, attempts=self.operation.attempts, state=State.RUNNING
        ).update(steps=self.operation.steps, lease_until=timezone.now() + lease())
        if not written:
            raise LeaseLostError
        self.unwritten = False

    @property
    def completed(self) -> list[str]:
        return [step["name"] for step in self.operation.steps]

    def result_of(self, name: str) -> Any:
        return next((step["data"] for step in self.operation.steps if step["name"] == name), None)


@dataclass
class Claimed:
    operation: Operation
    account: Account


def run(operation_id: int) -> str:
    """Run one operation if it is due; what became of it (its state, or "skipped")."""
    claimed = claim(operation_id=operation_id)
    if claimed is None:
        return "skipped"
    operation, account = claimed.operation, claimed.account
    steps = RowSteps(operation)
    driver: Driver | None = None
    try:
        if account.server is None:
            raise PermanentPanelError(_("No active server takes this plan; add one or free some room."))
        driver = driver_for(connection_of(account.server))
        outcome = perform(driver, operation, account, steps)
    except LeaseLostError:
        logger.warning("provisioning operation %s: lease lost, left to the worker that has it", operation.pk)
        return "lost"
    except TransientPanelError as error:
        return retry_later(claimed=claimed, error=str(error))
    except PanelError as error:
        undone, undo_error = _compensate(driver, operation, account, steps)
        return give_up(claimed=claimed, error=str(error), undone=undone, undo_error=undo_error)
    return finish(claimed=claimed, outcome=outcome)


@service_transaction
def claim(*, operation_id: int) -> Claimed | None:
    operation = locks.claimable_operation(operation_id)
    if operation is None:
        return None
    now = timezone.now()
    due = operation.state == State.QUEUED and (
        operation.next_attempt_at is None or operation.next_attempt_at <= now
    )
    abandoned = operation.state == State.RUNNING and (
        operation.lease_until is None or operation.lease_until <= now
    )
    if not (due or abandoned):
        return None
    if operation.after_id is not None and operation.after.state != State.SUCCEEDED:  # type: ignore[union-attr]
        return None  # sent again when the one before it succeeds
    if operation.attempts >= settings.PROVISIONING_MAX_ATTEMPTS:
        _needs_attention(operation, operation.last_error or _("Too many attempts."))
        return None
    account = operation.service.account
    if account.server is None and operation.kind == Kind.CREATE:
        account.server = pick_server(operation.service.plan)
        if account.server is not None:
            account.save(update_fields=["server"])
            operation.server = account.server
    operation.state, operation.lease_until = State.RUNNING, now + lease()
    operation.attempts += 1
    operation.started_at = operation.started_at or now
    operation.save(update_fields=["state", "lease_until", "attempts", "started_at", "server"])
    return Claimed(operation, account)


def perform(driver: Driver, operation: Operation, account: Account, steps: RowSteps) -> Created | None:
    ref = AccountRef(account.username, account.external_id, operation.service.domain)
    kind = operation.kind
    if kind == Kind.CREATE:
        return driver.create(spec_of(operation, account), steps)
    if kind == Kind.SUSPEND:
        driver.suspend(ref, operation.reason)
    elif kind == Kind.UNSUSPEND:
        driver.unsuspend(ref)
    elif kind == Kind.TERMINATE:
        driver.terminate(ref)
    elif kind == Kind.CHANGE_PACKAGE:
        driver.change_package(ref, operation.params["module_params"])
    elif kind == Kind.CHANGE_PASSWORD:
        driver.change_password(ref, unseal_password(operation.params["password_sealed"]))
    return None


def spec_of(operation: Operation, account: Account) -> AccountSpec:
    service = operation.service
    return AccountSpec(
        name=account.username,
        domain=service.domain,
        password=unseal_password(account.password_sealed),
        # The bare address: DEFAULT_FROM_EMAIL is "Name <address>", which panels refuse.
        email=service.customer.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        params=service.plan.module_params,
        external_id=account.external_id,
    )


def _compensate(
    driver: Driver | None, operation: Operation, account: Account, steps: RowSteps
) -> tuple[list[str], str]:
    """Undo a failed create's completed steps; (what was undone, why undoing failed)."""
    if operation.kind != Kind.CREATE or driver is None or not steps.completed:
        return [], ""
    try:
        return driver.compensate(spec_of(operation, account), steps), ""
    except PanelError as error:
        return [], str(error)


def _end_attempt(operation: Operation, **changes: Any) -> None:
    """Write the attempt's end (and its steps) if this worker still holds the operation."""
    written = Operation.objects.filter(
        pk=operation.pk, attempts=operation.attempts, state=State.RUNNING
    ).update(steps=operation.steps, lease_until=None, **changes)
    if not written:
        raise LeaseLostError
    for field, value in changes.items():
        setattr(operation, field, value)


@service_transaction
def finish(*, claimed: Claimed, outcome: Created | None) -> str:
    """Succeeded: the service follows. The service's row is written before the operation's (the
    lock order), and nothing is kept when the operation turns out to be another worker's."""
    operation, account = claimed.operation, claimed.account
    service = operation.service
    if operation.kind == Kind.CREATE and outcome is not None:
        if service.status == ServiceStatus.PROVISIONING:
            lifecycle.move(
                service, ServiceStatus.ACTIVE, actor=None, cause=f"operation {operation.pk} succeeded"
            )
        Account.objects.filter(pk=account.pk).update(
            external_id=outcome.external_id, username=outcome.username
        )
    elif operation.kind == Kind.CHANGE_PACKAGE:
        from praho.provisioning.services.actions import set_plan  # actions imports this module

        set_plan(service, Plan.objects.get(pk=operation.params["plan"]), actor=operation.requested_by)
    elif operation.kind == Kind.CHANGE_PASSWORD:
        Account.objects.filter(pk=account.pk).update(password_sealed=operation.params["password_sealed"])
    params = {key: value for key, value in operation.params.items() if key != "password_sealed"}
    _end_attempt(operation, state=State.SUCCEEDED, finished_at=timezone.now(), last_error="", params=params)
    if operation.kind == Kind.CREATE and service.status == ServiceStatus.ACTIVE:
        from praho.provisioning.services.actions import follow_order
        from praho.provisioning.services.welcome import send_welcome_after_commit

        follow_order(service, None)
        send_welcome_after_commit(service.pk)
    if operation.kind in FOLLOWED_BY_OTHERS:
        for waiting in operations.waiting_on(operation):
            operations.dispatch(waiting)
    return State.SUCCEEDED


@service_transaction
def retry_later(*, claimed: Claimed, error: str) -> str:
    operation = claimed.operation
    if operation.attempts >= settings.PROVISIONING_MAX_ATTEMPTS:
        _end_attempt(
            operation, state=State.NEEDS_ATTENTION, last_error=error[:2000], finished_at=timezone.now()
        )
        _alert(operation)
        return State.NEEDS_ATTENTION
    delay = backoff(operation.attempts)
    _end_attempt(
        operation, state=State.QUEUED, last_error=error[:2000], next_attempt_at=timezone.now() + delay
    )
    operations.dispatch_later(operation.pk, delay)
    return State.QUEUED


@service_transaction
def give_up(*, claimed: Claimed, error: str, undone: list[str], undo_error: str) -> str:
    operation = claimed.operation
    service = locks.locked_service(operation.service_id)
    left = [name for name in (step["name"] for step in operation.steps) if name not in undone]
    now = timezone.now()
    if operation.kind == Kind.CREATE and not left and not undo_error:
        # Nothing is left on the panel: the service waits for staff to try again.
        if service.status == ServiceStatus.PROVISIONING:
            lifecycle.move(
                service, ServiceStatus.PENDING, actor=None, cause=f"operation {operation.pk} failed"
            )
        detail = error + (f" (undone: {', '.join(undone)})" if undone else "")
        _end_attempt(operation, state=State.FAILED, finished_at=now, last_error=detail[:2000])
        _alert(operation)
        return State.FAILED
    detail = error
    if left:
        detail += f" (steps done and left on the panel: {', '.join(left)})"
    if undo_error:
        detail += f" (undoing failed: {undo_error})"
    _end_attempt(operation, state=State.NEEDS_ATTENTION, finished_at=now, last_error=detail[:2000])
    _alert(operation)
    return State.NEEDS_ATTENTION


def _needs_attention(operation: Operation, error: str) -> None:
    operation.state, operation.lease_until, operation.last_error = State.NEEDS_ATTENTION, None, error[:2000]
    operation.finished_at = timezone.now()
    operation.save(update_fields=["state", "lease_until", "last_error", "finished_at"])
    _alert(operation)


def _alert(operation: Operation) -> None:
    """Staff hear of it: the audit trail, the error log (alerting picks it up) and the dashboard."""
    logger.error(
        "provisioning operation %s (%s of service %s) %s: %s",
        operation.pk,
        operation.kind,
        operation.service_id,
        operation.state,
        operation.last_error,
    )
    record_event(
        f"provisioning.operation_{operation.state}",
        target=operation.service,
        data={"operation": operation.pk, "kind": operation.kind, "error": operation.last_error[:500]},
    )


def sweep() -> int:
    """Send again what no worker is doing: running operations past their lease (their worker
    died) and queued ones whose time has come (their message was lost). How many were sent."""
    now = timezone.now()
    abandoned = Operation.objects.filter(state=State.RUNNING, lease_until__lte=now)
    due = Operation.objects.filter(state=State.QUEUED, next_attempt_at__lte=now) | Operation.objects.filter(
        state=State.QUEUED, next_attempt_at__isnull=True, created_at__lte=now - timedelta(minutes=1)
    )
    ids = sorted({*abandoned.values_list("pk", flat=True), *due.values_list("pk", flat=True)})
    for operation_id in ids:
        operations.send(operation_id)
    return len(ids)
