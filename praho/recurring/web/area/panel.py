"""Recurring billing's panel on the customer area's service page (orders' page; praho.recurring.
service_panels): the next due date, when it renews or ends, "Cancel at the end of the period" /
"Keep it", and the upgrades the catalog allows, each previewed (proration) before confirming.

Members whose role has the BILLING capability (owner, billing) get the buttons; others see the
dates. Queries: one (the upgrade paths), none for a service that is not running."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from praho.customers.current import current_area
from praho.customers.roles import Capability
from praho.orders.models import Service
from praho.recurring.services.access import upgrade_plans
from praho.recurring.web.display import renewing

TEMPLATE = "recurring/area/_panel.html"


def render_panel(request: HttpRequest, service: Service) -> SafeString:
    shown = renewing(service)
    may_manage = current_area(request).can(Capability.BILLING)
    context: dict[str, Any] = {
        "service": service,
        "renewing": shown,
        "may_manage": may_manage,
        "upgrades": upgrade_plans(service.plan_id)
        if may_manage and shown.running and shown.recurring
        else [],
    }
    return SafeString(render_to_string(TEMPLATE, context, request=request))
