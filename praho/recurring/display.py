"""How recurring billing's figures are drawn: the forecast as one bar chart per currency (server-
rendered SVG, as billing's dashboard draws its chart: no script, no chart library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from django.utils.translation import gettext as _

from praho.core.formatting import babel_locale, format_money
from praho.recurring.forecast import Forecast

# SVG user units: up to 13 weekly bars of BAR wide, STEP apart; week labels under the baseline.
WIDTH, HEIGHT, BAR, STEP, TOP = 390, 160, 22, 30, 12
BASELINE = HEIGHT - 24
LABEL_Y = HEIGHT - 8


@dataclass(frozen=True)
class WeekBar:
    start: date
    amount: Decimal
    title: str  # "week of 7 Dec 2026: 1.234,50 RON (12 renewals)"
    label: str  # "7 Dec"
    x: int
    y: int
    height: int

    @property
    def center(self) -> int:
        return self.x + BAR // 2


@dataclass(frozen=True)
class ForecastChart:
    currency: str
    total: Decimal
    bars: list[WeekBar]
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = BASELINE
    label_y: int = LABEL_Y
    bar_width: int = BAR


def forecast_charts(found: Forecast) -> list[ForecastChart]:
    locale = babel_locale()
    charts = []
    for currency in found.currencies:
        amounts = [week.amounts.get(currency, Decimal("0")) for week in found.weeks]
        scale = Decimal(BASELINE - TOP) / max(max(amounts), Decimal("1"))
        bars = []
        for index, (week, amount) in enumerate(zip(found.weeks, amounts, strict=True)):
            height = round(amount * scale)
            when = babel_format_date(week.start, "medium", locale=locale)
            title = _("week of %(day)s: %(amount)s") % {"day": when, "amount": format_money(amount, currency)}
            x = index * STEP + (STEP - BAR) // 2
            label = babel_format_date(week.start, "d MMM", locale=locale)
            bars.append(WeekBar(week.start, amount, title, label, x, BASELINE - height, height))
        charts.append(
            ForecastChart(
                currency=currency,
                total=found.totals[currency],
                bars=bars,
                title=_("Renewals per week in %(currency)s, the next %(days)s days: %(weeks)s")
                % {"currency": currency, "days": found.days, "weeks": "; ".join(bar.title for bar in bars)},
                width=max(len(bars) * STEP, STEP),
            )
        )
    return charts
