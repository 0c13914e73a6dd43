"""Usage collection: what every live service uses, asked of its panel, kept as one sample per
service and day (the day's last reading wins), flagged when it is over its plan's limits.

Run hourly by the task `provisioning.collect_usage`. Services are read server by server with one
driver per server, and each server's readings are stored as soon as its panel has answered (one
query for its accounts and four per BATCH of readings: none per service). A panel that fails for
one account is logged and that account skipped; a panel that keeps failing (CONSECUTIVE_FAILURES
in a row: down or unreachable) has the rest of its accounts skipped; neither stops other servers.

When a service goes over a limit it was not over at the previous reading (today's earlier one,
else yesterday's), an audit event `provisioning.usage_over_limit` tells staff, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from praho.audit.services import EventSpec, record_events
from praho.catalog.models import PlanFeature
from praho.core.transactions import service_transaction
from praho.orders.models import Service
from praho.provisioning import metering
from praho.provisioning.gateways import driver_for
from praho.provisioning.gateways.base import AccountRef, Driver, PanelError, TransientPanelError, Usage
from praho.provisioning.models import Account, Server, UsageSample
from praho.provisioning.secrets import connection_of
from praho.provisioning.selectors import LIVE

logger = logging.getLogger(__name__)

COLLECTED = LIVE
CONSECUTIVE_FAILURES = 3
BATCH = 500
SAMPLE_FIELDS = ["disk_mb", "bandwidth_mb", "cpu_percent", "memory_mb", "over_limit", "collected_at"]


@dataclass(frozen=True)
class Reading:
    service: Service
    usage: Usage


def collect_usage(*, day: date | None = None) -> int:
    """Ask every panel for the usage of its live services' accounts and store it under `day`
    (today in Bucharest by default); the number of samples stored."""
    day = day or timezone.localdate()
    servers = Server.objects.filter(pk__in=_live_accounts().values("server_id")).order_by("pk")
    stored = 0
    for server in servers:
        accounts = list(_live_accounts().filter(server=server).select_related("service").order_by("pk"))
        readings = read_server(server, accounts)
        for start in range(0, len(readings), BATCH):
            stored += store_samples(day=day, readings=readings[start : start + BATCH])
    return stored


def _live_accounts() -> QuerySet[Account]:
    return Account.objects.filter(service__status__in=COLLECTED, server__isnull=False)


def read_server(server: Server, accounts: list[Account]) -> list[Reading]:
    """The usage of each account on one server, skipping those its panel did not report."""
    try:
        driver = driver_for(connection_of(server))
    except Exception:  # a broken server row (unknown panel, unreadable credentials) skips only it
        logger.exception("Usage: no driver for server %s (id %s); skipped.", server.name, server.pk)
        return []
    readings: list[Reading] = []
    failures = 0
    for account in accounts:
        if failures >= CONSECUTIVE_FAILURES:
            logger.warning(
                "Usage: server %s failed %s times in a row; its other accounts skipped.",
                server.name,
                failures,
            )
            break
        usage = _read_account(driver, server, account)
        if usage is None:
            failures += 1
            continue
        failures = 0
        readings.append(Reading(account.service, usage))
    return readings


def _read_account(driver: Driver, server: Server, account: Account) -> Usage | None:
    ref = AccountRef(account.username, account.external_id, account.service.domain)
    try:
        return driver.usage(ref)
    except PanelError as error:
        kind = "transient" if isinstance(error, TransientPanelError) else "permanent"
        logger.warning(
            "Usage of service %s on server %s not read (%s): %s", account.service_id, server.name, kind, error
        )
        return None


@service_transaction
def store_samples(*, day: date, readings: list[Reading]) -> int:
    """Upsert the day's sample of each reading, flag what is over its limits and tell staff of
    what newly is: four queries (limits, previous readings, the upsert, the audit events)."""
    if not readings:
        return 0
    limits = _limits(readings)
    before = _previous_over(day, [reading.service.pk for reading in readings])
    now = timezone.now()
    samples, events = [], []
    for reading in readings:
        service, usage = reading.service, reading.usage
        values = {"disk_mb": usage.disk_mb, "bandwidth_mb": usage.bandwidth_mb, "memory_mb": usage.memory_mb}
        service_limits = limits.get(service.pk, [])
        flagged = metering.over(service_limits, values)
        samples.append(
            UsageSample(
                service=service,
                day=day,
                disk_mb=max(usage.disk_mb, 0),
                bandwidth_mb=max(usage.bandwidth_mb, 0),
                cpu_percent=usage.cpu_percent,
                memory_mb=usage.memory_mb,
                over_limit=flagged,
                collected_at=now,
            )
        )
        newly = [code for code in flagged if code not in before.get(service.pk, ())]
        if newly:
            events.append(_over_limit_event(service, day, newly, values, service_limits))
    UsageSample.objects.bulk_create(
        samples, update_conflicts=True, unique_fields=["service", "day"], update_fields=SAMPLE_FIELDS
    )
    record_events(events)
    return len(samples)


def _limits(readings: list[Reading]) -> dict[int, list[metering.Limit]]:
    """Each service's metered limits (its plan's, times its quantity): one query."""
    plans = {reading.service.plan_id for reading in readings}
    metered = PlanFeature.objects.filter(plan_id__in=plans, feature__code__in=list(metering.METERED))
    rows = metered.values_list("plan_id", "feature__code", "feature__unit", "limit")
    per_plan: dict[int, list[tuple[str, str, Decimal | None]]] = {}
    for plan_id, code, unit, limit in rows:
        per_plan.setdefault(plan_id, []).append((code, unit, limit))
    return {
        service.pk: metering.limits_of(per_plan.get(service.plan_id, []), service.quantity)
        for service in (reading.service for reading in readings)
    }


def _previous_over(day: date, service_ids: list[int]) -> dict[int, set[str]]:
    """What each service was over at its previous reading: today's (an earlier run), else
    yesterday's; one query."""
    rows = (
        UsageSample.objects.filter(service_id__in=service_ids, day__in=[day, day - timedelta(days=1)])
        .order_by("service_id", "day")
        .values_list("service_id", "over_limit")
    )
    previous: dict[int, set[str]] = {}
    for service_id, flagged in rows:  # the later day overwrites the earlier
        previous[service_id] = set(flagged or [])
    return previous


def _over_limit_event(
    service: Service, day: date, newly: list[str], values: dict[str, int | None], limits: list[metering.Limit]
) -> EventSpec:
    return EventSpec(
        "provisioning.usage_over_limit",
        target=service,
        data={
            "day": day.isoformat(),
            "over": newly,
            "used_mb": {limit.code: values.get(limit.field) for limit in limits if limit.code in newly},
            "limit_mb": {limit.code: str(limit.mb) for limit in limits if limit.code in newly},
        },
    )
