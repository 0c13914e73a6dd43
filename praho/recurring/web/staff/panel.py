"""Recurring billing's panel on orders' staff service page: when it renews or ends, cancel at the
end of the period (or take it back), cancel now with a credit for the unused days, and move to any
plan of the same module with the proration previewed first. Staff with provisioning.manage_service
get the forms; others with orders.view_service see the dates. Queries: one (the plans to choose)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from praho.catalog.models import Plan
from praho.orders.models import Service
from praho.recurring.services.access import STAFF_PERMISSION
from praho.recurring.web.display import renewing

TEMPLATE = "recurring/staff/_service_panel.html"


def other_plans(service: Service) -> list[Plan]:
    """The plans staff may move the service to: the same provisioning module, another plan."""
    return list(
        Plan.objects.filter(module=service.plan.module)
        .exclude(pk=service.plan_id)
        .order_by("group__position", "position", "id")
    )


def render_panel(request: HttpRequest, service: Service) -> SafeString:
    shown = renewing(service)
    may_manage = request.user.has_perm(STAFF_PERMISSION)
    context: dict[str, Any] = {
        "service": service,
        "renewing": shown,
        "may_manage": may_manage,
        "plans": other_plans(service) if may_manage and shown.running else [],
    }
    return mark_safe(render_to_string(TEMPLATE, context, request))  # noqa: S308 (escaped by the template)
