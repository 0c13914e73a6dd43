"""Provisioning's panel on orders' staff service page: where the service lives (server, account,
panel id, why it is suspended), the actions the lifecycle table and the user's permission allow
now, and its operations, latest first. Each action's form posts to action_views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from praho.orders.models import Service, ServiceStatus
from praho.provisioning import lifecycle
from praho.provisioning.services.actions import may_retry
from praho.provisioning.services.packages import live_children
from praho.provisioning.web.staff import queries

Status = ServiceStatus
READ = ("provisioning.view_operation", "provisioning.manage_service")
ON_A_PANEL = (Status.ACTIVE, Status.SUSPENDED)


def allowed_actions(service: Service, *, may_manage: bool) -> dict[str, bool]:
    """Which buttons to show: what the lifecycle table allows from the service's status now."""
    if not may_manage:
        return {}
    status, module = service.status, bool(service.plan.module)
    return {
        "create": status == Status.PENDING,
        "activate": not module and lifecycle.allowed(status, Status.ACTIVE) and status == Status.PROVISIONING,
        "suspend": lifecycle.allowed(status, Status.SUSPENDED),
        "unsuspend": status == Status.SUSPENDED,
        "terminate": lifecycle.allowed(status, Status.TERMINATED),
        "cancel": lifecycle.allowed(status, Status.CANCELLED),
        "reset_password": status in ON_A_PANEL and module,
        "welcome": status == Status.ACTIVE,
    }


def panel_context(request: HttpRequest, service: Service) -> dict[str, Any]:
    may_manage = request.user.has_perm("provisioning.manage_service")
    actions = allowed_actions(service, may_manage=may_manage)
    operations = queries.operations_of(service)
    # Names unlike those of the page around it: tests read a page's context by name.
    return {
        "service": service,
        "account": queries.account_of(service),
        "operations": operations,
        "allowed": actions,
        "may_manage": may_manage,
        "retryable_ids": {op.pk for op in operations if may_retry(op, service.status)},
        "live_addons": live_children(service) if actions.get("terminate") else [],
    }


def render_panel(request: HttpRequest, service: Service) -> SafeString:
    if not any(request.user.has_perm(permission) for permission in READ):
        return mark_safe("")
    html = render_to_string(
        "provisioning/staff/_service_panel.html", panel_context(request, service), request
    )
    return mark_safe(html)  # noqa: S308 (a rendered template, escaped by it)
