"""The reads of provisioning's staff pages: each list a fixed number of queries whatever its rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from praho.catalog.models import Module
from praho.orders.models import Service
from praho.provisioning.models import Account, Operation, OperationState, Server
from praho.provisioning.services.placement import HOLDING, HYPERVISOR_NEEDS

OPERATIONS_SHOWN = 20  # on a service's panel, latest first


@dataclass(frozen=True)
class Capacity:
    label: Any
    used: int
    limit: int | None  # None: unlimited

    @property
    def percent(self) -> int | None:
        return None if not self.limit else round(100 * self.used / self.limit)


@dataclass(frozen=True)
class ServerRow:
    server: Server
    capacities: list[Capacity]


def servers(filters: dict[str, Any]) -> QuerySet[Server]:
    """Servers by name with the number of accounts holding a place on each (placement's rule)."""
    found = Server.objects.annotate(
        held=Count("accounts", filter=Q(accounts__service__status__in=HOLDING), distinct=True)
    ).prefetch_related("product_groups")
    if filters.get("panel"):
        found = found.filter(panel=filters["panel"])
    if filters.get("status"):
        found = found.filter(status=filters["status"])
    return found.order_by("name", "id")


def _allocated(server_ids: list[int]) -> dict[int, dict[str, int]]:
    """What the machines on each hypervisor were given, by their plans' parameters: one query
    for the page (placement counts one server at a time, as it places one service)."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {need: 0 for need, _field in HYPERVISOR_NEEDS})
    if not server_ids:
        return totals
    rows = Service.objects.filter(account__server_id__in=server_ids, status__in=HOLDING).values_list(
        "account__server_id", "plan__module_params", "quantity"
    )
    for server_id, params, quantity in rows:
        for need, _field in HYPERVISOR_NEEDS:
            totals[server_id][need] += int((params or {}).get(need) or 0) * (quantity or 1)
    return totals


def server_rows(page: list[Server]) -> list[ServerRow]:
    hypervisors = [server.pk for server in page if server.panel == Module.PROXMOX]
    allocated = _allocated(hypervisors)
    labels = {"cores": _("CPU cores"), "memory_mb": _("RAM (MB)"), "disk_gb": _("Disk (GB)")}
    rows = []
    for server in page:
        if server.panel == Module.PROXMOX:
            capacities = [
                Capacity(labels[need], allocated[server.pk][need], getattr(server, field))
                for need, field in HYPERVISOR_NEEDS
            ]
        else:
            capacities = [Capacity(_("Accounts"), server.held, server.max_accounts)]  # type: ignore[attr-defined]
        rows.append(ServerRow(server, capacities))
    return rows


def operations(filters: dict[str, Any]) -> QuerySet[Operation]:
    """Operations that need staff first (needs attention, then failed), then newest first."""
    found = Operation.objects.select_related("service__plan", "service__customer", "server").annotate(
        urgency=Case(
            When(state=OperationState.NEEDS_ATTENTION, then=Value(0)),
            When(state=OperationState.FAILED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    for field in ("state", "kind"):
        if filters.get(field):
            found = found.filter(**{field: filters[field]})
    if filters.get("server"):
        found = found.filter(server_id=filters["server"])
    return found.order_by("urgency", "-id")


def account_of(service: Service) -> Account | None:
    return Account.objects.select_related("server").filter(service=service).first()


def operations_of(service: Service) -> list[Operation]:
    return list(Operation.objects.filter(service=service).order_by("-id")[:OPERATIONS_SHOWN])
