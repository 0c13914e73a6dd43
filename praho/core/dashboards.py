"""The two dashboards, /staff/ and /app/, made of the panels each app contributes.

An app adds panels by providing `<app>/dashboard.py` with either or both of

    def staff_panels(request) -> list[Panel]      # the staff dashboard
    def customer_panels(request) -> list[Panel]   # the customer dashboard (/app/)

Each function decides what the user may see (a panel a role may not see is simply not
returned) and runs a fixed number of queries. Core orders the panels and renders each one's
template with its `data`; it never imports an app (praho.core.contributions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.http import HttpRequest

from praho.core.contributions import contributions

# Where a panel goes: the money first, then what needs doing, then administration.
MONEY = 10
WORK = 50
ACCOUNT = 80
ADMINISTRATION = 90


@dataclass(frozen=True)
class Panel:
    """One card of a dashboard: `template` is rendered with `data` (and the page's request,
    user and perms); `secondary` panels are shown small, after the others."""

    template: str
    data: Mapping[str, Any] = field(default_factory=dict)
    order: int = WORK
    secondary: bool = False


PanelSource = Callable[[HttpRequest], Iterable[Panel]]


def _panels(request: HttpRequest, function: str) -> list[Panel]:
    sources = cast(list[PanelSource], contributions("dashboard", function))
    panels = [panel for source in sources for panel in source(request)]
    return sorted(panels, key=lambda panel: panel.order)  # stable: INSTALLED_APPS order within one order


def staff_panels(request: HttpRequest) -> list[Panel]:
    return _panels(request, "staff_panels")


def customer_panels(request: HttpRequest) -> list[Panel]:
    return _panels(request, "customer_panels")
