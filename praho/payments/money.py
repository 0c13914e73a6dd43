"""Stripe's amounts are integers in the currency's minor unit (bani, cents); PRAHO's are Decimals.
The number of decimals per currency comes from CLDR (babel), as Stripe's list does."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision


def from_minor(amount: int, currency: str) -> Decimal:
    places = get_currency_precision(currency.upper())
    return (Decimal(amount) / (10**places)).quantize(Decimal(1).scaleb(-places))


def to_minor(amount: Decimal, currency: str) -> int:
    places = get_currency_precision(currency.upper())
    minor = amount.scaleb(places)
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} has more than {places} decimals")
    return int(minor)
