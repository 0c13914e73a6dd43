import datetime
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from praho.core.validation import FieldErrors, check_text, date_error, fiscal_today, text_error


def test_the_fiscal_day_is_bucharests_whatever_zone_the_user_chose():
    # 22:30 UTC on 14 January is already 15 January in Bucharest, still 14 January in Lisbon.
    with time_machine.travel(datetime.datetime(2026, 1, 14, 22, 30, tzinfo=datetime.UTC), tick=False):
        timezone.activate("Europe/Lisbon")
        assert (timezone.localdate(), fiscal_today()) == (
            datetime.date(2026, 1, 14),
            datetime.date(2026, 1, 15),
        )


def test_field_errors_collect_every_field_before_raising():
    errors = FieldErrors()
    errors.add("lines.0.quantity", "Too few.", "min")

    def bad_county():
        raise ValidationError({"county": ValidationError("No such county.", code="county")})

    assert errors.check(bad_county, prefix="address.") is None
    assert errors.check(lambda: 42) == 42
    with pytest.raises(ValidationError) as failure:
        errors.raise_if_any()
    assert failure.value.message_dict == {
        "lines.0.quantity": ["Too few."],
        "address.county": ["No such county."],
    }


# --- Text and dates every field takes (issue 11, items 8 and 9) ------------------------------


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("Carol\x01 SRL", "U+0001"),
        ("Bell\x07", "U+0007"),
        ("Back\x08space", "U+0008"),
        ("Esc\x1b[31m", "U+001B"),
        ("Del\x7f", "U+007F"),
        ("C1\x85", "U+0085"),
        ("Non\ufffe", "U+FFFE"),
        ("Non\uffff", "U+FFFF"),
        ("Nonchar\ufdd0", "U+FDD0"),
        ("Surrogate\ud800", "U+D800"),
        ("Bidi\u202eevil", "U+202E"),
    ],
)
def test_control_characters_are_refused_and_named(text, char):
    for multiline in (False, True):
        error = text_error(text, multiline=multiline)
        assert error is not None
        assert error.code == "control_characters"
        assert char in error.messages[0]


@pytest.mark.parametrize("text", ["Carol\nHosting", "Carol\rHosting", "Carol\tHosting", "A\u2028B"])
def test_a_single_line_takes_no_line_break_or_tab(text):
    error = text_error(text)
    assert error is not None
    assert error.code == "control_characters"
    assert error.messages[0].startswith("This field is one line")


def test_several_lines_take_tabs_and_line_breaks():
    assert text_error("Line one\r\nLine two\tend", multiline=True) is None


@pytest.mark.parametrize("text", ["Ștefan Țară SRL", "Болгарска ЕООД", "Zoë & Co. — “quoted”", "👍 emoji"])
def test_letters_of_any_script_and_punctuation_are_text(text):
    assert text_error(text) is None


def test_check_text_strips_and_bounds_the_length():
    errors = FieldErrors()
    assert check_text(errors, "name", "  Carol  ", max_length=5) == "Carol"
    assert errors.by_field == {}
    check_text(errors, "name", "x" * 6, max_length=5)
    check_text(errors, "notes", "bell\x07", max_length=5, multiline=True)
    assert {field: [e.code for e in found] for field, found in errors.by_field.items()} == {
        "name": ["max_length"],
        "notes": ["control_characters"],
    }
    assert errors.by_field["name"][0].messages == [
        "Ensure this field has no more than 5 characters (it has 6)."
    ]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (dt.date(1999, 12, 31), False),
        (dt.date(2000, 1, 1), True),
        (dt.date(2099, 12, 31), True),
        (dt.date(2100, 1, 1), False),
        (dt.date(1, 1, 1), False),
        (dt.date(9999, 12, 31), False),
    ],
)
def test_dates_lie_between_2000_and_2099(value, valid):
    error = date_error(value)
    assert (error is None) is valid
    if not valid:
        assert error.code == "date_range"
        assert error.messages == ["Enter a date between 2000-01-01 and 2099-12-31."]
