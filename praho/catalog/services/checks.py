"""Input rules shared by the catalog's write services: codes, names in three languages,
amounts, percentages and bounded JSON. Each records a field error in a FieldErrors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from praho.catalog.models.translated import LANGUAGES
from praho.core.money import Currency
from praho.core.validation import FieldErrors, check_text

CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_MAX = 40
NAME_MAX = 120
DESCRIPTION_MAX = 2000
# Amounts are stored with 12 digits, 2 of them decimals.
AMOUNT_LIMIT = Decimal(10) ** 10
PERCENT_LIMIT = Decimal(100)
JSON_MAX = 2000  # characters of a JSON parameter once serialised


def check_code(errors: FieldErrors, field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        errors.add(field, _("Enter a code."), "required")
    elif len(value) > CODE_MAX:
        errors.add(
            field,
            _("A code has at most %(max)d characters.") % {"max": CODE_MAX},
            "max_length",
        )
    elif not CODE.match(value):
        errors.add(
            field,
            _("Use lower-case letters, digits and single dashes between them, e.g. vps-m."),
            "invalid_code",
        )
    return value


def check_unique(errors: FieldErrors, field: str, query: models.QuerySet[Any], row: Any) -> None:
    """`query` finds rows with the same value; `row` (None when creating) is not a clash."""
    if row is not None and row.pk is not None:
        query = query.exclude(pk=row.pk)
    if query.exists():
        errors.add(field, _("This code is already used."), "unique")


def check_texts(errors: FieldErrors, values: dict[str, str]) -> dict[str, str]:
    """name_en/ro/bg (one line, English required) and description_en/ro/bg (several lines)."""
    clean: dict[str, str] = {}
    for language in LANGUAGES:
        name_field, description_field = f"name_{language}", f"description_{language}"
        clean[name_field] = check_text(errors, name_field, values.get(name_field) or "", max_length=NAME_MAX)
        clean[description_field] = check_text(
            errors,
            description_field,
            values.get(description_field) or "",
            max_length=DESCRIPTION_MAX,
            multiline=True,
        )
    if not clean["name_en"] and "name_en" not in errors.by_field:
        errors.add(
            "name_en", _("Enter the name in English; it stands in for missing translations."), "required"
        )
    return clean


def amount_of(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _two_decimals(number: Decimal) -> bool:
    return number == number.quantize(Decimal("0.01"))


def check_amount(errors: FieldErrors, field: str, value: Any, *, positive: bool = False) -> Decimal:
    """An amount of money: at least 0 (above 0 when `positive`), at most two decimals and below
    10,000,000,000 (12 digits, 2 of them decimals); returned with two decimals."""
    number = amount_of(value)
    if number is None:
        errors.add(field, _("Enter an amount, such as 49.90."), "invalid")
        return Decimal(0)
    if number >= AMOUNT_LIMIT:
        errors.add(field, _("An amount is below 10,000,000,000."), "max_value")
    elif not _two_decimals(number):
        errors.add(field, _("An amount has at most two decimals."), "decimal_places")
    elif number < 0 or (positive and number == 0):
        message = _("Enter an amount above zero.") if positive else _("Enter an amount of zero or more.")
        errors.add(field, message, "min_value")
    else:
        return number.quantize(Decimal("0.01"))
    return Decimal(0)


def check_percent(errors: FieldErrors, field: str, value: Any, *, positive: bool = False) -> Decimal:
    number = amount_of(value)
    if number is None:
        errors.add(field, _("Enter a percentage, such as 10 or 12.5."), "invalid")
        return Decimal(0)
    if number.copy_abs() >= AMOUNT_LIMIT or not _two_decimals(number):
        errors.add(field, _("A percentage has at most two decimals."), "decimal_places")
    elif number < 0 or number > PERCENT_LIMIT or (positive and number == 0):
        if positive:
            message = _("Enter a percentage above 0 and at most 100.")
        else:
            message = _("Enter a percentage from 0 to 100.")
        errors.add(field, message, "percent_range")
    else:
        return number.quantize(Decimal("0.01"))
    return Decimal(0)


def check_currency_amounts(errors: FieldErrors, field: str, values: Any, *, positive: bool) -> dict[str, str]:
    """{"RON": "50.00", ...}: known currencies, each amount checked; stored as decimal strings."""
    if not isinstance(values, dict):
        errors.add(field, _("Give the amounts per currency."), "invalid")
        return {}
    clean: dict[str, str] = {}
    for currency, value in values.items():
        if currency not in Currency.values:
            errors.add(
                f"{field}.{currency}"[:80],
                _("Unknown currency; use one of %(currencies)s.")
                % {"currencies": ", ".join(Currency.values)},
                "invalid_choice",
            )
            continue
        amount = check_amount(errors, f"{field}.{currency}", value, positive=positive)
        clean[currency] = str(amount)
    return clean


def check_cycles(errors: FieldErrors, field: str, values: Iterable[Any]) -> list[str]:
    from praho.catalog.models import Cycle

    clean: list[str] = []
    for value in values:
        if value not in Cycle.values:
            errors.add(
                field, _("Unknown billing cycle: %(cycle)s.") % {"cycle": str(value)[:20]}, "invalid_choice"
            )
        elif value not in clean:
            clean.append(value)
    order = {cycle: index for index, cycle in enumerate(Cycle.values)}
    return sorted(clean, key=order.__getitem__)


def check_json_size(errors: FieldErrors, field: str, value: Any) -> None:
    if len(json.dumps(value, default=str)) > JSON_MAX:
        errors.add(field, _("Too much data: at most %(max)d characters.") % {"max": JSON_MAX}, "max_length")


def check_choice(errors: FieldErrors, field: str, value: Any, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        errors.add(field, _("Choose one of the offered values."), "invalid_choice")
        return ""
    return str(value)


def changes(row: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} of the values that differ from the row's (for the audit trail)."""
    return {
        name: [getattr(row, name), value] for name, value in values.items() if getattr(row, name) != value
    }
