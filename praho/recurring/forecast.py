"""What renewals will bring in the next 30 or 90 days, per currency and week: a read for staff's
forecast page (chart and table). Every renewable service's periods starting in the window are
counted at the price the run would bill them (pricing.renewal_price), without VAT; a service that
ends (cancelled at period end) stops counting after its last day; a service left out of runs is
not counted. Two queries (services, list prices), whatever their number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from praho.catalog.cycles import period
from praho.catalog.models import Cycle
from praho.orders.models import Service
from praho.recurring import pricing
from praho.recurring.selection import RENEWABLE

WINDOWS = (30, 90)


@dataclass(frozen=True)
class Week:
    start: date
    amounts: dict[str, Decimal]  # per currency
    renewals: int


@dataclass(frozen=True)
class Forecast:
    today: date
    days: int
    weeks: list[Week]
    totals: dict[str, Decimal]
    renewals: int

    @property
    def currencies(self) -> list[str]:
        return sorted(self.totals)


def forecast(*, today: date, days: int) -> Forecast:
    end = today + timedelta(days=days - 1)
    services = list(
        Service.objects.filter(
            status__in=RENEWABLE, renewals_excluded=False, next_due_date__isnull=False, next_due_date__lte=end
        )
        .exclude(cycle=Cycle.ONE_TIME)
        .filter(Q(cancel_at__isnull=True) | Q(cancel_at__gte=today))
        .only(
            "pk",
            "plan_id",
            "cycle",
            "currency",
            "quantity",
            "price",
            "list_price",
            "discounted_periods",
            "follow_list_price",
            "billing_anchor",
            "next_due_date",
            "cancel_at",
        )
    )
    list_prices = pricing.list_prices(services, on=today)
    weeks: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[date, int] = defaultdict(int)
    for service in services:
        for start, amount in _renewals(service, today, end, list_prices.get(pricing.price_key(service))):
            week = today + timedelta(days=(start - today).days // 7 * 7) if start >= today else today
            weeks[week][service.currency] += amount
            counts[week] += 1
    starts = [today + timedelta(days=7 * n) for n in range((days + 6) // 7)]
    rows = [Week(start, dict(weeks.get(start, {})), counts.get(start, 0)) for start in starts]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        for currency, amount in row.amounts.items():
            totals[currency] += amount
    return Forecast(today, days, rows, dict(totals), sum(counts.values()))


def _renewals(
    service: Service, today: date, end: date, list_price: Decimal | None
) -> list[tuple[date, Decimal]]:
    """(period start, net) of the service's periods starting from its next due date up to `end`."""
    first = pricing.next_period(service)
    anchor = pricing.anchor_of(service)
    if first is None or anchor is None:
        return []
    found: list[tuple[date, Decimal]] = []
    number = first.number
    while True:
        start = period(anchor, service.cycle, number).start
        if start > end or (service.cancel_at is not None and start > service.cancel_at):
            return found
        found.append((start, pricing.renewal_price(service, number, list_price=list_price).net))
        number += 1
