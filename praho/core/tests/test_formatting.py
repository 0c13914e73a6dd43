from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
import time_machine
from babel.numbers import get_decimal_symbol, parse_decimal
from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from praho.core.formatting import (
    babel_locale,
    format_date,
    format_money,
    format_relative,
    format_tax_id,
)
from praho.customers.rules.identifiers import display_tax_id

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"  # CLDR puts it before the Bulgarian year mark
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
LANGUAGES = ["ro", "en", "bg"]


# --- money ---


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("ro", "1234.56", "1.234,56 RON"),
        ("en", "1234.56", "1,234.56 RON"),
        ("bg", "1234.56", "1 234,56 RON"),
        ("ro", "0", "0,00 RON"),
        ("en", "0", "0.00 RON"),
        ("bg", "0", "0,00 RON"),
        ("ro", "-1234.56", "-1.234,56 RON"),
        ("en", "-1234.56", "-1,234.56 RON"),
        ("bg", "-1234.56", "-1 234,56 RON"),
        ("ro", "1234567.891", "1.234.567,89 RON"),
        ("en", "1234567.891", "1,234,567.89 RON"),
        ("bg", "1234567.891", "1 234 567,89 RON"),
        ("ro", "0.005", "0,01 RON"),
        ("en", "0.005", "0.01 RON"),
        ("bg", "0.005", "0,01 RON"),
        ("ro", "-0.005", "-0,01 RON"),
        ("ro", "1.125", "1,13 RON"),
        ("ro", "2.5", "2,50 RON"),
        ("ro", "999999999999.99", "999.999.999.999,99 RON"),
    ],
)
def test_money_shows_two_decimals_rounded_half_up_with_the_code_after(language, amount, expected):
    # Spaces in the expected strings stand for the no-break spaces Babel puts there.
    assert format_money(Decimal(amount), "RON", language) == expected.replace(" ", NBSP)


@pytest.mark.parametrize(
    ("language", "expected"), [("ro", "0,00 EUR"), ("en", "0.00 EUR"), ("bg", "0,00 EUR")]
)
def test_an_amount_that_rounds_to_zero_is_never_negative_zero(language, expected):
    assert format_money(Decimal("-0.004"), "EUR", language) == expected.replace(" ", NBSP)


@pytest.mark.parametrize(
    ("language", "expected"), [("ro", "1.234,56 EUR"), ("en", "1,234.56 EUR"), ("bg", "1 234,56 EUR")]
)
def test_other_currencies_show_their_iso_code_not_a_symbol(language, expected):
    assert format_money(Decimal("1234.56"), "eur", language) == expected.replace(" ", NBSP)


def test_money_follows_the_active_language():
    with translation.override("ro"):
        assert format_money(Decimal("1234.5"), "RON") == f"1.234,50{NBSP}RON"
    with translation.override("bg"):
        assert format_money(Decimal("1234.5"), "RON") == f"1{NBSP}234,50{NBSP}RON"


@pytest.mark.parametrize("amount", [1234.56, 0.1, 0, "1234.56", None])
def test_money_refuses_anything_but_a_decimal(amount):
    with pytest.raises(TypeError, match="format_money takes a Decimal"):
        format_money(amount, "RON", "ro")


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_money_refuses_values_that_are_not_amounts(amount):
    with pytest.raises(ValueError, match="as money"):
        format_money(amount, "RON", "ro")


@pytest.mark.parametrize("currency", ["", "LEI1", "RO", "€"])
def test_money_refuses_a_currency_that_is_not_an_iso_code(currency):
    with pytest.raises(ValueError, match="Not an ISO 4217 currency code"):
        format_money(Decimal("1"), currency, "ro")


def _amount_part(text: str, currency: str) -> str:
    number, code = text.rsplit(NBSP, 1)
    assert code == currency
    return number


@given(
    amount=st.decimals(
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    ),
    language=st.sampled_from(LANGUAGES),
)
def test_money_round_trips_through_babel_parsing_with_exactly_two_decimals(amount, language):
    locale = babel_locale(language)
    number = _amount_part(format_money(amount, "RON", language), "RON")

    assert len(number.rsplit(get_decimal_symbol(locale), 1)[1]) == 2
    assert parse_decimal(number, locale, strict=True) == amount


