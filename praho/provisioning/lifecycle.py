"""A service's lifecycle: the statuses it may move to from each status, and the one function
that moves it.

    pending ─create─▶ provisioning ─(panel done)─▶ active ─suspend─▶ suspended
       │                   │                         ▲  ◀─unsuspend─┘    │
       └─cancel─▶ cancelled └─(create failed)─▶ pending                   ▼
                                          active / suspended ─terminate─▶ terminated

TRANSITIONS is the whole state machine: every status change goes through `move`, which refuses
a move the table does not list (IllegalTransitionError, with a message naming both statuses) and
writes nothing then, and audits every move with who or what caused it. A test walks the table,
and another checks that no other code sets a service's status. Why each move exists:

- pending → provisioning: a create operation was queued (paid order, or staff);
  pending → cancelled: cancelled before it was ever set up (nothing on a panel);
- provisioning → active: the panel has the account; → pending: the create failed for good and
  what it had done was undone, so staff may try again (perhaps on another server);
- active ⇄ suspended: suspended (staff, unpaid, its package) and resumed;
- active / suspended → terminated: removed from the panel; terminal, like cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.orders.models import Service, ServiceStatus

Status = ServiceStatus

TRANSITIONS: Mapping[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.PROVISIONING, Status.CANCELLED}),
    Status.PROVISIONING: frozenset({Status.ACTIVE, Status.PENDING}),
    Status.ACTIVE: frozenset({Status.SUSPENDED, Status.TERMINATED}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.TERMINATED}),
    Status.TERMINATED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class IllegalTransitionError(ValidationError):
    """A move the table does not allow: the API answers 409 `illegal_transition`."""

    code = "illegal_transition"


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS[from_status]


def refusal(service: Service, to_status: str) -> IllegalTransitionError:
    onward = ", ".join(str(Status(status).label).lower() for status in sorted(TRANSITIONS[service.status]))
    message = _("The service is %(current)s and cannot become %(next)s") % {
        "current": str(Status(service.status).label).lower(),
        "next": str(Status(to_status).label).lower(),
    }
    message += "; " + (
        _("from here it can only become: %(onward)s.") % {"onward": onward}
        if onward
        else _("it is final and changes no more.")
    )
    return IllegalTransitionError(message, code="illegal_transition")


def check(service: Service, to_status: str) -> None:
    if not allowed(service.status, to_status):
        raise refusal(service, to_status)


def move(service: Service, to: str, *, actor: Any, cause: str, data: dict[str, Any] | None = None) -> None:
    """Move the (locked) service to `to`, audited as caused by `actor` (None: the system) for
    `cause` ("order paid", "operation 12 succeeded", a staff member's reason). Refused with
    IllegalTransitionError, nothing written, when the table does not allow it."""
    check(service, to)
    before = service.status
    # Written only if it is still what was read: a service read without a lock (the runner's,
    # for one query less per operation) is never moved from a status it has already left.
    now = timezone.now()
    if not Service.objects.filter(pk=service.pk, status=before).update(status=to, updated_at=now):
        service.refresh_from_db(fields=["status"])
        raise refusal(service, to)
    service.status, service.updated_at = to, now
    record_event(
        f"provisioning.service_{to}",
        actor=actor,
        target=service,
        data={"from": before, "to": to, "cause": cause[:500], **(data or {})},
    )
