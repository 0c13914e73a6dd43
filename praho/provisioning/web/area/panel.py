"""Provisioning's panel on the customer area's service page (orders' page; praho.provisioning.
service_panels): what the status means, how to log in to the control panel, the plan's limits
(times the service's quantity) with this month's usage against them, and the last 30 days as charts.

The panel password is not in the page: a "Show password" button asks for it (web.area.views),
and only members whose role may manage services (Capability.TECHNICAL) have the button.
Queries: two (the account with its server, the samples), plus one for the plan's features when
the page did not prefetch them (orders' service page does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from praho.customers.current import current_area
from praho.customers.roles import Capability
from praho.orders.models import Service
from praho.provisioning import metering, selectors
from praho.provisioning.display import STATUS_EXPLAINED, UsageChart, size, usage_chart
from praho.provisioning.models import UsageSample

TEMPLATE = "provisioning/area/_panel.html"
FALLBACK_NAMES = {"disk": gettext_lazy("Disk"), "bandwidth": gettext_lazy("Bandwidth")}


@dataclass(frozen=True)
class LimitRow:
    code: str
    name: str
    limit: Decimal | None  # the plan's limit times the quantity; None: unlimited
    unit: str
    used: str  # this month's usage, formatted; "" when not measured
    percent: int | None
    over: bool


def render_panel(request: HttpRequest, service: Service) -> SafeString:
    today = timezone.localdate()
    account = selectors.account_of(service)
    samples = selectors.recent_samples(service, today) if account is not None else []
    features = [(pf.feature, pf.limit) for pf in service.plan.features.all()]
    metered = metering.limits_of(
        [(feature.code, feature.unit, limit) for feature, limit in features], service.quantity
    )
    context: dict[str, Any] = {
        "service": service,
        "explained": STATUS_EXPLAINED.get(service.status, ""),
        "account": account,
        "may_reveal": current_area(request).can(Capability.TECHNICAL),
        "limits": _limit_rows(features, service.quantity, metered, samples, today),
        "charts": _charts(features, metered, samples, today) if account is not None else [],
        "chart_days": selectors.CHART_DAYS,
        "collected_at": samples[-1].collected_at if samples else None,
    }
    return SafeString(render_to_string(TEMPLATE, context, request=request))


def _month_usage(samples: list[UsageSample], today: date) -> dict[str, int]:
    """The disk in use at the latest reading; the bandwidth of this month so far (panels count
    it per month: the latest reading of this month)."""
    if not samples:
        return {}
    latest = samples[-1]
    used = {"disk_mb": latest.disk_mb}
    if (latest.day.year, latest.day.month) == (today.year, today.month):
        used["bandwidth_mb"] = latest.bandwidth_mb
    return used


def _limit_rows(
    features: list[tuple[Any, Decimal | None]],
    quantity: int,
    metered: list[metering.Limit],
    samples: list[UsageSample],
    today: date,
) -> list[LimitRow]:
    by_code = {limit.code: limit for limit in metered}
    used = _month_usage(samples, today)
    rows = []
    for feature, limit in features:
        total = None if limit is None else limit * max(quantity, 1)
        measured = by_code.get(feature.code)
        value = used.get(measured.field) if measured is not None else None
        percent = None
        if value is not None and measured is not None and measured.mb:
            percent = round(100 * Decimal(value) / measured.mb)
        rows.append(
            LimitRow(
                code=feature.code,
                name=feature.name,
                limit=total,
                unit=feature.unit,
                used=size(value) if measured is not None and samples else "",
                percent=percent,
                over=percent is not None and percent > 100,
            )
        )
    return rows


def _charts(
    features: list[tuple[Any, Decimal | None]],
    metered: list[metering.Limit],
    samples: list[UsageSample],
    today: date,
) -> list[UsageChart]:
    """Disk and bandwidth, each against its limit (none drawn when the plan sets none)."""
    names = {feature.code: feature.name for feature, _limit in features}
    by_code = {limit.code: limit for limit in metered}
    return [
        usage_chart(
            code,
            names.get(code) or str(FALLBACK_NAMES[code]),
            samples,
            by_code.get(code),
            today,
            selectors.CHART_DAYS,
        )
        for code in metering.METERED
    ]
