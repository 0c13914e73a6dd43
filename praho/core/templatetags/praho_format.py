"""Template filters over praho.core.formatting, in the active language and time zone.

    {% load praho_format %}
    {{ invoice.total|money:invoice.currency }}   1.234,56 RON
    {{ invoice.issued_on|fdate }}                15 ian. 2026 (a date or an aware datetime)
    {{ invoice.issued_on|fdate:"en" }}           15 Jan 2026 (a document in its own language)
    {{ ticket.updated_at|relative }}             acum 2 ore / peste 3 zile
    {{ customer|tax_id:profile.vat_payer }}      RO 12345678 (any object with .tax_id and .country)

A value of None, or a missing variable, renders "" (add ``|default:"—"`` where a
dash reads better). Anything else wrong raises, on purpose: a float amount or a
naive datetime is a bug to find in tests, not an amount to show blank on an
invoice. Django also raises when a filter's argument cannot be resolved (e.g.
``profile.vat_payer`` with no ``profile``), so give the argument a value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template

from praho.core.formatting import format_date, format_money, format_relative, format_tax_id

register = template.Library()


@register.filter
def money(value: Decimal | None, currency: str) -> str:
    # "" is what a missing variable resolves to in a template.
    return "" if value is None or value == "" else format_money(value, currency)


@register.filter
def fdate(value: date | datetime | None, language: str | None = None) -> str:
    return "" if value is None or value == "" else format_date(value, language or None)


@register.filter
def relative(value: datetime | None) -> str:
    return "" if value is None or value == "" else format_relative(value)


@register.filter
def tax_id(value: Any, vat_payer: bool) -> str:
    if value is None or value == "" or not value.tax_id:
        return ""
    return format_tax_id(value.tax_id, country=value.country, vat_payer=bool(vat_payer))