@given(
    amount=st.decimals(
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    ),
    language=st.sampled_from(LANGUAGES),
)
def test_money_with_more_decimals_shows_the_half_up_rounded_cents(amount, language):
    locale = babel_locale(language)
    number = _amount_part(format_money(amount, "EUR", language), "EUR")

    assert not number.startswith("-0" + get_decimal_symbol(locale) + "00")
    assert len(number.rsplit(get_decimal_symbol(locale), 1)[1]) == 2
    assert parse_decimal(number, locale, strict=True) == amount.quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


# --- dates ---


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ro", "15 ian. 2026"), ("en", "15 Jan 2026"), ("bg", f"15.01.2026{NARROW_NBSP}г.")],  # noqa: RUF001
)
def test_a_date_shows_in_the_medium_form(language, expected):
    assert format_date(date(2026, 1, 15), language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ro", "15 ian. 2026"), ("en", "15 Jan 2026"), ("bg", f"15.01.2026{NARROW_NBSP}г.")],  # noqa: RUF001
)
def test_a_utc_datetime_late_on_the_14th_is_the_15th_in_bucharest(language, expected):
    late_evening_utc = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)

    assert timezone.get_current_timezone_name() == "Europe/Bucharest"
    assert format_date(late_evening_utc, language) == expected


def test_a_datetime_shows_its_date_in_the_active_time_zone():
    with timezone.override("UTC"):
        assert format_date(datetime(2026, 1, 14, 23, 30, tzinfo=UTC), "ro") == "14 ian. 2026"


def test_a_date_follows_the_active_language():
    with translation.override("ro"):
        assert format_date(date(2026, 9, 3)) == "3 sept. 2026"
    with translation.override("en"):
        assert format_date(date(2026, 9, 3)) == "3 Sept 2026"


# --- relative times ---


@pytest.mark.parametrize(
    ("language", "delta", "expected"),
    [
        ("ro", timedelta(hours=-2), "acum 2 ore"),
        ("ro", timedelta(hours=-1), "acum 1 oră"),
        ("ro", timedelta(minutes=-21), "acum 21 de minute"),
        ("ro", timedelta(days=3), "peste 3 zile"),
        ("ro", timedelta(days=1), "peste 1 zi"),
        ("ro", timedelta(days=-21), "acum 3 săptămâni"),
        ("en", timedelta(hours=-2), "2 hours ago"),
        ("en", timedelta(hours=-1), "1 hour ago"),
        ("en", timedelta(days=3), "in 3 days"),
        ("en", timedelta(days=1), "in 1 day"),
        ("bg", timedelta(hours=-2), "преди 2 часа"),
        ("bg", timedelta(hours=-1), "преди 1 час"),
        ("bg", timedelta(days=3), "след 3 дни"),
        ("bg", timedelta(days=1), "след 1 ден"),
    ],
)
def test_relative_time_reads_in_the_language_with_its_plurals(language, delta, expected):
    assert format_relative(NOW + delta, NOW, language) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(hours=-1, minutes=-45), "acum 2 ore"),
        (timedelta(days=-1, hours=-3), "acum 1 zi"),
        (timedelta(days=-400), "acum 1 an"),
    ],
)
def test_relative_time_shows_one_rounded_unit(delta, expected):
    assert format_relative(NOW + delta, NOW, "ro") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ro", "acum"), ("en", "now"), ("bg", "сега")],  # noqa: RUF001
)
def test_less_than_half_a_second_either_way_is_now(language, expected):
    assert format_relative(NOW, NOW, language) == expected
    assert format_relative(NOW - timedelta(milliseconds=400), NOW, language) == expected
    assert format_relative(NOW + timedelta(milliseconds=400), NOW, language) == expected


def test_relative_time_defaults_to_the_current_time_and_language():
    with time_machine.travel(NOW, tick=False), translation.override("ro"):
        assert format_relative(NOW - timedelta(hours=2)) == "acum 2 ore"


