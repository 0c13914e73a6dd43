"""Billing periods of a cycle, anchored on the day a service started.

Every period is counted from the anchor, never from the period before it, so a month end stays a
month end as far as the calendar allows and comes back where it can: a monthly service started on
31 January 2028 has periods starting 31 Jan, 29 Feb, 31 Mar, 30 Apr, 31 May… (chaining "+1 month"
would drift to the 29th for good). Each period ends the day before the next one starts, so the
periods of a service cover every day exactly once: renewals (issue 16) bill (service, period n)
at most once and skip none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from praho.catalog.models import Cycle

CYCLE_MONTHS = {
    Cycle.MONTHLY: 1,
    Cycle.QUARTERLY: 3,
    Cycle.SEMIANNUAL: 6,
    Cycle.ANNUAL: 12,
    Cycle.BIENNIAL: 24,
    Cycle.TRIENNIAL: 36,
}


@dataclass(frozen=True)
class Period:
    number: int  # 0: the first period, from the anchor
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def months_of(cycle: str) -> int | None:
    """The cycle's length in months; None for a one-time purchase (no periods)."""
    return CYCLE_MONTHS.get(Cycle(cycle))


def period_start(anchor: date, cycle: str, number: int) -> date:
    months = months_of(cycle)
    if months is None:
        raise ValueError(f"A {cycle} purchase has no periods")
    return anchor + relativedelta(months=months * number)


def period(anchor: date, cycle: str, number: int) -> Period:
    if number < 0:
        raise ValueError("Periods are counted from 0")
    start = period_start(anchor, cycle, number)
    return Period(number, start, period_start(anchor, cycle, number + 1) - timedelta(days=1))


def period_on(anchor: date, cycle: str, day: date) -> Period:
    """The period that holds `day` (which is on or after the anchor)."""
    if day < anchor:
        raise ValueError("The day is before the service started")
    months = months_of(cycle) or 0
    if not months:
        raise ValueError(f"A {cycle} purchase has no periods")
    guess = ((day.year - anchor.year) * 12 + day.month - anchor.month) // months
    number = max(guess - 1, 0)
    while period_start(anchor, cycle, number + 1) <= day:
        number += 1
    return period(anchor, cycle, number)
