"""Quantities from usage samples (praho.recurring.rules.measuring), without the database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from praho.catalog.cycles import period
from praho.recurring.rules.measuring import Reading, assign, gigabytes, measured

D = Decimal
GB = 1024


def _reading(n: int, day: date, *, disk: int = 0, bandwidth: int = 0) -> Reading:
    return Reading(n, day, disk, bandwidth)


def test_each_reading_goes_to_its_period_a_late_one_to_the_first():
    periods = [period(date(2027, 1, 15), "monthly", n) for n in (1, 2)]  # 15 Feb - 14 Mar, 15 Mar - 14 Apr
    readings = [
        _reading(1, date(2027, 1, 10)),  # before the window
        _reading(2, date(2027, 2, 1)),  # late (the window starts on 15 Jan)
        _reading(3, date(2027, 3, 14)),
        _reading(4, date(2027, 3, 15)),
        _reading(5, date(2027, 4, 15)),  # after the last period
    ]
    assigned = assign(periods, readings, lower=date(2027, 1, 15))
    assert [[r.sample_id for r in group] for group in assigned] == [[2, 3], [4]]


def test_bandwidth_per_month_less_what_was_accounted_for():
    days = [date(2027, 1, 20), date(2027, 1, 31), date(2027, 2, 1), date(2027, 2, 14)]
    readings = [
        _reading(n, day, bandwidth=mb) for n, (day, mb) in enumerate(zip(days, [5, 9, 1, 4], strict=True))
    ]
    accounted = [_reading(9, date(2027, 1, 14), bandwidth=3 * GB)]
    assert measured("bandwidth_gb", [[_scale(r) for r in readings]], accounted=accounted) == [D("10.00")]
    # Two periods of one batch: the second subtracts what the first counted of the month.
    first, second = [_scale(r) for r in readings[:3]], [_scale(readings[3])]
    assert measured("bandwidth_gb", [first, second], accounted=accounted) == [D("7.00"), D("3.00")]


def _scale(reading: Reading) -> Reading:
    return Reading(reading.sample_id, reading.day, reading.disk_mb, reading.bandwidth_mb * GB)


def test_a_counter_lower_than_what_was_accounted_bills_nothing_for_that_month():
    accounted = [_reading(1, date(2027, 3, 10), bandwidth=50 * GB)]
    assert measured(
        "bandwidth_gb", [[_reading(2, date(2027, 3, 12), bandwidth=GB)]], accounted=accounted
    ) == [D("0.00")]


def test_disk_is_the_peak_and_hours_the_days_with_a_sample():
    first = date(2028, 2, 1)
    readings = [_reading(n, first + timedelta(days=n), disk=n * 100) for n in range(0, 29, 2)]  # 15 days
    assert measured("disk_gb", [readings, []], accounted=[]) == [gigabytes(2800), D("0.00")]
    assert measured("vm_hours", [readings, []], accounted=[]) == [D(360), D(0)]


def test_gigabytes_round_up_to_the_hundredth():
    assert [gigabytes(mb) for mb in (0, 1, 1024, 1025, 10 * 1024 + 512)] == [
        D("0.00"),
        D("0.01"),
        D("1.00"),
        D("1.01"),
        D("10.50"),
    ]
