"""Packages: a service with its add-ons (children, grandchildren) and the domains bound to it.
Suspending one suspends its dependents first and the service last; resuming goes the other way.
A domain bound to a hosting service stays live while that hosting is active."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import GroupKind
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Account, BindingKind, DomainBinding, SuspensionCause

Status = ServiceStatus
FINAL = (Status.TERMINATED, Status.CANCELLED)
MAX_DEPTH = 5  # packages are two levels deep today; the walk stops here whatever the data says


def suspension_order(service: Service) -> list[Service]:
    """The service and what depends on it (add-ons, their add-ons, bound domains), dependents
    first and deepest first, the service itself last; final ones left out."""
    levels: list[list[Service]] = []
    current = [service]
    seen = {service.pk}
    for _depth in range(MAX_DEPTH):
        ids = [s.pk for s in current]
        bound = DomainBinding.objects.filter(hosting__in=ids).values("domain_service")
        below = [
            s
            # One query with OR, not a UNION: SQLite refuses the ORDER BY (Service's default
            # ordering) inside each part of a compound statement.
            for s in Service.objects.select_related("plan")
            .filter(Q(parent__in=ids) | Q(pk__in=bound))
            .order_by("pk")
            if s.pk not in seen and s.status not in FINAL
        ]
        if not below:
            break
        seen.update(s.pk for s in below)
        levels.append(below)
        current = below
    return [s for level in reversed(levels) for s in level] + [service]


def live_children(service: Service) -> list[Service]:
    return list(Service.objects.select_related("plan").filter(parent=service).exclude(status__in=FINAL))


def detach(children: list[Service], *, actor: Any) -> None:
    """Add-ons kept when their parent is terminated go on as services of their own."""
    for child in children:
        parent_id = child.parent_id
        Service.objects.filter(pk=child.pk).update(parent=None)
        child.parent = None
        record_event("provisioning.service_detached", actor=actor, target=child, data={"from": parent_id})


def suspended_for_package(service: Service) -> bool:
    return Account.objects.filter(service=service, suspension_cause=SuspensionCause.PACKAGE).exists()


def refuse_bound_domain(service: Service) -> None:
    """A domain bound to hosting that stays active is not suspended on its own."""
    binding = DomainBinding.objects.select_related("hosting").filter(domain_service=service).first()
    if binding is not None and binding.hosting.status == Status.ACTIVE:
        raise ValidationError(
            _(
                "This domain is the %(kind)s of hosting service #%(hosting)d, which stays active: "
                "suspend the hosting instead."
            )
            % {"kind": binding.get_kind_display().lower(), "hosting": binding.hosting_id},
            code="domain_bound",
        )


HOSTING_MODULES = ("virtualmin", "hestiacp")


def bind_ordered_domains(services: list[Service]) -> None:
    """A domain bought with a hosting plan for the same name is that hosting's primary domain."""
    hosting = {s.domain.lower(): s for s in services if s.plan.module in HOSTING_MODULES and s.domain}
    for service in services:
        target = hosting.get(service.domain.lower()) if service.domain else None
        if target is not None and service.plan.group.kind == GroupKind.DOMAIN and service.pk != target.pk:
            DomainBinding.objects.get_or_create(
                domain_service=service, defaults={"hosting": target, "kind": BindingKind.PRIMARY}
            )
