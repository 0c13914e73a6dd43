"""Cancelling a service: at the end of its paid period (the default, customers too), or at once with
a prorated credit (staff).

- "period_end": `Service.cancel_at` becomes the paid period's last day (the day before the next due
  date): the service renews no more (billing runs skip it, `auto_renew` is false) and the daily
  `end_cancelled` terminates it the day after, through provisioning. Until then `resume` takes the
  cancellation back. The next period billed ahead on an unpaid renewal proforma is cancelled; a
  renewal invoice is left as it is (staff credit it if they want to).
- "now": a credit note for the unused days of the paid period (from today, today included; nothing
  when the period was not paid: no invoice paid it, or the service is past its due date), then
  provisioning terminates the service at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.models import Document
from praho.catalog.models import Cycle
from praho.core.transactions import service_transaction
from praho.core.validation import fiscal_today
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.services import actions
from praho.recurring import locks, pricing
from praho.recurring.rules.proration import for_service, period_text
from praho.recurring.services import access, credits

logger = logging.getLogger(__name__)

PERIOD_END = "period_end"
NOW = "now"
WHEN = (PERIOD_END, NOW)
RUNNING = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


@dataclass(frozen=True)
class Cancellation:
    service_id: int
    when: str
    cancel_at: date | None
    credit: Decimal
    credit_note: Document | None
    cancelled_renewal: int | None
    left_invoice: int | None


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _check_cancellable(service: Service, when: str) -> None:
    if when not in WHEN:
        raise ValidationError(
            {"when": ValidationError(_('Choose "period_end" or "now".'), code="invalid_choice")}
        )
    if service.cycle == Cycle.ONE_TIME:
        raise _refuse(_("A one-time purchase does not renew: there is nothing to cancel."), "one_time")
    if service.status not in RUNNING:
        raise _refuse(
            _("Only an active or suspended service can be cancelled; this one is %(status)s.")
            % {"status": str(ServiceStatus(service.status).label).lower()},
            "not_active",
        )
    if when == PERIOD_END and service.cancel_at is not None:
        raise _refuse(
            _("The service is cancelled already: it ends after %(date)s.")
            % {"date": service.cancel_at.strftime("%d.%m.%Y")},
            "already_cancelled",
        )
    if when == PERIOD_END and service.next_due_date is None:
        raise _refuse(_("The service has no paid period to end with."), "no_period")


@service_transaction
def cancel(
    *,
    actor: Any,
    service_id: int,
    when: str = PERIOD_END,
    on: date | None = None,
    children: str = "",
    client_key: str = "",
) -> Cancellation:
    """Cancel at the end of the paid period, or (staff) now with a prorated credit. `children`:
    what "now" does with live add-ons ("terminate" or "keep", as provisioning asks)."""
    on = on or fiscal_today()
    service = locks.locked_service(service_id)
    access.require(actor, service, staff_only=when == NOW)
    _check_cancellable(service, when)
    if when == PERIOD_END:
        return _at_period_end(actor, service)
    return _now(actor, service, on, children=children, client_key=client_key)


def _at_period_end(actor: Any, service: Service) -> Cancellation:
    assert service.next_due_date is not None  # checked
    service.cancel_at = service.next_due_date - timedelta(days=1)
    service.save(update_fields=["cancel_at", "updated_at"])
    period = pricing.current_period(service, service.cancel_at)
    next_period = (
        credits.drop_next_renewal(actor=actor, service=service, period=period)
        if period is not None
        else credits.NextPeriod(None, None)
    )
    result = Cancellation(
        service_id=service.pk,
        when=PERIOD_END,
        cancel_at=service.cancel_at,
        credit=Decimal("0.00"),
        credit_note=None,
        cancelled_renewal=next_period.cancelled.pk if next_period.cancelled is not None else None,
        left_invoice=next_period.left.pk if next_period.left is not None else None,
    )
    _audit(actor, service, result)
    return result


def _now(actor: Any, service: Service, on: date, *, children: str, client_key: str) -> Cancellation:
    unused = for_service(service, on=on, new_unit_price=Decimal("0"))
    note = None
    credit = Decimal("0.00")
    next_period = credits.NextPeriod(None, None)
    if unused is not None:
        next_period = credits.drop_next_renewal(actor=actor, service=service, period=unused.period)
        credit_at = credits.plan_credit(service, unused.period, unused.credit)
        if credit_at is not None:
            credit = unused.credit
            with credits.in_document_language(service):
                description = _(
                    "%(plan)s, service #%(service)s%(domain)s cancelled: the unused days %(span)s, "
                    "%(left)s of %(days)s days"
                ) % {
                    "plan": service.plan.name,
                    "service": service.pk,
                    "domain": f" {service.domain}" if service.domain else "",
                    "span": period_text(on, unused.period.end),
                    "left": unused.days_left,
                    "days": unused.days,
                }
            note = credits.issue_credit(actor=actor, credit=credit_at, amount=credit, description=description)
    actions.terminate(
        service_id=service.pk,
        actor=actor,
        reason=_("cancelled at once, the unused days credited"),
        children=children,
        client_key=client_key,
    )
    service.cancel_at = on - timedelta(days=1)
    service.save(update_fields=["cancel_at", "updated_at"])
    result = Cancellation(
        service_id=service.pk,
        when=NOW,
        cancel_at=service.cancel_at,
        credit=credit,
        credit_note=note,
        cancelled_renewal=next_period.cancelled.pk if next_period.cancelled is not None else None,
        left_invoice=next_period.left.pk if next_period.left is not None else None,
    )
    _audit(actor, service, result)
    return result


def _audit(actor: Any, service: Service, result: Cancellation) -> None:
    record_event(
        "recurring.service_cancelled",
        actor=actor,
        target=service,
        data={
            "when": result.when,
            "cancel_at": result.cancel_at.isoformat() if result.cancel_at else None,
            "credit": str(result.credit),
            "currency": service.currency,
            "credit_note": result.credit_note.pk if result.credit_note is not None else None,
            "cancelled_renewal": result.cancelled_renewal,
            "left_invoice": result.left_invoice,
        },
    )


@service_transaction
def resume(*, actor: Any, service_id: int) -> Service:
    """Take back a cancellation at the period's end before it takes effect: the service renews again."""
    service = locks.locked_service(service_id)
    access.require(actor, service)
    if service.cancel_at is None:
        raise _refuse(_("The service is not cancelled."), "not_cancelled")
    if service.status not in RUNNING:
        raise _refuse(
            _("The service has ended already; order it again."),
            "not_active",
        )
    before = service.cancel_at
    service.cancel_at = None
    service.save(update_fields=["cancel_at", "updated_at"])
    record_event(
        "recurring.cancellation_withdrawn",
        actor=actor,
        target=service,
        data={"cancel_at": before.isoformat()},
    )
    return service


