import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from praho.core.validation import FieldErrors, fiscal_today


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
