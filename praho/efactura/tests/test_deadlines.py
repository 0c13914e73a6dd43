"""The e-Factura deadline: the 5th working day after the issue date, without weekends and
Romanian public holidays (the `holidays` package)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from praho.core.workdays import is_working_day
from praho.efactura.deadlines import deadline_for


@pytest.mark.parametrize(
    ("issued", "deadline"),
    [
        (date(2026, 3, 9), date(2026, 3, 16)),  # Monday: the next Monday
        (date(2026, 3, 12), date(2026, 3, 19)),  # Thursday: across one weekend
        (date(2026, 3, 14), date(2026, 3, 20)),  # Saturday: counting starts on Monday
        # Friday before St Andrew (Mon 30 Nov) and National Day (Tue 1 Dec): Wed 2 Dec is day 1.
        (date(2026, 11, 27), date(2026, 12, 8)),
        (date(2026, 11, 30), date(2026, 12, 8)),  # issued on the holiday itself
        # Christmas (25-26 Dec) falls on Friday and Saturday.
        (date(2026, 12, 23), date(2026, 12, 31)),
        # New Year (1-2 Jan) and Epiphany / St John (6-7 Jan 2027, Wednesday and Thursday).
        (date(2026, 12, 29), date(2027, 1, 8)),
        # Orthodox Easter 2026: Good Friday 10 Apr and Easter Monday 13 Apr.
        (date(2026, 4, 9), date(2026, 4, 20)),
        # Pentecost Monday and Children's Day (1 Jun 2026).
        (date(2026, 5, 29), date(2026, 6, 8)),
    ],
)
def test_the_deadline_is_the_fifth_working_day_after_the_issue_date(issued, deadline):
    assert deadline_for(issued) == deadline


@pytest.mark.parametrize(
    "day", [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 25), date(2026, 4, 13)]
)
def test_romanian_public_holidays_are_not_working_days(day):
    assert not is_working_day(day)


def test_every_deadline_of_a_year_is_a_working_day_with_exactly_five_working_days_before_it():
    for offset in range(366):
        issued = date(2026, 1, 1) + timedelta(days=offset)
        deadline = deadline_for(issued)
        between = [issued + timedelta(days=n) for n in range(1, (deadline - issued).days + 1)]
        assert is_working_day(deadline)
        assert sum(map(is_working_day, between)) == 5


@pytest.mark.parametrize(
    ("issued", "deadline"),
    [
        (date.max, date.max),  # no later day exists: the calendar's last day
        (date(9999, 12, 28), date.max),  # only three working days left before the calendar ends
        (date(9999, 12, 20), date(9999, 12, 27)),
        (date.min, date(1, 1, 8)),
    ],
)
def test_a_deadline_past_the_calendar_s_end_is_its_last_day(issued, deadline):
    assert deadline_for(issued) == deadline