def test_relative_time_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware datetime"):
        format_relative(datetime(2026, 1, 15, 10, 0), NOW, "ro")  # noqa: DTZ001


# --- tax ids ---


@pytest.mark.parametrize(
    ("tax_id", "country", "vat_payer", "expected"),
    [
        ("RO18547290", "RO", True, "RO 18547290"),
        ("RO18547290", "RO", False, "18547290"),
        ("RO18547290", "ro", True, "RO 18547290"),
        ("1800101221144", "RO", True, "1800101221144"),  # an individual's CNP
        ("DE136695976", "DE", True, "DE136695976"),
        ("BG175074752", "BG", False, "BG175074752"),
        ("", "RO", True, ""),
    ],
)
def test_tax_id_shows_the_ro_prefix_only_for_romanian_vat_payers(tax_id, country, vat_payer, expected):
    assert format_tax_id(tax_id, country=country, vat_payer=vat_payer) == expected
    assert display_tax_id(tax_id, country=country, vat_payer=vat_payer) == expected


# --- template filters ---


def _render(source: str, **context) -> str:
    return Template("{% load praho_format %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ro", "1.234,56 RON|15 ian. 2026|acum 2 ore|peste 3 zile"),
        ("en", "1,234.56 RON|15 Jan 2026|2 hours ago|in 3 days"),
        ("bg", f"1 234,56 RON|15.01.2026{NARROW_NBSP}г.|преди 2 часа|след 3 дни"),  # noqa: RUF001
    ],
)
def test_the_filters_render_in_the_active_language(language, expected):
    context = {
        "amount": Decimal("1234.555"),
        "currency": "RON",
        "issued_at": datetime(2026, 1, 14, 23, 30, tzinfo=UTC),
        "updated_at": NOW - timedelta(hours=2),
        "due_at": NOW + timedelta(days=3),
    }
    source = (
        "{{ amount|money:currency }}|{{ issued_at|fdate }}|{{ updated_at|relative }}|{{ due_at|relative }}"
    )

    with time_machine.travel(NOW, tick=False), translation.override(language):
        assert _render(source, **context) == expected.replace(" RON", f"{NBSP}RON").replace(
            "1 234", f"1{NBSP}234"
        )


def test_money_takes_a_literal_currency_and_fdate_an_explicit_language():
    with translation.override("ro"):
        rendered = _render(
            '{{ amount|money:"EUR" }}|{{ day|fdate:"en" }}', amount=Decimal("-5"), day=date(2026, 1, 15)
        )

    assert rendered == f"-5,00{NBSP}EUR|15 Jan 2026"


def test_the_tax_id_filter_takes_the_customer_and_whether_it_pays_vat():
    customer = SimpleNamespace(tax_id="RO18547290", country="RO")
    source = "{{ customer|tax_id:profile.vat_payer }}"

    assert _render(source, customer=customer, profile=SimpleNamespace(vat_payer=True)) == "RO 18547290"
    assert _render(source, customer=customer, profile=SimpleNamespace(vat_payer=False)) == "18547290"


@pytest.mark.parametrize(
    "source",
    [
        '{{ value|money:"RON" }}',
        "{{ value|fdate }}",
        "{{ value|relative }}",
        "{{ value|tax_id:True }}",
        '{{ missing|money:"RON" }}',
        "{{ missing|fdate }}",
        "{{ missing|relative }}",
        "{{ missing|tax_id:True }}",
    ],
)
def test_the_filters_render_nothing_for_an_empty_value(source):
    with translation.override("ro"):
        assert _render(source, value=None) == ""


def test_the_tax_id_filter_renders_nothing_for_a_customer_without_one():
    customer = SimpleNamespace(tax_id="", country="GB")

    assert _render("{{ customer|tax_id:False }}", customer=customer) == ""


def test_the_money_filter_refuses_a_float():
    with pytest.raises(TypeError, match="format_money takes a Decimal, not float"):
        _render('{{ amount|money:"RON" }}', amount=1234.56)
