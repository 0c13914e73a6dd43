"""Row locks provisioning takes. Order: billing's and orders' (when a payment creates services)
→ services, by id → their operations, by id → the order a service belongs to (follow_services)
→ the audit chain (docs/decisions/0006-locking.md). Claiming an operation locks that row alone
and skips it when another worker holds it."""

from __future__ import annotations

from collections.abc import Iterable

from praho.orders.models import Service
from praho.provisioning.models import Operation


def locked_service(pk: int) -> Service:
    return (
        Service.objects.select_for_update(no_key=True, of=("self",))
        .select_related("plan", "plan__group")
        .get(pk=pk)
    )


def locked_services(ids: Iterable[int]) -> list[Service]:
    return list(
        Service.objects.select_for_update(no_key=True, of=("self",))
        .select_related("plan", "plan__group")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )


def claimable_operation(pk: int) -> Operation | None:
    """The operation, locked, with all a run reads (its service, plan, customer, account and
    server, and the operation it waits for) in the same query; None when another worker holds it
    (or it is gone)."""
    return (
        Operation.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
        .select_related("service__plan", "service__customer", "service__account__server", "after")
        .filter(pk=pk)
        .first()
    )


def locked_operation(pk: int) -> Operation:
    return Operation.objects.select_for_update(no_key=True).get(pk=pk)


def locked_services_in_order(services: list[Service]) -> list[Service]:
    """The services locked by id (the lock order) and handed back, fresh, in the given order."""
    fresh = {service.pk: service for service in locked_services(s.pk for s in services)}
    return [fresh[service.pk] for service in services if service.pk in fresh]
