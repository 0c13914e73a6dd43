"""Usage billing: what the metered items of services' plans bill for their completed periods,
read for a whole list of services at once (`pending_usage`), and the record that it was billed
(`record_usage`). The billing run calls both inside its per-customer transaction: it puts each
pending charge's `lines()` on the customer's renewal document, then records the charges with
that document.

Which periods. For a service whose plan has metered items in the service's currency, each item
bills every completed period (its end before `on`) after the last period in which the service's
usage of that measure was billed (UsageCharge; by this item or another one of the same measure,
so a service that changed plans goes on where its old plan's item stopped and is not billed
twice), periods counted from the service's billing anchor (praho.catalog.cycles). When the
measure has billed nothing for the service yet, the first period is the one holding the later of
the anchor and the day the item bills usage from (MeteredItem.billed_from). Never the period the
service is in, never one before its first, never one after the period holding `cancel_at`.
Which samples each charge counts and what they measure: praho.recurring.rules.measuring; the
price: praho.recurring.rules.rating.

A charge with nothing billable (all within the included quantity, or no samples) is still
returned and recorded (net 0, no document line): its period is then done and its samples are
not billed later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from praho.audit.services import EventSpec, record_events
from praho.billing.models import Document
from praho.catalog.cycles import Period, months_of, period, period_on
from praho.core.formatting import typed_number
from praho.core.transactions import service_transaction
from praho.orders.models import Service
from praho.provisioning.models import UsageSample
from praho.recurring.models import BilledSample, Measure, MeteredItem, TierMode, UsageCharge
from praho.recurring.pricing import anchor_of
from praho.recurring.rules import measuring
from praho.recurring.rules.proration import period_text
from praho.recurring.rules.rating import Part, Rating, Tier, clean_tiers, rate

MEASURE_ORDER = [Measure.BANDWIDTH_GB, Measure.DISK_GB, Measure.VM_HOURS]
# UN/ECE Recommendation 20 codes billing's lines accept (billing.rules.units).
UNIT_CODE = {Measure.BANDWIDTH_GB: "E34", Measure.DISK_GB: "E34", Measure.VM_HOURS: "HUR"}


def _measure_name(measure: str) -> str:
    names = {
        Measure.BANDWIDTH_GB: _("Bandwidth"),
        Measure.DISK_GB: _("Disk space (peak)"),
        Measure.VM_HOURS: _("Machine hours"),
    }
    return names[Measure(measure)]


def _unit(measure: str) -> str:
    return _("h") if measure == Measure.VM_HOURS else _("GB")


@dataclass(frozen=True)
class PendingUsage:
    """One metered item's charge for one completed period of a service, not yet billed."""

    service: Service
    item: MeteredItem
    period: Period
    quantity: Decimal  # measured: GB rounded up to 0.01, or hours
    rating: Rating
    sample_ids: tuple[int, ...]  # the samples it counts (BilledSample rows record_usage writes)

    @property
    def billed_quantity(self) -> Decimal:
        """The quantity over the included one."""
        return self.rating.billable

    @property
    def net(self) -> Decimal:
        """The charge's amount without VAT: the sum of its lines' net amounts."""
        return self.rating.net

    def lines(self) -> list[dict[str, Any]]:
        """The document lines, as billing's create_document(lines=[...]) takes them (plus "net",
        the line's net amount billing will compute from quantity x unit price), described in the
        active language: one line (flat, volume) or one per graduated tier reached; none when the
        charge's net is 0."""
        if self.net <= 0:
            return []
        return [
            {
                "description": self._description(part),
                "quantity": part.quantity,
                "unit_code": UNIT_CODE[Measure(self.item.measure)],
                "unit_price": part.unit_price,
                "net": part.net,
            }
            for part in self.rating.parts
        ]

    def _description(self, part: Part) -> str:
        item = self.item
        values = {
            "measure": _measure_name(item.measure),
            "unit": _unit(item.measure),
            "period": period_text(self.period.start, self.period.end),
            "included": typed_number(item.included),
            "low": typed_number(item.included + part.above),
            "high": "" if part.up_to is None else typed_number(item.included + part.up_to),
        }
        if item.tier_mode == TierMode.GRADUATED and part.up_to is not None:
            return _("%(measure)s, %(low)s–%(high)s %(unit)s: %(period)s") % values  # noqa: RUF001 (a range)
        if item.tier_mode == TierMode.GRADUATED and item.included + part.above > 0:
            return _("%(measure)s over %(low)s %(unit)s: %(period)s") % values
        if item.included > 0:
            return _("%(measure)s over %(included)s %(unit)s included: %(period)s") % values
        return _("%(measure)s: %(period)s") % values


