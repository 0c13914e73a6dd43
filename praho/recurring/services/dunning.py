"""Dunning: unpaid renewal documents chased along the schedule staff edit (DunningStep: days
relative to the due date, negative before it) with reminders, suspension and termination.

`run_dunning(on=…)` is what the daily task calls. It walks the unpaid renewal documents of the
customers not exempt (dunning_queries.unpaid_renewal_documents) and, for each one with a step
not yet written, calls `chase_document`, one transaction per document:

- the document is locked first (recurring.locks), then read again: paid, cancelled or exempt
  meanwhile, nothing happens;
- each step due and not yet written gets its DunningNotice row, the delivery log, unique per
  (document, days, action), written in the same transaction as what the step does. A second
  run, or two runs at once, find the row (or wait on the lock, then find it) and do nothing;
- of the reminders due, only the latest is sent; the earlier ones (dunning did not run for some
  days, or the document was billed late) are written as skipped, so a customer never gets a
  pile of stale e-mails. The e-mail leaves once the transaction commits (dunning_email);
- suspension suspends the active services of the document's renewals through provisioning
  (cause unpaid; what is suspended already, terminated or cancelled is left alone, a package's
  members follow their root), which audits each move;
- termination terminates them through provisioning when RECURRING_TERMINATE_WITHOUT_CONFIRMATION
  is on; otherwise the notice waits (status awaiting) until staff confirm it from the queue
  (`confirm_termination`, audited).

Paying the document (or a part payment converting its proforma) takes it out of the walk; the
lead's receiver resumes what was suspended for non-payment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.models import Document
from praho.billing.services.delivery import default_recipient
from praho.core.formatting import format_date
from praho.core.transactions import service_transaction
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import SuspensionCause
from praho.provisioning.services import actions
from praho.recurring import dunning_queries as queries
from praho.recurring import locks
from praho.recurring.models import (
    AutoCharge,
    ChargeStatus,
    DunningAction,
    DunningNotice,
    NoticeStatus,
    Renewal,
    RenewalStatus,
)
from praho.recurring.services import dunning_email

logger = logging.getLogger(__name__)

DETAIL_MAX = DunningNotice._meta.get_field("detail").max_length or 500
TERMINABLE = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


@dataclass
class DunningOutcome:
    """What one document's steps did."""

    reminders: int = 0
    skipped: int = 0
    suspended: int = 0  # services
    terminated: int = 0  # services
    awaiting: int = 0  # terminations left for staff to confirm

    def add(self, other: DunningOutcome) -> None:
        for name in ("reminders", "skipped", "suspended", "terminated", "awaiting"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DunningSummary(DunningOutcome):
    on: date | None = None
    documents: int = 0  # unpaid documents with a step to write
    errors: list[dict[str, Any]] = field(default_factory=list)


def run_dunning(*, on: date) -> DunningSummary:
    """Write every step due by `on` on the unpaid renewal documents (see the module doc). Not one
    transaction: each document is its own, so a failure stops one document, not the run, and
    running it again (or two at once) writes nothing twice."""
    summary = DunningSummary(on=on)
    steps = [(step.days, step.action) for step in queries.schedule()]
    if not steps:
        return summary
    candidates = queries.documents_to_chase(on=on, earliest_days=steps[0][0])
    logged = queries.logged_steps([pk for pk, _due in candidates])
    for document_id, due_date in candidates:
        since = (on - due_date).days
        if all(step in logged[document_id] for step in steps if step[0] <= since):
            continue
        summary.documents += 1
        try:
            summary.add(chase_document(document_id=document_id, on=on, steps=steps))
        except IntegrityError:
            # Another run wrote the same step between our read and our insert; it did the step.
            logger.info("Dunning of document %s: another run wrote the step first", document_id)
        except Exception as error:  # one document's trouble must not stop the others
            logger.exception("Dunning of document %s failed", document_id)
            summary.errors.append({"document": document_id, "message": str(error)[:DETAIL_MAX]})
    return summary


@service_transaction
def chase_document(*, document_id: int, on: date, steps: list[tuple[int, str]]) -> DunningOutcome:
    """Write the steps due by `on` and not yet written on one document (locked), and do them."""
    outcome = DunningOutcome()
    document = locks.locked_document(document_id)
    if queries.payable_document(document) is None or not _billed(document):
        return outcome
    if queries.is_exempt(document.customer_id):
        return outcome
    since = (on - document.due_date).days
    logged = queries.logged_steps([document.pk])[document.pk]
    due = [(days, action) for days, action in steps if days <= since and (days, action) not in logged]
    reminders = [days for days, action in due if action == DunningAction.REMIND]
    last_sent = max((days for days, action in logged if action == DunningAction.REMIND), default=None)
    latest = reminders[-1] if reminders and (last_sent is None or reminders[-1] > last_sent) else None
    for days, action in due:
        if action == DunningAction.REMIND:
            if days == latest:
                outcome.reminders += _remind(document, days, on)
            else:
                _write(document, days, action, NoticeStatus.SKIPPED, detail=_("A later reminder was due."))
            outcome.skipped += days != latest
        elif action == DunningAction.SUSPEND:
            outcome.suspended += _suspend(document, days)
        elif action == DunningAction.TERMINATE:
            if settings.RECURRING_TERMINATE_WITHOUT_CONFIRMATION:
                outcome.terminated += _terminate(document, days)
            else:
                outcome.awaiting += _ask_to_terminate(document, days)
    return outcome


def _billed(document: Document) -> bool:
    return Renewal.objects.filter(document=document, status=RenewalStatus.BILLED).exists()


def _write(document: Document, days: int, action: str, status: str, **values: Any) -> DunningNotice:
    """The step's row: inserted once per (document, days, action), the unique constraint says so."""
    values["detail"] = str(values.get("detail", ""))[:DETAIL_MAX]
    return DunningNotice.objects.create(
        document=document, customer_id=document.customer_id, days=days, action=action, status=status, **values
    )


def _remind(document: Document, days: int, on: date) -> int:
    if AutoCharge.objects.filter(document=document, status=ChargeStatus.PENDING).exists():
        # The saved card is being charged (the daily task asks just before dunning): a reminder
        # now would cross the payment; if the card is declined, that e-mail asks to pay instead.
        _write(
            document,
            days,
            DunningAction.REMIND,
            NoticeStatus.SKIPPED,
            detail=_("The saved card is being charged."),
        )
        return 0
    address = default_recipient(document.customer)
    if not address:
        _write(
            document,
            days,
            DunningAction.REMIND,
            NoticeStatus.SKIPPED,
            detail=_("The customer has no invoice email and no email address."),
        )
        return 0
    notice = _write(
        document,
        days,
        DunningAction.REMIND,
        NoticeStatus.DONE,
        email=address,
        language=dunning_email.language_of(document),
    )
    transaction.on_commit(lambda: dunning_email.send_reminder(notice.pk, on=on), robust=True)
    return 1


def unpaid_reason(document: Document) -> str:
    return _("Unpaid: %(document)s, due on %(date)s") % {
        "document": document.number or document.pk,
        "date": format_date(document.due_date),
    }


def _services(document: Document, statuses: tuple[str, ...]) -> list[int]:
    """The ids of the document's renewed services in those statuses, a package's root before its
    members (provisioning carries the root's action to its members)."""
    rows = Renewal.objects.filter(
        document=document, status=RenewalStatus.BILLED, service__status__in=statuses
    ).values_list("service_id", "service__parent_id")
    return [service_id for service_id, _parent in sorted(rows, key=lambda row: (row[1] is not None, row[0]))]


def _status(service_id: int) -> str | None:
    """Read again: suspending or terminating a root moved its members."""
    return Service.objects.filter(pk=service_id).values_list("status", flat=True).first()


def _suspend(document: Document, days: int) -> int:
    reason = unpaid_reason(document)
    done: list[int] = []
    refused: list[str] = []
    for service_id in _services(document, (ServiceStatus.ACTIVE,)):
        if _status(service_id) != ServiceStatus.ACTIVE:
            continue
        try:
            actions.suspend(service_id=service_id, actor=None, reason=reason, cause=SuspensionCause.UNPAID)
        except ValidationError as error:  # its savepoint is rolled back; the others go on
            refused.append(f"#{service_id}: {' '.join(error.messages)}")
        else:
            done.append(service_id)
    _write(document, days, DunningAction.SUSPEND, NoticeStatus.DONE, detail=_detail(done, refused))
    record_event(
        "recurring.dunning_suspended",
        actor=None,
        target=document,
        data={"days": days, "services": done, "refused": refused},
    )
    return len(done)


def _terminate_services(document: Document, *, actor: Any) -> tuple[list[int], list[str]]:
    reason = unpaid_reason(document)
    done: list[int] = []
    refused: list[str] = []
    for service_id in _services(document, TERMINABLE):
        if _status(service_id) not in TERMINABLE:
            continue
        try:
            actions.terminate(service_id=service_id, actor=actor, reason=reason, children="terminate")
        except ValidationError as error:
            refused.append(f"#{service_id}: {' '.join(error.messages)}")
        else:
            done.append(service_id)
    return done, refused


def _terminate(document: Document, days: int) -> int:
    done, refused = _terminate_services(document, actor=None)
    _write(document, days, DunningAction.TERMINATE, NoticeStatus.DONE, detail=_detail(done, refused))
    record_event(
        "recurring.dunning_terminated",
        actor=None,
        target=document,
        data={"days": days, "services": done, "refused": refused, "confirmed": False},
    )
    return len(done)


def _ask_to_terminate(document: Document, days: int) -> int:
    """Leave the termination for staff to confirm; nothing to confirm when no service is left to
    terminate (staff terminated them meanwhile). 1 when staff are asked."""
    if not _services(document, TERMINABLE):
        _write(document, days, DunningAction.TERMINATE, NoticeStatus.DONE, detail=_detail([], []))
        return 0
    _write(
        document,
        days,
        DunningAction.TERMINATE,
        NoticeStatus.AWAITING_CONFIRMATION,
        detail=_("Waiting for staff to confirm the termination."),
    )
    return 1


def _detail(done: list[int], refused: list[str]) -> str:
    parts = []
    if done:
        parts.append(_("Services: %(ids)s.") % {"ids": ", ".join(f"#{pk}" for pk in done)})
    else:
        parts.append(_("No service to act on."))
    if refused:
        parts.append(_("Refused: %(why)s") % {"why": "; ".join(refused)})
    return " ".join(parts)


@service_transaction
def confirm_termination(*, notice_id: int, actor: Any) -> DunningNotice:
    """Staff confirm a termination dunning left waiting: the document's services are terminated
    through provisioning and the confirmation audited. Refused (ValidationError, nothing done)
    once it is confirmed already, the document paid, or the customer exempt."""
    try:
        document_id = DunningNotice.objects.values_list("document_id", flat=True).get(pk=notice_id)
    except ObjectDoesNotExist:
        raise ValidationError(_("No such termination is waiting."), code="not_found") from None
    document = locks.locked_document(document_id)
    notice = DunningNotice.objects.get(pk=notice_id)  # read again under the document's lock
    if notice.status != NoticeStatus.AWAITING_CONFIRMATION or notice.action != DunningAction.TERMINATE:
        raise ValidationError(_("This termination is not waiting for confirmation."), code="not_awaiting")
    if queries.payable_document(document) is None or not _billed(document):
        raise ValidationError(
            _("%(document)s is paid (or cancelled): nothing is terminated.") % {"document": document},
            code="paid",
        )
    if queries.is_exempt(document.customer_id):
        raise ValidationError(
            _("%(customer)s is exempt from dunning: nothing is terminated.")
            % {"customer": document.customer},
            code="exempt",
        )
    done, refused = _terminate_services(document, actor=actor)
    notice.status = NoticeStatus.DONE
    notice.confirmed_by = actor
    notice.detail = _detail(done, refused)[:DETAIL_MAX]
    notice.save(update_fields=["status", "confirmed_by", "detail"])
    record_event(
        "recurring.dunning_termination_confirmed",
        actor=actor,
        target=document,
        data={"notice": notice.pk, "days": notice.days, "services": done, "refused": refused},
    )
    return notice
