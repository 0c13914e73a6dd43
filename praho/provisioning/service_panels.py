"""Provisioning's panels on orders' service pages (core.contributions, ADR 0008): orders shows a
service; the apps above it add what they know of it, without orders importing them."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import SafeString

from praho.orders.models import Service


def staff_panel(request: HttpRequest, service: Service) -> SafeString:
    from praho.provisioning.web.staff.panel import render_panel

    return render_panel(request, service)


def area_panel(request: HttpRequest, service: Service) -> SafeString:
    from praho.provisioning.web.area.panel import render_panel

    return render_panel(request, service)