@service_transaction
def end_one(*, service_id: int, on: date) -> bool:
    """Terminate one service whose period-end cancellation is due (its cancel_at is before `on`)."""
    service = locks.locked_service(service_id)
    if service.cancel_at is None or service.cancel_at >= on or service.status not in RUNNING:
        return False
    actions.terminate(
        service_id=service.pk,
        actor=None,
        reason=_("cancelled at the end of its period (%(date)s)")
        % {"date": service.cancel_at.strftime("%d.%m.%Y")},
        children="terminate",
    )
    record_event(
        "recurring.cancellation_ended",
        target=service,
        data={"cancel_at": service.cancel_at.isoformat(), "on": on.isoformat()},
    )
    return True


def end_cancelled(*, on: date) -> list[int]:
    """The daily task's part: terminate every service cancelled at its period's end whose last day
    (cancel_at) is before `on`, each in its own transaction (one failure stops no other, and is
    logged). Returns the ids terminated. Live add-ons end with their service."""
    due = (
        Service.objects.filter(cancel_at__lt=on, status__in=RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ended = []
    for service_id in list(due):
        try:
            if end_one(service_id=service_id, on=on):
                ended.append(service_id)
        except ValidationError:
            logger.exception("Could not end the cancelled service %s", service_id)
    return ended
