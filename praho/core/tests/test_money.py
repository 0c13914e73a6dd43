from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from praho.core.money import round_money


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [("1.005", "1.01"), ("-1.005", "-1.01"), ("2.344999", "2.34"), ("-0.004", "0.00"), ("7", "7.00")],
)
def test_money_rounds_half_up_to_cents(amount, rounded):
    assert str(round_money(Decimal(amount))) == rounded


def test_floats_are_refused():
    with pytest.raises(TypeError):
        round_money(1.005)  # type: ignore[arg-type]


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4))
def test_rounding_moves_an_amount_by_at_most_half_a_cent(amount):
    assert abs(round_money(amount) - amount) <= Decimal("0.005")
