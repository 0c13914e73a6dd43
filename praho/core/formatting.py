"""How amounts, dates, relative times and tax ids read on screen, per language.

Pure functions over Babel's CLDR data; the template filters in
``templatetags/praho_format.py`` are thin wrappers. ``language`` is one of
settings.LANGUAGES (``"ro"``, ``"en"``, ``"bg"``; a region such as ``"ro-RO"``
is ignored); ``None`` means the active language. A language we do not offer
falls back to settings.LANGUAGE_CODE, so a page never fails over its locale.

Choices made here:

- Locales: ro -> ro_RO, bg -> bg_BG, en -> en_GB. A Romanian business writing in
  English dates day-first ("15 Jan 2026"), never US month-first.
- Money always carries the ISO code after the amount, in every language:
  "1.234,56 RON" (ro), "1,234.56 RON" (en), "1 234,56 RON" (bg). Only the
  separators follow the language. The code is unambiguous where symbols are
  not ("lei", "€", "$" of which dollar), it matches what Romanian invoices print,
  and amounts read alike across languages. (CLDR English would put the code
  first, and Babel does not insert CLDR's currency spacing there: "RON1,234.56".)
  The space before the code, and Bulgarian group separators, are no-break spaces
  (U+00A0) so an amount never wraps across lines.
- Amounts show exactly two decimals, rounded half-up (half away from zero, as
  EN 16931 requires for line amounts): 0.005 -> 0.01, -0.005 -> -0.01. A value
  that rounds to zero never shows as "-0,00". Only ``Decimal`` is accepted: a
  float has already lost the cents.
- Dates use the CLDR medium form: "15 ian. 2026", "15 Jan 2026", and in
  Bulgarian "15.01.2026" followed by the year abbreviation.
  A datetime (aware, UTC in our models) is first moved to the active time zone,
  so 23:30 UTC on 14 January is 15 January in Bucharest.
- Relative times use Babel's ``format_timedelta``, not django.contrib.humanize:
  humanize gives "Acum 2 ore" (capitalised mid-sentence), "În 3 zile" for the
  future and two units ("Acum 1 zi, 3 ore"), and cannot take a fixed "now".
  Babel gives one rounded unit with CLDR plurals: "acum 2 ore", "acum 21 de minute",
  "peste 3 zile", "преди 2 часа", "след 1 ден"; under a second, CLDR's word for
  "now" ("acum" in ro).
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.dates import format_timedelta, get_relative_name
from babel.numbers import format_currency
from django.conf import settings
from django.utils import formats, timezone, translation

from praho.core.money import round_money

BABEL_LOCALES = {"ro": "ro_RO", "en": "en_GB", "bg": "bg_BG"}

# Grouped, two decimals, then the ISO code ("¤¤"); separators and minus sign come from the locale.
_MONEY_PATTERN = "#,##0.00\u00a0¤¤"


def babel_locale(language: str | None = None) -> str:
    """The Babel locale for a language code, or for the active language when None."""
    code = language or translation.get_language() or settings.LANGUAGE_CODE
    primary = code.replace("_", "-").split("-")[0].lower()
    if primary in BABEL_LOCALES:
        return BABEL_LOCALES[primary]
    return BABEL_LOCALES[settings.LANGUAGE_CODE.split("-")[0].lower()]


def format_money(amount: Decimal, currency: str, language: str | None = None) -> str:
    """ "1.234,56 RON" in ro, "1,234.56 RON" in en, "1 234,56 RON" in bg (see the module docstring)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"format_money takes a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"Cannot show {amount} as money")
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(f"Not an ISO 4217 currency code: {currency!r}")
    return _formatted_money(round_money(amount), code, babel_locale(language))


@functools.lru_cache(maxsize=8192)
def _formatted_money(amount: Decimal, currency: str, locale: str) -> str:
    """Babel's formatting, remembered: a price list shows the same few amounts many times, and
    each costs Babel about 50 µs (the customer area's catalog page formats 300 per group)."""
    return format_currency(amount, currency, format=_MONEY_PATTERN, locale=locale, currency_digits=False)


def format_date(value: date | datetime, language: str | None = None) -> str:
    """The medium date, "15 ian. 2026" in ro; a datetime shows its date in the active time zone."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return babel_format_date(value, format="medium", locale=babel_locale(language))


def format_relative(value: datetime, now: datetime | None = None, language: str | None = None) -> str:
    """How long ago or until ``value``: "acum 2 ore", "peste 3 zile" (one unit, rounded)."""
    if timezone.is_naive(value):
        raise ValueError("format_relative needs an aware datetime")
    now = timezone.now() if now is None else now
    # Whole seconds, rounded the same way either side of now (Babel truncates
    # towards minus infinity, which would make -0.2 s "1 second ago").
    seconds = round((value - now).total_seconds())
    locale = babel_locale(language)
    if seconds == 0:
        return get_relative_name("second", 0, locale=locale) or format_timedelta(0, locale=locale)
    return format_timedelta(seconds, add_direction=True, locale=locale)


def format_tax_id(tax_id: str, *, country: str, vat_payer: bool) -> str:
    """As printed: "RO 12345678" for Romanian VAT payers, the bare CUI "12345678" otherwise.

    ``tax_id`` is the normalised form (customers.identifiers.normalize_tax_id):
    a Romanian company's is "RO" + digits whether or not it pays VAT, because
    the CUI is the same number; only payers may print the "RO" VAT prefix.
    Other identifiers (a CNP, foreign VAT numbers) show as stored.
    """
    if country.upper() == "RO" and tax_id.startswith("RO"):
        return f"RO {tax_id[2:]}" if vat_payer else tax_id[2:]
    return tax_id


def typed_number(value: Decimal | None, *, trim: bool = True) -> str:
    """A stored number as a person types it in the active language, for a form's initial value:
    49.9900 -> "49,99" in ro and bg, "49.99" in en; no grouping; trailing zeros dropped unless
    `trim` is off (an amount keeps its cents: "71,00"). The staff forms read either mark back."""
    if value is None:
        return ""
    text = f"{value.normalize():f}" if trim else f"{value:f}"
    text = "0" if text in ("-0", "") else text
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))
