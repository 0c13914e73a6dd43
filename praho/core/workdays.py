"""Romanian working days: Monday to Friday except Romania's public holidays.

The `holidays` package lists them (Orthodox Easter and Pentecost move every year, so no fixed
list here). Legal terms counted in working days use this: ANAF's 5 working days for e-Factura.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

SATURDAY = 5


@lru_cache(maxsize=32)
def _public_holidays(year: int) -> frozenset[date]:
    # One frozen set per year: the package's HolidayBase grows itself on lookups, which is
    # not safe to share between threads.
    return frozenset(holidays.country_holidays("RO", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in _public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself never counts), or the calendar's
    last day (9999-12-31) when it ends first: a date stored before input was bounded (or by a
    data fix) must give a deadline, not an OverflowError on every page that shows it."""
    day = start
    counted = 0
    while counted < days:
        if day == date.max:
            return day
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
