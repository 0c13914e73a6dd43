"""Recurring billing's panels on orders' service pages (core.contributions, ADR 0008): when the
service renews or ends, cancelling at the end of the period (or taking it back), and changing the
plan with the proration shown before confirming; staff also cancel at once with a credit."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import SafeString

from praho.orders.models import Service


def staff_panel(request: HttpRequest, service: Service) -> SafeString:
    from praho.recurring.web.staff.panel import render_panel

    return render_panel(request, service)


def area_panel(request: HttpRequest, service: Service) -> SafeString:
    from praho.recurring.web.area.panel import render_panel

    return render_panel(request, service)
