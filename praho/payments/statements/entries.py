"""What a bank statement says, whatever its format: the entries and their deduplication keys.

Direction: `is_credit` is the direction of *this* booking, money in (True) or out (False).
A reversal keeps that rule: a reversed incoming transfer is booked as money out, so it is a
debit with `is_reversal` True (CAMT `DBIT` + `RvslInd`, MT940 `RC`); a reversed outgoing
payment coming back is a credit with `is_reversal` True (CAMT `CRDT` + `RvslInd`, MT940 `RD`).
Payer name and IBAN are filled for credits only: on a debit the payer is the account holder.

The entry key
-------------
Statements are uploaded more than once (a re-upload, a weekly file overlapping the daily
ones), so each entry carries `entry_key`, equal for the same booking in every upload and
different for different bookings, even two identical transfers on one day. It is at most
128 characters and always starts with the account IBAN and a colon, so keys of two accounts
never meet. After the colon comes, in order of preference:

1. The bank's own unique reference for the booking:
   CAMT `TxDtls/Refs/AcctSvcrRef`, else `Ntry/AcctSvcrRef`, else `Ntry/NtryRef` followed by
   "@" and the booking date (`NtryRef` is only unique within the bank's account, and some
   banks number entries per statement, so the date keeps Monday's "17" from Tuesday's);
   MT940 the bank reference after `//` in `:61:`. Placeholders ("NONREF", "NOTPROVIDED",
   "NONE", "N/A") are no reference. When an entry-level reference covers a batch of several
   `TxDtls`, "/n" (the transaction's position in the batch) is added. The same bank usually
   gives the same reference in its CAMT and MT940 exports, so one booking uploaded in both
   formats gets one key.
2. Otherwise "sha256:" and the SHA-256 (hex) of the account IBAN, booking date, amount,
   currency, credit or debit, payer IBAN, remittance and the occurrence index: the number of
   entries with all the other values equal that came before it in the same file (0, 1, ...).
   Two identical transfers on one day get indexes 0 and 1 in every upload of that day, so
   they stay two, and each is recognised again in an overlapping file. The count runs over
   the file, not each statement in it: a day's statement split into pages (MT940 `:28C:`
   5/1, 5/2) must not give a twin on page 2 the key of its twin on page 1. The payer name
   and value date are left out: exports of one bank cut names differently.

A reversal's reference is followed by "/reversal": some banks book a reversal under the
reference of the booking it reverses, and the reversal must not pass for that booking
uploaded again. A reference-based key met again in one file (a bank repeating a reference)
gets "#2", "#3"... after it, by the same occurrence rule; a reference too long for 128
characters is replaced by "ref-sha256:" and its SHA-256.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

KEY_LENGTH = 128
PLACEHOLDER_REFERENCES = frozenset({"", "NONREF", "NOTPROVIDED", "NONE", "N/A", "NOREF"})
_SEPARATOR = "\x1f"  # a control character: clean text never holds one, so fields cannot run together


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One booking on the account (one `TxDtls` of a batch booking is one entry)."""

    account_iban: str
    booking_date: date
    value_date: date | None
    amount: Decimal  # positive, two decimals; the direction is is_credit
    currency: str  # ISO 4217
    is_credit: bool
    is_reversal: bool
    payer_name: str
    payer_iban: str  # compact and upper case; "" when none
    remittance: str  # unstructured lines joined with a space, then the structured reference
    bank_reference: str
    entry_key: str


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """A statement file read whole.

    One file may hold several statements (days, pages or accounts): `statement_id` is their
    identifiers joined with ", "; `account_iban` and `currency` are "" when the statements
    differ in them, so look at each entry's own.
    """

    format: str  # "camt.053.001.02" ... "camt.053.001.08", or "mt940"
    statement_id: str
    account_iban: str
    currency: str
    entries: list[StatementEntry]


def is_reference(value: str) -> bool:
    """Whether a bank reference identifies something, rather than saying there is none."""
    return value.strip().upper() not in PLACEHOLDER_REFERENCES


def with_keys(drafts: Iterable[tuple[StatementEntry, str]]) -> list[StatementEntry]:
    """The entries with `entry_key` set, by the rule in this module's docstring.

    Each draft is an entry (its key still "") and the bank's unique reference for it ("" when
    none). Occurrences are counted over the whole file in order, which is why keys are given
    here, after parsing, and not entry by entry.
    """
    seen: Counter[str] = Counter()
    keyed: list[StatementEntry] = []
    for entry, reference in drafts:
        if reference:
            base = _reference_key(entry.account_iban, reference + ("/reversal" if entry.is_reversal else ""))
            occurrence = seen[base]
            key = base if occurrence == 0 else f"{base}#{occurrence + 1}"
        else:
            base = _fingerprint(entry)
            occurrence = seen[base]
            digest = _sha256(f"{base}{_SEPARATOR}{occurrence}")
            key = f"{entry.account_iban}:sha256:{digest}"
        seen[base] += 1
        keyed.append(replace(entry, entry_key=key))
    return keyed


def _reference_key(account_iban: str, reference: str) -> str:
    key = f"{account_iban}:{reference}"
    if len(key) + len("#99999") <= KEY_LENGTH:
        return key
    return f"{account_iban}:ref-sha256:{_sha256(reference)}"


def _fingerprint(entry: StatementEntry) -> str:
    return _SEPARATOR.join(
        (
            entry.account_iban,
            entry.booking_date.isoformat(),
            f"{entry.amount:.2f}",
            entry.currency,
            "C" if entry.is_credit else "D",
            entry.payer_iban,
            entry.remittance,
        )
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def common_value(values: Iterable[str]) -> str:
    """The one value every statement of a file shares, or "" when they differ."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else ""


def joined_ids(ids: Iterable[str]) -> str:
    """Statement identifiers, each once and in file order, joined for display (128 at most)."""
    unique = [value for value in dict.fromkeys(ids) if value]
    text = ", ".join(unique)
    return text if len(text) <= KEY_LENGTH else text[: KEY_LENGTH - 1] + "…"