@dataclass(frozen=True)
class _Plan:
    """What one item bills for one service: consecutive periods, and the window's first day."""

    service: Service
    item: MeteredItem
    periods: list[Period]
    lower: date

    @property
    def read_from(self) -> date:
        """The first sample read: the first of `lower`'s month (the month's earlier readings are
        what its bandwidth starts from)."""
        return self.lower.replace(day=1)


def pending_usage(services: Sequence[Service], *, on: date) -> dict[int, list[PendingUsage]]:
    """What the metered items of these services' plans bill as of `on`, by service id, each
    service's charges by period then measure. Four queries for the whole list, fewer when there
    is nothing to bill: the items, the last period each measure billed, the samples, and which of
    them are billed."""
    recurring = [service for service in services if _has_periods(service)]
    if not recurring:
        return {}
    items = _items(recurring)
    pairs = [(service, item) for service in recurring for item in items.get(_key(service), [])]
    if not pairs:
        return {}
    last = _last_billed(pairs)
    plans = [
        plan
        for service, item in pairs
        if (plan := _plan(service, item, last.get((service.pk, item.measure)), on)) is not None
    ]
    if not plans:
        return {}
    readings, billed = _samples(plans)
    pending: dict[int, list[PendingUsage]] = defaultdict(list)
    tiers: dict[int, list[Tier]] = {}
    for plan in plans:
        item = plan.item
        if item.pk not in tiers:
            tiers[item.pk] = [] if item.tier_mode == TierMode.FLAT else clean_tiers(item.tiers)
        pending[plan.service.pk].extend(_charges(plan, readings[plan.service.pk], billed, tiers[item.pk]))
    for charges in pending.values():
        charges.sort(
            key=lambda charge: (charge.period.number, MEASURE_ORDER.index(Measure(charge.item.measure)))
        )
    return dict(pending)


def _has_periods(service: Service) -> bool:
    return months_of(service.cycle) is not None and anchor_of(service) is not None


def _key(service: Service) -> tuple[int, str]:
    return (service.plan_id, service.currency)


def _items(services: list[Service]) -> dict[tuple[int, str], list[MeteredItem]]:
    """The metered items of the services' plans, by (plan, currency): one query."""
    rows = MeteredItem.objects.filter(
        plan_id__in={service.plan_id for service in services},
        currency__in={service.currency for service in services},
    ).order_by("pk")
    found: dict[tuple[int, str], list[MeteredItem]] = defaultdict(list)
    for item in rows:
        found[(item.plan_id, item.currency)].append(item)
    return found


def _last_billed(pairs: list[tuple[Service, MeteredItem]]) -> dict[tuple[int, str], int]:
    """The last period number each (service, measure) was charged for, by any item (a service
    that changed plans goes on from where its old plan's item stopped): one query."""
    rows = (
        UsageCharge.objects.filter(
            service_id__in={service.pk for service, _item in pairs},
            item__measure__in={item.measure for _service, item in pairs},
        )
        .values_list("service_id", "item__measure")
        .annotate(last=Max("period_number"))
        .order_by()
    )
    return {(service_id, measure): last for service_id, measure, last in rows}


def _plan(service: Service, item: MeteredItem, last: int | None, on: date) -> _Plan | None:
    anchor = anchor_of(service)
    assert anchor is not None  # _has_periods
    cycle = service.cycle
    if on <= anchor:
        return None
    final = period_on(anchor, cycle, on).number - 1
    if service.cancel_at is not None:
        if service.cancel_at < anchor:
            return None
        final = min(final, period_on(anchor, cycle, service.cancel_at).number)
    if last is not None:
        first, lower = last + 1, period(anchor, cycle, last).start
    else:
        lower = max(anchor, item.billed_from)
        if lower >= on:
            return None
        first = period_on(anchor, cycle, lower).number
    if first > final:
        return None
    return _Plan(service, item, [period(anchor, cycle, n) for n in range(first, final + 1)], lower)


def _windows(plans: list[_Plan], prefix: str = "") -> Q:
    """The days of samples the plans need, per cycle (services due together in one cycle share
    about the same window, so no service's whole history is read for another's): a bounded OR."""
    bounds: dict[str, tuple[set[int], date, date]] = {}
    for plan in plans:
        ids, start, end = bounds.get(plan.service.cycle, (set(), plan.read_from, plan.periods[-1].end))
        ids.add(plan.service.pk)
        bounds[plan.service.cycle] = (ids, min(start, plan.read_from), max(end, plan.periods[-1].end))
    condition = Q()
    for ids, start, end in bounds.values():
        condition |= Q(
            **{f"{prefix}service_id__in": ids, f"{prefix}day__gte": start, f"{prefix}day__lte": end}
        )
    return condition


