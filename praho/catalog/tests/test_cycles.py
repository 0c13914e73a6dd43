"""Billing periods anchored on the start day: contiguous, never overlapping, month ends kept (31 Jan
→ 29 Feb → 31 Mar in a leap year, 28 Feb otherwise), 29 February anchors, and `period_on` finding
the period of any day; checked on examples and on generated anchors and days (hypothesis)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from praho.catalog.cycles import months_of, period, period_on, period_start

CYCLES = ["monthly", "quarterly", "semiannual", "annual", "biennial", "triennial"]
anchors = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def test_month_ends_stay_month_ends_and_come_back():
    starts = [period_start(date(2028, 1, 31), "monthly", n) for n in range(5)]
    assert starts == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
    ]
    assert period(date(2027, 1, 31), "monthly", 0).end == date(2027, 2, 27)
    assert period(date(2027, 1, 31), "monthly", 1) == period_on(
        date(2027, 1, 31), "monthly", date(2027, 3, 1)
    )
    assert period(date(2027, 1, 31), "monthly", 1).end == date(2027, 3, 30)


def test_a_29_february_anchor_renews_on_28_february_and_back_on_29():
    starts = [period_start(date(2028, 2, 29), "annual", n) for n in range(5)]
    assert starts == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]


def test_one_time_purchases_have_no_periods():
    assert months_of("one_time") is None
    with pytest.raises(ValueError, match="no periods"):
        period(date(2026, 1, 1), "one_time", 0)


@given(anchor=anchors, cycle=st.sampled_from(CYCLES), count=st.integers(min_value=1, max_value=40))
def test_periods_cover_every_day_once(anchor, cycle, count):
    periods = [period(anchor, cycle, n) for n in range(count)]
    assert periods[0].start == anchor
    for before, after in pairwise(periods):
        assert after.start == before.end + timedelta(days=1)
        assert before.days >= 28
        # The anchor's day, or the month's last day where the month is shorter.
        assert after.start.day == min(anchor.day, monthrange(after.start.year, after.start.month)[1])


@given(anchor=anchors, cycle=st.sampled_from(CYCLES), offset=st.integers(min_value=0, max_value=4000))
def test_period_on_finds_the_period_holding_the_day(anchor, cycle, offset):
    day = anchor + timedelta(days=offset)
    found = period_on(anchor, cycle, day)
    assert found.start <= day <= found.end
    assert found == period(anchor, cycle, found.number)
