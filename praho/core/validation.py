"""Validation glue shared by every app's services."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

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


# --- Text every document can carry --------------------------------------------------------
#
# What we store is printed on PDFs and sent to ANAF as XML 1.0, which cannot carry C0 control
# characters (but tab, LF, CR), lone surrogates or U+FFFE/U+FFFF; an issued document holding one
# could never be rendered or submitted again. So text is refused at input, with a field error.
# Single-line values (names, codes, address lines, descriptions) take no line breaks either: a
# CR/LF in a name breaks e-mail headers and the XML's one-line elements.

_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")
_MULTILINE_ALLOWED = frozenset("\t\n\r")
# Bidirectional overrides and isolates reorder what a reader sees ("Trojan Source"); no name,
# address or description needs them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unprintable(char: str, *, multiline: bool) -> bool:
    if char in _BIDI_CONTROLS:
        return True
    if multiline and char in _MULTILINE_ALLOWED:
        return False
    if char in _LINE_BREAKS or char == "\t":
        return True
    category = unicodedata.category(char)
    if category in ("Cc", "Cs"):  # controls (C0, DEL, C1) and lone surrogates
        return True
    code = ord(char)
    # Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def text_error(value: str, *, multiline: bool = False) -> ValidationError | None:
    """The error for text holding a character PRAHO refuses, naming it (U+0007), or None."""
    for char in value:
        if _unprintable(char, multiline=multiline):
            if multiline:
                message = _("Remove the control character %(char)s; only tabs and line breaks are allowed.")
            elif char in _LINE_BREAKS or char == "\t":
                message = _("This field is one line: remove the line break or tab (%(char)s).")
            else:
                message = _("Remove the control character %(char)s.")
            return ValidationError(message, code="control_characters", params={"char": f"U+{ord(char):04X}"})
    return None


def check_text(
    errors: FieldErrors, field: str, value: str, *, max_length: int, multiline: bool = False
) -> str:
    """`value` stripped, recording a field error when it is too long or holds a refused character."""
    value = value.strip()
    problem = text_error(value, multiline=multiline)
    if problem is not None:
        errors.add(field, problem.messages[0], "control_characters")
    elif len(value) > max_length:
        errors.add(
            field,
            _("Ensure this field has no more than %(max)d characters (it has %(length)d).")
            % {"max": max_length, "length": len(value)},
            "max_length",
        )
    return value


def validate_single_line(value: str) -> None:
    """A Django/DRF validator: refuses control characters and line breaks."""
    problem = text_error(value)
    if problem is not None:
        raise problem


def validate_multiline(value: str) -> None:
    """A Django/DRF validator: refuses control characters but tabs and line breaks."""
    problem = text_error(value, multiline=True)
    if problem is not None:
        raise problem


def add_service_errors(form: Any, error: ValidationError, *, aliases: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError next to the field it names, or above the form."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def normalize_email(value: str, *, field: str = "email") -> str:
    """An email address stripped and in lower case ("" stays ""); a ValidationError keyed by
    `field` when it is not an address. One rule for customers, the seller and invitations."""
    value = value.strip().lower()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                {field: ValidationError(_("Enter a valid email address."), code="invalid")}
            ) from None
    return value


# --- Dates in a sane range ------------------------------------------------------------------
#
# Every date PRAHO takes lies in this range: far enough for any real back-dated record and any
# real due date, near enough that adding a deadline never overflows (date.max is 9999-12-31).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def date_error(value: date) -> ValidationError | None:
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return None
    return ValidationError(
        _("Enter a date between %(earliest)s and %(latest)s."),
        code="date_range",
        params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
    )


def validate_date_range(value: date) -> None:
    """A Django/DRF validator for every date field PRAHO takes."""
    problem = date_error(value)
    if problem is not None:
        raise problem
