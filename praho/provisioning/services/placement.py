"""Where a new service goes: the least-loaded active server of the plan's panel that takes the
plan's group and has room, and the deterministic name its account gets there."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q

from praho.catalog.models import Plan
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Server, ServerStatus

# Services that hold a place on their server.
HOLDING = (ServiceStatus.PROVISIONING, ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)
HYPERVISOR_NEEDS = (("cores", "cpu_cores"), ("memory_mb", "memory_mb"), ("disk_gb", "disk_gb"))


@dataclass(frozen=True)
class Load:
    server: Server
    share: float  # the fullest of its capacities, 0..1 (0 when it has no limits)
    fits: bool


def account_name(service: Service) -> str:
    """Always the same for a service: the first label of its domain (letters and digits, at most
    8, starting with a letter) and its id; e.g. "example42". Valid as a panel user name and a
    host name."""
    label = re.sub(r"[^a-z0-9]", "", service.domain.split(".")[0].lower())[:8] if service.domain else ""
    if not label or not label[0].isalpha():
        label = "svc" + label[:5]
    return f"{label}{service.pk}"


def candidates(plan: Plan) -> list[Server]:
    servers = Server.objects.filter(panel=plan.module, status=ServerStatus.ACTIVE)
    return list(
        servers.filter(Q(product_groups=plan.group_id) | Q(product_groups=None))
        .annotate(held=Count("accounts", filter=Q(accounts__service__status__in=HOLDING), distinct=True))
        .order_by("pk")
    )


def load_of(server: Server, plan: Plan, held: int) -> Load:
    if plan.module != "proxmox":
        if server.max_accounts is None:
            return Load(server, held / 1_000_000, True)
        return Load(server, held / max(server.max_accounts, 1), held < server.max_accounts)
    used = _allocated(server)
    shares, fits = [], True
    for need, capacity_field in HYPERVISOR_NEEDS:
        capacity = getattr(server, capacity_field)
        if capacity is None:
            continue
        wanted = int(plan.module_params.get(need) or 0)
        shares.append(used[need] / max(capacity, 1))
        fits = fits and used[need] + wanted <= capacity
    return Load(server, max(shares, default=held / 1_000_000), fits)


def _allocated(server: Server) -> dict[str, int]:
    """What the machines on a hypervisor were given, by their plans' parameters."""
    totals = {need: 0 for need, _ in HYPERVISOR_NEEDS}
    params = Service.objects.filter(account__server=server, status__in=HOLDING).values_list(
        "plan__module_params", "quantity"
    )
    for values, quantity in params:
        for need in totals:
            totals[need] += int((values or {}).get(need) or 0) * (quantity or 1)
    return totals


def pick_server(plan: Plan) -> Server | None:
    """The least-loaded server with room for one more of `plan`; None when there is none."""
    loads = [load_of(server, plan, server.held) for server in candidates(plan)]  # type: ignore[attr-defined]
    fitting = [load for load in loads if load.fits]
    if not fitting:
        return None
    return min(fitting, key=lambda load: (load.share, load.server.pk)).server
