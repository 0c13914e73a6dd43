"""Proration by days (praho.recurring.rules.proration), property-tested: month ends, leap years,
31st-of-month anchors, the first and the last day of a period, never more credit than the period's
price, each amount rounded half-up once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from praho.catalog.cycles import CYCLE_MONTHS, period, period_on
from praho.orders.models import Service
from praho.recurring.rules.proration import days_left, for_service, period_text, prorate, share

CYCLES = [str(cycle) for cycle in CYCLE_MONTHS]
anchors = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))
month_ends = st.builds(
    lambda year, month: date(year, month, 1) - timedelta(days=1),
    st.integers(2024, 2032),
    st.integers(1, 12),
)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2)


def _exact(amount: Decimal, left: int, days: int) -> Decimal:
    return (amount * left / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=300, deadline=None)
@given(
    anchor=st.one_of(anchors, month_ends),
    cycle=st.sampled_from(CYCLES),
    number=st.integers(0, 40),
    offset=st.integers(0, 1200),
    old=prices,
    new=prices,
)
def test_a_day_of_any_period_prorates_within_the_prices(anchor, cycle, number, offset, old, new):
    held = period(anchor, cycle, number)
    on = held.start + timedelta(days=offset % held.days)
    result = prorate(period=held, on=on, old_price=old, new_price=new)

    assert 1 <= result.days_left <= result.days == held.days
    assert Decimal("0") <= result.credit <= old
    assert Decimal("0") <= result.charge <= new
    assert result.credit == _exact(old, result.days_left, held.days)
    assert result.charge == _exact(new, result.days_left, held.days)
    assert result.net == result.charge - result.credit
    assert result.credit.as_tuple().exponent == -2
    if on == held.start:  # the whole period is left: all of it is credited
        assert (result.credit, result.charge) == (old, new)
    if on == held.end:
        assert result.days_left == 1


@settings(max_examples=200, deadline=None)
@given(anchor=st.one_of(anchors, month_ends), cycle=st.sampled_from(CYCLES), offset=st.integers(0, 2000))
def test_the_period_holding_a_day_has_the_day_and_its_days_left(anchor, cycle, offset):
    on = anchor + timedelta(days=offset)
    held = period_on(anchor, cycle, on)
    assert held.start <= on <= held.end
    assert days_left(held, on) == (held.end - on).days + 1
    # the day after the period's end is the next period's first day
    assert period_on(anchor, cycle, held.end + timedelta(days=1)).number == held.number + 1


def test_31st_of_month_anchors_through_a_leap_february():
    anchor = date(2028, 1, 31)
    february = period_on(anchor, "monthly", date(2028, 2, 29))
    assert (february.start, february.end, february.days) == (date(2028, 2, 29), date(2028, 3, 30), 31)
    january = period_on(anchor, "monthly", date(2028, 2, 28))
    assert (january.start, january.end, january.days) == (anchor, date(2028, 2, 28), 29)
    # the last day of the 29-day period: 1 of 29 days
    result = prorate(
        period=january, on=date(2028, 2, 28), old_price=Decimal("29.00"), new_price=Decimal("58")
    )
    assert (result.days_left, result.days, result.credit, result.charge) == (
        1,
        29,
        Decimal("1.00"),
        Decimal("2.00"),
    )
    # a non-leap year: 31 Jan 2027 → 28 Feb 2027 → 31 Mar 2027
    short = period_on(date(2027, 1, 31), "monthly", date(2027, 3, 1))
    assert (short.start, short.end, short.days) == (date(2027, 2, 28), date(2027, 3, 30), 31)


def test_an_annual_period_over_29_february():
    held = period_on(date(2027, 6, 15), "annual", date(2028, 2, 29))
    assert held.days == 366
    result = prorate(
        period=held, on=date(2028, 2, 29), old_price=Decimal("366.00"), new_price=Decimal("732.00")
    )
    assert result.days_left == (date(2028, 6, 14) - date(2028, 2, 29)).days + 1 == 107
    assert (result.credit, result.charge, result.net) == (
        Decimal("107.00"),
        Decimal("214.00"),
        Decimal("107.00"),
    )


def test_amounts_round_half_up_once():
    held = period(date(2026, 1, 1), "monthly", 0)  # 31 days
    # 10.00 x 16 / 31 = 5.16129… → 5.16; 0.31 x 15/31 = 0.15 exactly; 0.01 x 16/31 = 0.00516 → 0.01
    assert share(Decimal("10.00"), 16, 31) == Decimal("5.16")
    assert share(Decimal("0.31"), 15, 31) == Decimal("0.15")
    assert share(Decimal("0.01"), 16, 31) == Decimal("0.01")
    assert share(Decimal("0.62"), 1, 124) == Decimal("0.01")  # 0.005 → half up
    assert prorate(
        period=held, on=date(2026, 1, 16), old_price=Decimal("10.00"), new_price=Decimal("0")
    ).net == (Decimal("-5.16"))
    assert period_text(date(2026, 1, 16), date(2026, 1, 31)) == "16.01.2026 \u2013 31.01.2026"


def test_a_day_outside_the_period_is_refused():
    held = period(date(2026, 1, 1), "monthly", 0)
    with pytest.raises(ValueError, match="not in the period"):
        days_left(held, date(2026, 2, 1))
    with pytest.raises(ValueError, match="2 of 1 days"):
        share(Decimal("1"), 2, 1)


def _service(**fields) -> Service:
    values = {
        "cycle": "monthly",
        "price": Decimal("100.00"),
        "list_price": Decimal("100.00"),
        "currency": "RON",
        "quantity": 1,
        "billing_anchor": date(2028, 1, 31),
        "next_due_date": date(2028, 3, 31),
        **fields,
    }
    return Service(**values)


def test_a_service_prorates_its_paid_period_at_its_renewal_price():
    service = _service()
    result = for_service(service, on=date(2028, 3, 15), new_unit_price=Decimal("200.00"))
    assert result is not None
    assert (result.period.start, result.period.end) == (date(2028, 2, 29), date(2028, 3, 30))
    assert (result.days_left, result.days) == (16, 31)
    assert result.credit == Decimal("51.61")  # 100 x 16/31 = 51.6129
    assert result.charge == Decimal("103.23")  # 200 x 16/31 = 103.2258
    assert result.net == Decimal("51.62")


def test_a_coupon_price_is_what_the_period_was_billed_at_and_quantity_multiplies_the_new_price():
    # sold at 80 (coupon for 1 renewal), list 100: period 1 still at 80, period 2 at 100
    service = _service(
        price=Decimal("160.00"), list_price=Decimal("200.00"), discounted_periods=1, quantity=2
    )
    first = for_service(service, on=date(2028, 2, 29), new_unit_price=Decimal("150.00"))
    assert first is not None
    assert first.period.number == 1
    assert (first.old_price, first.new_price) == (Decimal("160.00"), Decimal("300.00"))
    assert (first.credit, first.charge) == (Decimal("160.00"), Decimal("300.00"))
    later = _service(
        price=Decimal("160.00"),
        list_price=Decimal("200.00"),
        discounted_periods=1,
        quantity=2,
        next_due_date=date(2028, 4, 30),
    )
    second = for_service(later, on=date(2028, 3, 31), new_unit_price=Decimal("150.00"))
    assert second is not None
    assert (second.period.number, second.old_price) == (2, Decimal("200.00"))


def test_no_proration_without_a_paid_period():
    assert for_service(_service(cycle="one_time"), on=date(2028, 3, 1), new_unit_price=Decimal("1")) is None
    assert for_service(_service(), on=date(2028, 1, 1), new_unit_price=Decimal("1")) is None  # not started
    assert for_service(_service(), on=date(2028, 3, 31), new_unit_price=Decimal("1")) is None  # unpaid
    assert for_service(_service(next_due_date=None), on=date(2028, 3, 1), new_unit_price=Decimal("1")) is None
