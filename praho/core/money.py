"""Money facts shared by every app: amounts are Decimal with a currency beside them.

Rounding follows EN 16931: every amount on a document has two decimals,
rounded half-up (half away from zero, "ROUND_HALF_UP" in Python's decimal),
once per line amount and once per VAT category and rate.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENT = Decimal("0.01")


class Currency(models.TextChoices):
    RON = "RON", "RON"
    EUR = "EUR", "EUR"
    USD = "USD", "USD"


def round_money(amount: Decimal) -> Decimal:
    """Two decimals, half-up (half away from zero); a result of zero is never negative."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"Money is a Decimal, not {type(amount).__name__}")
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded
