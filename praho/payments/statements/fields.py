"""Field rules both statement formats share: amounts, currencies, dates, IBANs and text.

A bank's file is trusted for what it means but not for its shape: it may come from an old
export, a hand-edited copy or a broken converter. Each value is checked here, once, so that
every format refuses the same things with the same words ("Entry 12: the amount “12,3x” is not
a number."), and what reaches the caller is clean: amounts quantized to cents, dates in a range
the rest of PRAHO can compute with, one-line text of bounded length.

Entries are numbered from 1 in file order (every CAMT `Ntry`, every MT940 `:61:`), the number
a person counts when looking for the line in the bank's file.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.numbers import list_currencies
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum import iban as stdnum_iban

from praho.core.money import CENT
from praho.payments.statements.errors import StatementError

AMOUNT_LIMIT = Decimal(10) ** 12  # amounts must stay below: 999 999 999 999.99 at most
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
NAME_LENGTH = 140  # ISO 20022 Max140Text, the longest name a bank sends
REMITTANCE_LENGTH = 500
REFERENCE_LENGTH = 128
MAX_ENTRIES = 100_000

# C0 and C1 controls (tabs and line breaks included), DEL and noncharacters become spaces, so
# whitespace runs collapse to one space. Invisible format characters (zero-width spaces and
# joiners, bidirectional overrides, the BOM) are dropped: nobody reading the bank's file sees
# them, so "PRO-2026<ZWSP>-000123" must read "PRO-2026-000123", and a bidi override can make a
# reference look like another ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")

# The decimal mark differs by format: ISO 20022 amounts are xs:decimal ("1234.50"), SWIFT
# amounts use a comma ("1234,50"). A sign is accepted only to say "not positive" rather than
# "not a number" about "-5.00".
_NUMBER = {
    ".": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII),  # ASCII: Decimal reads any script's digits
    ",": re.compile(r"[+-]?\d+(?:,\d*)?", re.ASCII),
}
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", re.ASCII)
_SHOWN_LENGTH = 40
_ISO_DATE_LENGTH = len("2026-03-02")

# Booking and value dates have their own sentences so translators can order the words.
_DATE_MESSAGES = {
    "booking": (
        gettext_noop("Entry %(entry)d: the booking date “%(value)s” is not a date."),
        gettext_noop(
            "Entry %(entry)d: the booking date %(value)s is not between %(earliest)s and %(latest)s."
        ),
    ),
    "value": (
        gettext_noop("Entry %(entry)d: the value date “%(value)s” is not a date."),
        gettext_noop("Entry %(entry)d: the value date %(value)s is not between %(earliest)s and %(latest)s."),
    ),
}


def shown(value: str) -> str:
    """A value as quoted in a message: clean, and short enough to read."""
    text = clean_text(value, _SHOWN_LENGTH + 1)
    return text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "…"


def clean_text(value: str | None, limit: int) -> str:
    """One line of text: unwanted characters dropped, whitespace collapsed, at most `limit` long.

    Cutting instead of refusing: a bank's name or remittance field longer than PRAHO keeps is
    still a valid payment, and the start of the text is what identifies it.
    """
    if not value:
        return ""
    return " ".join(_CONTROL.sub(" ", _INVISIBLE.sub("", value)).split())[:limit].rstrip()


def parse_amount(written: str | None, *, entry: int, decimal_mark: str) -> Decimal:
    """The amount as a positive Decimal with exactly two decimals, or a StatementError.

    Amounts below a cent are refused rather than rounded: a statement booking "10.005" is not
    one PRAHO understands, and a rounded cent would make the payment never match its proforma.
    """
    text = (written or "").strip()
    values = {"entry": entry, "amount": shown(text)}
    if not text:
        raise StatementError(_("Entry %(entry)d has no amount.") % values)
    if not _NUMBER[decimal_mark].fullmatch(text):
        raise StatementError(_("Entry %(entry)d: the amount “%(amount)s” is not a number.") % values)
    amount = Decimal(text.replace(",", "."))  # the pattern admits only what Decimal reads
    if amount <= 0:
        raise StatementError(_("Entry %(entry)d: the amount “%(amount)s” is not positive.") % values)
    if amount >= AMOUNT_LIMIT:
        raise StatementError(
            _("Entry %(entry)d: the amount “%(amount)s” is too large (the limit is 999999999999.99).")
            % values
        )
    quantized = amount.quantize(CENT)
    if quantized != amount:
        raise StatementError(
            _("Entry %(entry)d: the amount “%(amount)s” has more than two decimals.") % values
        )
    return quantized


@lru_cache(maxsize=1)
def _currency_codes() -> frozenset[str]:
    """ISO 4217 codes as CLDR knows them (current and historic), loaded once."""
    return frozenset(list_currencies())


def check_currency(code: str | None, *, entry: int) -> str:
    """The ISO 4217 code, upper-cased; a StatementError naming it when it is none."""
    text = (code or "").strip()
    if not text:
        raise StatementError(_("Entry %(entry)d has no currency.") % {"entry": entry})
    upper = text.upper()
    if upper not in _currency_codes():
        raise StatementError(
            _("Entry %(entry)d: the currency “%(currency)s” is not an ISO 4217 code.")
            % {"entry": entry, "currency": shown(text)}
        )
    return upper


def statement_currency(code: str, *, statement: int) -> str:
    """A statement's own currency (MT940 balances), checked like an entry's."""
    upper = code.strip().upper()
    if upper not in _currency_codes():
        raise StatementError(
            _("Statement %(statement)d: the currency “%(currency)s” is not an ISO 4217 code.")
            % {"statement": statement, "currency": shown(code)}
        )
    return upper


def parse_iso_date(written: str | None, *, entry: int, kind: str) -> date | None:
    """The date of an ISO 8601 date or date-time ("2026-03-02", "2026-03-02T10:15:00+02:00").

    A date-time keeps its date part as written: the bank books in its own time zone, and
    shifting to UTC would move late-evening bookings to the next day.
    """
    text = (written or "").strip()
    if not text:
        return None
    try:
        value = date.fromisoformat(text[:_ISO_DATE_LENGTH])
    except ValueError:
        raise StatementError(_(_DATE_MESSAGES[kind][0]) % {"entry": entry, "value": shown(text)}) from None
    if len(text) > _ISO_DATE_LENGTH and text[_ISO_DATE_LENGTH] != "T":
        raise StatementError(_(_DATE_MESSAGES[kind][0]) % {"entry": entry, "value": shown(text)})
    return check_date(value, entry=entry, kind=kind)


def check_date(value: date, *, entry: int, kind: str) -> date:
    """`value` when it lies between 2000-01-01 and 2100-12-31, else a StatementError."""
    if EARLIEST_DATE <= value <= LATEST_DATE:
        return value
    raise StatementError(
        _(_DATE_MESSAGES[kind][1])
        % {
            "entry": entry,
            "value": value.isoformat(),
            "earliest": EARLIEST_DATE.isoformat(),
            "latest": LATEST_DATE.isoformat(),
        }
    )


def compact_iban(value: str | None) -> str:
    """An IBAN as machines compare it: no spaces, upper case."""
    return "".join((value or "").split()).upper()


def payer_iban(value: str | None) -> str:
    """The payer's IBAN, compacted, or "" when the bank gave none or gave a local account number.

    Only the shape is checked, not the check digits: the payer's bank already accepted it, and
    a payer account is a hint for matching, never a key.
    """
    iban = compact_iban(value)
    return iban if _IBAN_SHAPE.fullmatch(iban) else ""


def is_iban(value: str) -> bool:
    """Whether a compact value is an IBAN, check digits and national format included."""
    return bool(value) and stdnum_iban.is_valid(value)


def account_iban(value: str | None, *, statement: int) -> str:
    """The statement's own account, which must be a valid IBAN (check digits included).

    The account scopes every deduplication key and tells the caller which of its bank
    accounts the money is on; a statement for an account PRAHO cannot name is refused.
    """
    iban = compact_iban(value)
    if not iban:
        raise StatementError(_("Statement %(statement)d has no account IBAN.") % {"statement": statement})
    if not is_iban(iban):
        raise StatementError(
            _("Statement %(statement)d: the account “%(account)s” is not a valid IBAN.")
            % {"statement": statement, "account": shown(value or "")}
        )
    return iban


def check_entry_count(count: int) -> None:
    """Refuse a file once it passes MAX_ENTRIES, before building the rest of it."""
    if count > MAX_ENTRIES:
        raise StatementError(_("The statement has more than %(limit)d entries.") % {"limit": MAX_ENTRIES})
