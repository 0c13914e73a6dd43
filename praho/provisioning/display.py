"""How provisioning's data is shown: sizes in the reader's language, what each service status
means for the customer, and the usage charts (server-rendered SVG, as billing's dashboard draws
its chart: no script, no chart library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from praho.core.formatting import babel_locale
from praho.orders.models import ServiceStatus
from praho.provisioning import metering
from praho.provisioning.models import UsageSample

STATUS_EXPLAINED: dict[str, Any] = {
    ServiceStatus.PENDING: gettext_lazy(
        "We have your order; the service is set up as soon as it is paid (or approved)."
    ),
    ServiceStatus.PROVISIONING: gettext_lazy(
        "The service is being set up on our servers; this usually takes a few minutes."
    ),
    ServiceStatus.ACTIVE: gettext_lazy("The service is running and ready to use."),
    ServiceStatus.SUSPENDED: gettext_lazy(
        "The service is paused: your data is kept, but it cannot be used until it is resumed. "
        "If an invoice is unpaid, paying it resumes the service."
    ),
    ServiceStatus.TERMINATED: gettext_lazy("The service was ended and its data removed from our servers."),
    ServiceStatus.CANCELLED: gettext_lazy("The service was cancelled before it was set up."),
}


def size(mb: int | Decimal | None) -> str:
    """ "512 MB", "1,5 GB", "2 TB" in the reader's language; "—" for nothing known."""
    if mb is None:
        return "—"
    value, unit = Decimal(mb), "MB"
    for bigger in ("GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{format_decimal(round(value, 1), format='#,##0.#', locale=babel_locale())} {unit}"


# --- the usage charts ------------------------------------------------------------------------------

# The geometry in SVG user units: 30 bars of BAR wide, STEP apart; day labels under the baseline.
WIDTH, HEIGHT, BAR, STEP, TOP = 300, 140, 8, 10, 12
BASELINE = HEIGHT - 24
LABEL_Y = HEIGHT - 8


@dataclass(frozen=True)
class DayBar:
    day: date
    title: str  # "7 Nov 2026: 1.5 GB"
    mb: int | None  # None: no reading that day
    text: str  # the size, formatted
    x: int
    y: int
    height: int
    over: bool


@dataclass(frozen=True)
class UsageChart:
    code: str  # "disk", "bandwidth"
    name: str
    title: str  # the whole chart in words (the SVG's <title>)
    bars: list[DayBar]
    limit_mb: Decimal | None
    limit_y: int | None  # where the limit line is; None: unlimited
    limit_text: str
    first_label: str
    last_label: str
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = BASELINE
    label_y: int = LABEL_Y
    bar_width: int = BAR


def _days(today: date, count: int) -> list[date]:
    return [today - timedelta(days=count - 1 - index) for index in range(count)]


def usage_chart(
    code: str, name: str, samples: list[UsageSample], limit: metering.Limit | None, today: date, days: int
) -> UsageChart:
    """One bar per day of `days` up to `today` (a day without a reading has none), and the limit
    as a dashed line; the scale leaves room above the larger of the highest bar and the limit."""
    field = metering.METERED[code]
    per_day = {sample.day: getattr(sample, field) for sample in samples}
    limit_mb = limit.mb if limit is not None else None
    top = max([*(v for v in per_day.values() if v is not None), limit_mb or 0, 1])
    scale = Decimal(BASELINE - TOP) / Decimal(top)
    locale = babel_locale()
    bars = []
    for index, day in enumerate(_days(today, days)):
        mb = per_day.get(day)
        height = round(Decimal(mb or 0) * scale)
        when = babel_format_date(day, "medium", locale=locale)
        title = f"{when}: {size(mb)}" if mb is not None else _("%(day)s: no reading") % {"day": when}
        over = mb is not None and limit_mb is not None and mb > limit_mb
        x = index * STEP + (STEP - BAR) // 2
        bars.append(DayBar(day, title, mb, size(mb), x, BASELINE - height, height, over))
    limit_text = _("limit %(size)s") % {"size": size(limit_mb)} if limit_mb is not None else _("unlimited")
    described = "; ".join(bar.title for bar in bars if bar.mb is not None) or _("no reading yet")
    return UsageChart(
        code=code,
        name=name,
        title=_("%(name)s per day, the last %(days)s days (%(limit)s): %(values)s")
        % {"name": name, "days": days, "limit": limit_text, "values": described},
        bars=bars,
        limit_mb=limit_mb,
        limit_y=None if limit_mb is None else BASELINE - round(limit_mb * scale),
        limit_text=limit_text,
        first_label=babel_format_date(bars[0].day, "d MMM", locale=locale),
        last_label=babel_format_date(bars[-1].day, "d MMM", locale=locale),
    )
