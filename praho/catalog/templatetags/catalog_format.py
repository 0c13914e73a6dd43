"""How catalog values are shown on the staff pages: amounts per currency, limits, percentages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from praho.core.formatting import format_money

register = template.Library()


@register.filter
def amounts(values: dict[str, Any] | None) -> str:
    """{"RON": "50.00", "EUR": "10.00"} → "50,00 RON / 10,00 EUR" in the reader's language."""
    return " / ".join(
        format_money(Decimal(str(amount)), currency) for currency, amount in (values or {}).items()
    )


@register.filter
def number(value: Decimal | None) -> str:
    """10.00 → "10", 12.50 → "12,5" (ro): no trailing zeros."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    number = number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    return str(number_format(number, use_l10n=True))
