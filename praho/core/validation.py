"""Validation glue shared by every app's services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

# Fiscal dates (issue, due, tax point, payments) are Romanian calendar days,
# whatever time zone the user who acts has chosen.
FISCAL_TIME_ZONE = ZoneInfo("Europe/Bucharest")


def fiscal_today() -> date:
    return timezone.localdate(timezone=FISCAL_TIME_ZONE)


class FieldErrors:
    """Collects errors keyed by field ("address.county", "lines.0.quantity") so one
    submission reports them all; nothing is saved unless there are none."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def check(self, call: Callable[[], Any], *, prefix: str = "") -> Any:
        """The call's result, or None after recording the field errors it raised."""
        try:
            return call()
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.by_field.setdefault(prefix + field, []).extend(errors)
            return None

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)
