"""Reads for provisioning's pages and panels, each a fixed number of queries.

Who may see a service is orders' business (praho.orders.selectors.service_for and the customer
area's own scoping): these take a service already found that way."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery

from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Account, Operation, OperationState, UsageSample

CHART_DAYS = 30
ATTENTION_STATES = (OperationState.NEEDS_ATTENTION, OperationState.FAILED)
LIVE = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)  # the services whose usage is collected


def account_of(service: Service) -> Account | None:
    """The service's panel account with its server: one query."""
    return Account.objects.filter(service=service).select_related("server").first()


def recent_samples(service: Service, today: date, days: int = CHART_DAYS) -> list[UsageSample]:
    """The service's samples of the `days` days up to `today`, oldest first: one query."""
    first = today - timedelta(days=days - 1)
    return list(UsageSample.objects.filter(service=service, day__gte=first, day__lte=today).order_by("day"))


def operations_needing_attention() -> QuerySet[Operation]:
    """Operations staff must look at (a permanent failure, no server for a create), newest first
    (the index prov_operation_due serves the filter)."""
    return Operation.objects.filter(state__in=ATTENTION_STATES).order_by("-id")


def latest_samples() -> QuerySet[UsageSample]:
    """Each live service's most recent sample (the day of the last collection that reached it)."""
    newest = UsageSample.objects.filter(service=OuterRef("service")).order_by("-day").values("day")[:1]
    return UsageSample.objects.filter(day=Subquery(newest))


def over_limit_samples(since: date) -> QuerySet[UsageSample]:
    """The latest samples of live services (from `since` on: older ones are services no longer
    collected) that are over a limit, newest first."""
    return (
        latest_samples()
        .filter(day__gte=since, service__status__in=LIVE)
        .exclude(over_limit=[])
        .select_related("service__plan", "service__customer")
        .order_by("-day", "-service_id")
    )
