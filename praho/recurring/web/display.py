"""What the renewals panels show of a service: when it renews or ends, and what may be done now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from praho.catalog.models import Cycle
from praho.orders.models import Service, ServiceStatus

RUNNING = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


@dataclass(frozen=True)
class Renewing:
    recurring: bool  # False: a one-time purchase, it never renews
    running: bool  # active or suspended: it may be cancelled or change plan
    next_due_date: date | None
    renews_on: date | None  # the next due date, while it renews
    ends_after: date | None  # its last day, once cancelled at the end of the period

    @property
    def may_cancel(self) -> bool:
        return self.recurring and self.running and self.ends_after is None and self.next_due_date is not None

    @property
    def may_resume(self) -> bool:
        return self.running and self.ends_after is not None


def renewing(service: Service) -> Renewing:
    recurring = service.cycle != Cycle.ONE_TIME
    running = service.status in RUNNING
    return Renewing(
        recurring=recurring,
        running=running,
        next_due_date=service.next_due_date,
        renews_on=service.next_due_date if recurring and running and service.cancel_at is None else None,
        ends_after=service.cancel_at,
    )
