"""Provisioning's panels on the staff dashboard (praho.core.dashboards):

- operations needing attention (failed for good, or waiting for staff), a count and the latest,
  each linking to its service's staff page: for staff with provisioning.view_operation, two queries;
- services over their plan's limits at their latest reading: for staff with
  provisioning.view_usagesample, two queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from praho.core.dashboards import WORK, Panel
from praho.provisioning import selectors

TEMPLATES = "provisioning/dashboard/"
SHOWN = 5
# A latest sample older than this belongs to a service no longer collected (ended, moved).
RECENT_DAYS = 2


def attention() -> dict[str, Any]:
    operations = selectors.operations_needing_attention()
    latest = list(operations.select_related("service__plan", "service__customer")[:SHOWN])
    return {"count": operations.count(), "operations": latest}


def over_limits() -> dict[str, Any]:
    samples = selectors.over_limit_samples(timezone.localdate() - timedelta(days=RECENT_DAYS))
    latest = list(samples[:SHOWN])
    return {"count": samples.count(), "samples": latest}


def staff_panels(request: HttpRequest) -> list[Panel]:
    user, panels = request.user, []
    if user.has_perm("provisioning.view_operation"):
        panels.append(Panel(TEMPLATES + "_attention.html", attention(), WORK + 5))
    if user.has_perm("provisioning.view_usagesample"):
        panels.append(Panel(TEMPLATES + "_over_limits.html", over_limits(), WORK + 6))
    return panels
