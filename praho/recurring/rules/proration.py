"""What moving a service to another plan mid-period costs, by days (pure: no reads, no writes).

The period prorated is the one that holds the day of the change (`on`): the period the service
has paid for, since `on` is before its next due date. From `on` (that day included) to the end of
the period the service runs on the new plan:

- credit for the old plan's unused days = the period's price on the old plan x days left / days;
- charge for the new plan's days = the new plan's price for the same cycle and currency (x the
  quantity) x days left / days;

each rounded once to two decimals half-up, as EN 16931 rounds a line's net amount
(praho.core.money.round_money); net = charge - credit. The credit never exceeds the period's price,
since days left never exceed the period's days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from praho.catalog.cycles import Period
from praho.core.money import round_money
from praho.orders.models import Service
from praho.recurring import pricing

DATE_FORMAT = "%d.%m.%Y"
EN_DASH = "\u2013"


@dataclass(frozen=True)
class Proration:
    period: Period
    on: date  # the first day on the new plan
    old_price: Decimal  # the period's price on the old plan (all units, net of VAT)
    new_price: Decimal  # the period's price on the new plan (all units, net of VAT)
    credit: Decimal
    charge: Decimal

    @property
    def days_left(self) -> int:
        return days_left(self.period, self.on)

    @property
    def days(self) -> int:
        return self.period.days

    @property
    def net(self) -> Decimal:
        return self.charge - self.credit

    @property
    def span(self) -> str:
        """The days prorated, "dd.mm.yyyy - dd.mm.yyyy" (with an en dash)."""
        return period_text(self.on, self.period.end)


def days_left(period: Period, on: date) -> int:
    """Days from `on` (included) to the period's last day."""
    if not period.start <= on <= period.end:
        raise ValueError(f"{on} is not in the period {period.start}..{period.end}")
    return (period.end - on).days + 1


def share(amount: Decimal, left: int, days: int) -> Decimal:
    """`amount` x left / days, rounded as a line amount."""
    if days <= 0 or not 0 <= left <= days:
        raise ValueError(f"{left} of {days} days")
    return round_money(amount * left / days)


def prorate(*, period: Period, on: date, old_price: Decimal, new_price: Decimal) -> Proration:
    left = days_left(period, on)
    return Proration(
        period=period,
        on=on,
        old_price=old_price,
        new_price=new_price,
        credit=share(old_price, left, period.days),
        charge=share(new_price, left, period.days),
    )


def period_text(start: date, end: date) -> str:
    return f"{start.strftime(DATE_FORMAT)} {EN_DASH} {end.strftime(DATE_FORMAT)}"


def for_service(
    service: Service, *, on: date, new_unit_price: Decimal, old_list_price: Decimal | None = None
) -> Proration | None:
    """The proration of moving `service` to a plan whose catalog price for the service's cycle and
    currency is `new_unit_price` (per unit) on `on`. The old price is what the current period was
    billed at: the service's renewal price for that period's number (`old_list_price`: the old
    plan's catalog price, for a service that follows the list price). None when `on` is in no paid
    period: a one-time purchase, a service not started yet, or one whose period is not paid
    (`on` on or after its next due date)."""
    period = pricing.current_period(service, on)
    if period is None or service.next_due_date is None or on >= service.next_due_date:
        return None
    old = pricing.renewal_price(service, period.number, list_price=old_list_price).net
    new = new_unit_price * max(service.quantity, 1)
    return prorate(period=period, on=on, old_price=old, new_price=new)
