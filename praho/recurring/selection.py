"""Which services a billing run bills, for which period, at what price: reads only.

A service is due for renewal when it is active or suspended, recurring, not left out by staff,
not ending before its next period (cancelled at period end), and its next due date falls within
its plan's lead time (RECURRING_LEAD_DAYS unless the plan says otherwise) of the run's day. The
period billed is the one starting on the next due date; a (service, period) already on a live
renewal is not billed again. Services due together (customer, currency, due date) share one
document. The services are read with their live renewals left out in SQL; under the run's locks
still_due checks again what another run may have billed meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet

from praho.catalog.cycles import Period
from praho.catalog.models import Cycle, Plan
from praho.customers.selectors import current_profiles
from praho.orders.models import Service, ServiceStatus
from praho.recurring import pricing
from praho.recurring.models import Renewal, RenewalStatus

RENEWABLE = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


@dataclass(frozen=True)
class Due:
    """One service's period to bill."""

    service: Service
    period: Period
    price: pricing.RenewalPrice


@dataclass
class Bill:
    """One document's worth: a customer's services due on one day, in one currency."""

    customer_id: int
    currency: str
    due_date: date
    language: str
    items: list[Due] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return sum((item.price.net for item in self.items), Decimal("0"))


def lead_days(plan: Plan) -> int:
    return plan.renewal_lead_days if plan.renewal_lead_days is not None else settings.RECURRING_LEAD_DAYS


def renewable_services(*, on: date) -> QuerySet[Service]:
    """Services that may be due by `on` (the longest lead time of any plan), with their plans."""
    longest = max(
        settings.RECURRING_LEAD_DAYS,
        Plan.objects.aggregate(longest=Max("renewal_lead_days"))["longest"] or 0,
    )
    return (
        Service.objects.filter(
            status__in=RENEWABLE,
            renewals_excluded=False,
            next_due_date__isnull=False,
            next_due_date__lte=on + timedelta(days=longest),
        )
        .exclude(cycle=Cycle.ONE_TIME)
        .filter(Q(cancel_at__isnull=True) | Q(cancel_at__gte=F("next_due_date")))
        # Billed already: the period starting on the next due date is on a live renewal.
        .exclude(
            Exists(
                Renewal.objects.filter(
                    service=OuterRef("pk"), period_start=OuterRef("next_due_date")
                ).exclude(status=RenewalStatus.VOID)
            )
        )
        .select_related("plan")
        .order_by("customer_id", "next_due_date", "pk")
    )


@dataclass
class RunPlan:
    """What a run bills, and the services it leaves out because their due date is off their periods."""

    bills: list[Bill]
    misaligned: list[Service]


def due_items(services: Iterable[Service], *, on: date) -> tuple[list[Due], list[Service]]:
    """The services' next periods within their lead time (renewable_services has left out those
    a live renewal bills already), and the services whose next due date is not one of their
    periods' starts (a date edited by hand: billing the period holding it would bill a period
    again or skip one, so the run reports them instead of guessing)."""
    candidates = [
        service
        for service in services
        if service.next_due_date is not None
        and service.next_due_date <= on + timedelta(days=lead_days(service.plan))
    ]
    prices = _list_prices(candidates)
    items, misaligned = [], []
    for service in candidates:
        period = pricing.next_period(service)
        if period is None:
            continue
        if period.start != service.next_due_date:
            misaligned.append(service)
            continue
        list_price = prices.get((period.start, *pricing.price_key(service)))
        items.append(
            Due(service, period, pricing.renewal_price(service, period.number, list_price=list_price))
        )
    return items, misaligned


def _list_prices(services: list[Service]) -> dict[tuple[date, int, str, str], Decimal]:
    """The list prices of services that follow them, on the day each one's period starts."""
    by_day: dict[date, list[Service]] = defaultdict(list)
    for service in services:
        if service.follow_list_price and service.next_due_date is not None:
            by_day[service.next_due_date].append(service)
    found = {}
    for day, group in by_day.items():
        for key, amount in pricing.list_prices(group, on=day).items():
            found[(day, *key)] = amount
    return found


def billed_periods(service_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(service, period) of the live renewals of these services."""
    return set(
        Renewal.objects.filter(service__in=list(service_ids))
        .exclude(status=RenewalStatus.VOID)
        .values_list("service_id", "period_number")
    )


def still_due(items: list[Due], fresh: dict[int, Service], billed: set[tuple[int, int]]) -> list[Due]:
    """Of the items planned before the locks were taken, those still to bill now that the
    services are locked (`fresh`): still renewable, still due for that period, not in `billed`."""
    kept = []
    for item in items:
        service = fresh.get(item.service.pk)
        if service is None or service.status not in RENEWABLE or service.renewals_excluded:
            continue
        # Still the period starting on the next due date (the anchor and cycle do not change).
        still = service.next_due_date == item.period.start and service.cycle == item.service.cycle
        if still and (service.pk, item.period.number) not in billed:
            kept.append(Due(service, item.period, item.price))
    return kept


def bills_of(items: list[Due], *, on: date) -> list[Bill]:
    """Items grouped into documents, in (customer, due date, currency) order."""
    languages = _languages({item.service.customer_id for item in items})
    bills: dict[tuple[int, str, date], Bill] = {}
    for item in items:
        service = item.service
        key = (service.customer_id, service.currency, item.period.start)
        if key not in bills:
            language = languages.get(service.customer_id, "ro")
            bills[key] = Bill(service.customer_id, service.currency, item.period.start, language)
        bills[key].items.append(item)
    return sorted(bills.values(), key=lambda bill: (bill.customer_id, bill.due_date, bill.currency))


def _languages(customer_ids: set[int]) -> dict[int, str]:
    if not customer_ids:
        return {}
    rows = (
        current_profiles()
        .filter(customer_id__in=customer_ids)
        .values_list("customer_id", "document_language")
    )
    return dict(rows)


def plan_run(*, on: date) -> RunPlan:
    """What a run on `on` bills: four queries (the longest lead time, the services, list prices
    when some follow them, the customers' document languages)."""
    items, misaligned = due_items(renewable_services(on=on), on=on)
    return RunPlan(bills_of(items, on=on), misaligned)
