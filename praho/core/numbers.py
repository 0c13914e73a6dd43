"""Reading numbers people and programs type, strictly.

Python's Decimal() and int() read far more than a number: "1_000", fullwidth digits
(U+FF11...), Arabic-Indic ones (U+0663...), "1e5", "NaN" and "Infinity". No client means those
as amounts, so PRAHO reads only ASCII digits with one optional sign and at most one decimal
point; the staff pages also take a comma for the decimal point, as Romanian staff type it
(their forms remove thousands separators first).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def is_plain_decimal(text: str) -> bool:
    """ASCII digits, one optional sign and at most one decimal point (surrounding spaces allowed)."""
    return _DECIMAL.fullmatch(text.strip()) is not None


def is_plain_integer(text: str) -> bool:
    """ASCII digits and one optional sign (surrounding spaces allowed)."""
    return _INTEGER.fullmatch(text.strip()) is not None


def plain_decimal(text: str, *, comma: bool = False) -> Decimal | None:
    """The number `text` writes, or None when it is not a plain decimal (is_plain_decimal).

    With `comma`, one comma may stand for the decimal point ("12,50").
    """
    if comma:
        text = text.replace(",", ".")
    return Decimal(text.strip()) if is_plain_decimal(text) else None


def column_max(field: Any) -> Decimal:
    """The largest value a DecimalField's column holds: numeric(14, 2) holds 999999999999.99."""
    places = int(field.decimal_places)
    return Decimal(10) ** (int(field.max_digits) - places) - Decimal(10) ** -places