def _samples(
    plans: list[_Plan],
) -> tuple[dict[int, list[measuring.Reading]], set[tuple[int, str]]]:
    """The samples in the plans' windows by service, and the (sample, measure) pairs already
    billed among them (by any item: see _last_billed): two queries."""
    rows = UsageSample.objects.filter(_windows(plans)).values_list(
        "pk", "service_id", "day", "disk_mb", "bandwidth_mb"
    )
    readings: dict[int, list[measuring.Reading]] = defaultdict(list)
    for pk, service_id, day, disk_mb, bandwidth_mb in rows:
        readings[service_id].append(measuring.Reading(pk, day, disk_mb, bandwidth_mb))
    billed = BilledSample.objects.filter(
        _windows(plans, "sample__"), item__measure__in={plan.item.measure for plan in plans}
    )
    return readings, set(billed.values_list("sample_id", "item__measure"))


def _charges(
    plan: _Plan, readings: list[measuring.Reading], billed: set[tuple[int, str]], tiers: list[Tier]
) -> Iterable[PendingUsage]:
    item = plan.item
    end = plan.periods[-1].end
    mine = [reading for reading in readings if plan.read_from <= reading.day <= end]
    done = [reading for reading in mine if (reading.sample_id, item.measure) in billed]
    done_ids = {reading.sample_id for reading in done}
    unbilled = [reading for reading in mine if reading.sample_id not in done_ids]
    before = [reading for reading in unbilled if reading.day < plan.lower]
    assigned = measuring.assign(plan.periods, unbilled, lower=plan.lower)
    quantities = measuring.measured(item.measure, assigned, accounted=[*done, *before])
    for one_period, samples, quantity in zip(plan.periods, assigned, quantities, strict=True):
        rated = rate(
            quantity, mode=item.tier_mode, included=item.included, unit_price=item.unit_price, tiers=tiers
        )
        yield PendingUsage(
            plan.service, item, one_period, quantity, rated, tuple(sorted(r.sample_id for r in samples))
        )


@service_transaction
def record_usage(*, pending: Sequence[PendingUsage], document: Document) -> list[UsageCharge]:
    """Record these charges as billed on `document` (net 0 ones too) with the samples each
    counted: three queries (the charges, their samples, one audit event, linked into the chain at
    the end of the outermost service transaction). See record_usages for what guards against a
    double bill."""
    return _record([(document, list(pending))] if pending else [])


@service_transaction
def record_usages(*, billed: Sequence[tuple[Document, Sequence[PendingUsage]]]) -> list[UsageCharge]:
    """Record the charges billed on several documents (a run's chunk of customers): three
    queries whatever their number (the charges, their samples, one audit event per document).

    Nothing is billed twice: a (service, item, period) has one charge and a (sample, item) one
    BilledSample, both unique in the database. A second run, or one running beside it, that
    computed the same charges fails here with an IntegrityError (on PostgreSQL it waits for the
    first to commit): the caller must let it propagate so that its whole transaction, the documents
    with these lines included, rolls back; it must not catch it and carry on in that transaction.
    """
    return _record([(document, list(pending)) for document, pending in billed if pending])


def _record(kept: list[tuple[Document, list[PendingUsage]]]) -> list[UsageCharge]:
    if not kept:
        return []
    pending = [(document, one) for document, charges in kept for one in charges]
    charges = UsageCharge.objects.bulk_create(
        UsageCharge(
            service=one.service,
            item=one.item,
            period_number=one.period.number,
            period_start=one.period.start,
            period_end=one.period.end,
            quantity=one.quantity,
            billed_quantity=one.billed_quantity,
            net_amount=one.net,
            document=document,
        )
        for document, one in pending
    )
    BilledSample.objects.bulk_create(
        BilledSample(sample_id=sample_id, charge=charge, item=one.item)
        for (_document, one), charge in zip(pending, charges, strict=True)
        for sample_id in one.sample_ids
    )
    record_events([_billed_event(document, charges) for document, charges in kept])
    return charges


def _billed_event(document: Document, pending: list[PendingUsage]) -> EventSpec:
    return EventSpec(
        "recurring.usage_billed",
        target=document,
        data={
            "charges": [
                {
                    "service": one.service.pk,
                    "item": one.item.pk,
                    "measure": one.item.measure,
                    "period": [one.period.start.isoformat(), one.period.end.isoformat()],
                    "quantity": str(one.quantity),
                    "billed_quantity": str(one.billed_quantity),
                    "net": str(one.net),
                }
                for one in pending
            ]
        },
    )
