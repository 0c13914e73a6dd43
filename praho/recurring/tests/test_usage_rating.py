"""Rating a metered quantity (praho.recurring.rules.rating): flat, graduated and volume pricing,
the tiers' rules, and properties over generated tiers and quantities (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from praho.recurring.rules.rating import MAX_TIERS, Tier, clean_tiers, rate, tiers_as_json

D = Decimal
TIERS = [
    {"up_to": "100", "unit_price": "0.50"},
    {"up_to": "500", "unit_price": "0.40"},
    {"up_to": None, "unit_price": "0.20"},
]


def _rate(quantity: str, mode: str, *, included: str = "0", unit_price: str = "0", tiers=TIERS):
    cleaned = clean_tiers(tiers) if mode != "flat" else []
    return rate(D(quantity), mode=mode, included=D(included), unit_price=D(unit_price), tiers=cleaned)


def test_flat_bills_the_units_over_the_included_ones():
    rating = _rate("112.37", "flat", included="100", unit_price="0.4567")
    assert rating.billable == D("12.37")
    assert rating.net == D("5.65")  # 5.649379 half-up
    assert [(p.quantity, p.unit_price, p.net) for p in rating.parts] == [(D("12.37"), D("0.4567"), D("5.65"))]


def test_nothing_is_billed_within_the_included_quantity():
    assert _rate("100", "flat", included="100", unit_price="1").parts == ()
    assert _rate("99.99", "graduated", included="100").net == 0
    assert _rate("0", "volume").billable == 0


def test_graduated_bills_each_tier_at_its_price_after_the_included_quantity():
    rating = _rate("700", "graduated", included="100")  # 600 billable
    assert [(p.quantity, p.unit_price, p.net, p.above, p.up_to) for p in rating.parts] == [
        (D("100"), D("0.50"), D("50.00"), D("0"), D("100")),
        (D("400"), D("0.40"), D("160.00"), D("100"), D("500")),
        (D("100"), D("0.20"), D("20.00"), D("500"), None),
    ]
    assert rating.net == D("230.00")
    assert [p.quantity for p in _rate("150", "graduated", included="100").parts] == [D("50")]
    # A tier's limit is inclusive: exactly 100 billable units stay in the first tier.
    assert [p.quantity for p in _rate("100", "graduated").parts] == [D("100")]


def test_volume_bills_every_unit_at_the_price_of_the_tier_reached():
    assert _rate("100", "volume").net == D("50.00")
    assert _rate("100.01", "volume").net == D("40.00")  # 100.01 x 0.40 = 40.004
    assert _rate("700", "volume", included="100").net == D("120.00")  # 600 x 0.20


def test_line_amounts_are_rounded_half_up_per_line():
    tiers = [{"up_to": "1.5", "unit_price": "0.0033"}, {"up_to": None, "unit_price": "0.0033"}]
    rating = _rate("3", "graduated", tiers=tiers)
    assert [p.net for p in rating.parts] == [D("0.00"), D("0.00")]  # 0.00495 each
    assert _rate("1.5", "flat", unit_price="0.0050").net == D("0.01")  # 0.0075 → 0.01


@pytest.mark.parametrize(
    ("tiers", "code"),
    [
        ([], "required"),
        ("100:0.5", "required"),
        ([{"up_to": "100", "unit_price": "0.5"}], "closed_last"),
        ([{"up_to": None, "unit_price": "0.5"}, {"up_to": None, "unit_price": "0.4"}], "open_tier"),
        (
            [
                {"up_to": "100", "unit_price": "0.5"},
                {"up_to": "100", "unit_price": "0.4"},
                {"up_to": None, "unit_price": "0"},
            ],
            "not_ascending",
        ),
        ([{"up_to": "0", "unit_price": "0.5"}, {"up_to": None, "unit_price": "0.4"}], "not_ascending"),
        ([{"up_to": "100", "unit_price": "-0.5"}, {"up_to": None, "unit_price": "0.4"}], "negative"),
        ([{"up_to": "1e3", "unit_price": "0.5"}, {"up_to": None, "unit_price": "0.4"}], "invalid"),
        ([{"up_to": "10.001", "unit_price": "0.5"}, {"up_to": None, "unit_price": "0.4"}], "invalid"),
        ([{"up_to": "10", "unit_price": "0.00001"}, {"up_to": None, "unit_price": "0.4"}], "invalid"),
        (
            [{"up_to": str(n), "unit_price": "1"} for n in range(1, MAX_TIERS + 1)]
            + [{"up_to": None, "unit_price": "0"}],
            "too_many",
        ),
    ],
)
def test_bad_tiers_are_refused_naming_the_rule(tiers, code):
    with pytest.raises(ValidationError) as raised:
        clean_tiers(tiers)
    assert code in [error.code for error in raised.value.error_dict["tiers"]]


def test_tiers_read_numbers_as_staff_type_them_and_store_as_strings():
    tiers = clean_tiers([{"up_to": "100,5", "unit_price": "0,45"}, {"up_to": None, "unit_price": 0}])
    assert tiers == [Tier(D("100.5"), D("0.45")), Tier(None, D("0"))]
    assert tiers_as_json(tiers) == [
        {"up_to": "100.5", "unit_price": "0.45"},
        {"up_to": None, "unit_price": "0"},
    ]


def test_an_error_names_the_tier():
    with pytest.raises(ValidationError) as raised:
        clean_tiers([{"up_to": "100", "unit_price": "x"}, {"up_to": None, "unit_price": "0.2"}])
    assert raised.value.error_dict["tiers"][0].message.startswith("Tier 1:")


# --- Properties ---------------------------------------------------------------------------------

quantities = st.decimals(min_value=0, max_value=100000, places=2)
prices = st.decimals(min_value=0, max_value=100, places=4)


@st.composite
def tier_lists(draw, *, descending: bool | None = None):
    limits = sorted(
        draw(st.sets(st.decimals(min_value=D("0.01"), max_value=50000, places=2), max_size=MAX_TIERS - 1))
    )
    chosen = draw(st.lists(prices, min_size=len(limits) + 1, max_size=len(limits) + 1))
    if descending is not None:
        chosen = sorted(chosen, reverse=descending)
    return [Tier(limit, price) for limit, price in zip([*limits, None], chosen, strict=True)]


ZERO = D(0)


def _net(quantity, mode, tiers, included=ZERO, unit_price=ZERO):
    return rate(quantity, mode=mode, included=included, unit_price=unit_price, tiers=tiers).net


@given(quantities, quantities, tier_lists(descending=True))
def test_with_falling_prices_volume_costs_at_most_what_graduated_does(quantity, included, tiers):
    """Graduated bills the early units at the dearer tiers' prices; volume bills them all at the
    price reached (per line rounding: within half a cent per line)."""
    graduated = rate(quantity, mode="graduated", included=included, unit_price=D(0), tiers=tiers)
    volume = _net(quantity, "volume", tiers, included)
    assert volume <= graduated.net + D("0.005") * len(graduated.parts)


@given(quantities, quantities, tier_lists(descending=False))
def test_with_rising_prices_graduated_costs_at_most_what_volume_does(quantity, included, tiers):
    graduated = rate(quantity, mode="graduated", included=included, unit_price=D(0), tiers=tiers)
    assert graduated.net <= _net(quantity, "volume", tiers, included) + D("0.005") * len(graduated.parts)


@given(quantities, quantities, quantities, prices, tier_lists())
def test_flat_and_graduated_never_cost_less_for_more(a, b, included, price, tiers):
    low, high = sorted((a, b))
    for mode in ("flat", "graduated"):
        assert _net(low, mode, tiers, included, price) <= _net(high, mode, tiers, included, price)


@given(quantities, quantities, tier_lists(descending=False))
def test_volume_never_costs_less_for_more_when_prices_do_not_fall(a, b, tiers):
    low, high = sorted((a, b))
    assert _net(low, "volume", tiers) <= _net(high, "volume", tiers)


@given(quantities, quantities, prices, tier_lists())
def test_nothing_is_billed_up_to_the_included_quantity(quantity, extra, price, tiers):
    included = quantity + extra
    for mode in ("flat", "graduated", "volume"):
        rating = rate(quantity, mode=mode, included=included, unit_price=price, tiers=tiers)
        assert rating.net == 0
        assert rating.parts == ()


@given(quantities, quantities, tier_lists())
def test_graduated_lines_add_up_to_the_billable_quantity(quantity, included, tiers):
    rating = rate(quantity, mode="graduated", included=included, unit_price=D(0), tiers=tiers)
    assert sum((part.quantity for part in rating.parts), D(0)) == rating.billable
    assert all(
        part.quantity > 0
        and part.net == (part.quantity * part.unit_price).quantize(D("0.01"), "ROUND_HALF_UP")
        for part in rating.parts
    )
