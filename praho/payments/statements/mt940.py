"""SWIFT MT940 customer statements, read with the mt-940 library.

The library owns the grammar (tags, `:61:` subfields, the `?nn` subfields of a structured
`:86:`); this module decides what PRAHO takes from it:

- the account from `:25:`, an IBAN alone or after a BIC ("RNCBROBU/RO49...");
- the currency from the balances (`:60F:`, else `:62F:` ...), as `:61:` carries none;
- per `:61:`: value date, entry date (the booking date; the value date when absent; its
  year follows the value date's across New Year), the mark (C, D, RC = reversed credit,
  RD = reversed debit), the amount, the bank reference after `//`. A 30 February, which
  some banks write for month-end interest, is the last day of February (the library's
  fix-up); any other impossible date is refused;
- from `:86:`: a structured field ("166?00...?20...") gives the remittance from `?20`-`?29`
  (and its continuation `?60`-`?63`), the payer's account from `?31` and name from `?32`
  and `?33`; any other `:86:` is free text, used whole as the remittance. The `?2x` pieces
  are joined without a space, as the library does: banks cut the remittance into 27-character
  pieces wherever the limit falls, often inside a word or a reference.

Several statements may follow one another in a file (one per `:20:`), for one account or
several. Files come in UTF-8, in Windows-1250 (Romanian and Central European exports) or in
Latin-1, with CRLF, LF or CR line ends, and sometimes in a SWIFT envelope ({1:...}{4: ... -}).
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Any

import mt940
from django.utils.translation import gettext as _
from mt940.models import Transaction, Transactions

from praho.payments.statements import fields
from praho.payments.statements.entries import (
    ParsedStatement,
    StatementEntry,
    common_value,
    is_reference,
    joined_ids,
    with_keys,
)
from praho.payments.statements.errors import StatementError

# Each option fixes something PRAHO needs; see mt940.Options.
_OPTIONS = mt940.Options(
    applicant_iban=True,  # ?31 is the payer's account, not the start of the name
    merge_keeps_values=True,  # an :86: without a subfield does not wipe what :61: gave
    case_insensitive_marks=True,
    unbounded_details=True,  # keep all of a long :86:; the remittance is cut at 500 later
    non_swift_free_text=True,
    strip_bom=True,
    gvc_leading_text=True,  # keep free text before a SEPA keyword (EREF+, SVWZ+)
)

# SWIFT's transaction type (1!a3!c) starts with S, N or F. The library's pattern takes any
# letter in any case, so "C12,3xNTRF" reads as the amount 12,3 and the type "xNTR"; finding
# the real type again shows the amount as the bank wrote it, "12,3x", which is then refused.
_TRANSACTION_TYPE = re.compile(r"[NFS][A-Z0-9]{3}")
_TYPE_OR_REFERENCE_START = re.compile(r"[A-Z/]")
# A tag opens a line, whatever ends lines: CRLF, LF or a lone CR (old Mac exports).
_FIRST_TAG = re.compile(rb"(?:\A|[\r\n])[ \t]*:20:")
_ACCOUNT_OR_LINE_TAG = re.compile(rb"(?:\A|[\r\n])[ \t]*:(?:25|61):")
_ENVELOPE = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}|\{4:|^-\}\s*$", re.MULTILINE)
_BALANCE_AMOUNT = re.compile(r"\d+(?:,\d*)?")
_BALANCE_SLUGS = (
    "opening_balance",
    "final_opening_balance",
    "intermediate_opening_balance",
    "closing_balance",
    "final_closing_balance",
    "intermediate_closing_balance",
    "available_balance",
    "forward_available_balance",
)
_CREDIT_MARKS = frozenset({"C", "RD"})
_LINE_WIDTH = 65  # SWIFT's x65 line


def parse(data: bytes) -> ParsedStatement:
    """The statement(s) of an MT940 file, or a StatementError saying what is wrong."""
    blocks = _statements(_text(data))
    if not blocks:
        raise StatementError(_("The file is neither a CAMT.053 statement nor an MT940 one."))
    drafts: list[tuple[StatementEntry, str]] = []
    accounts: list[str] = []
    currencies: list[str] = []
    ids: list[str] = []
    number = 0
    for index, block in enumerate(blocks, 1):
        iban = _account(block, statement=index)
        currency = _currency(block, statement=index)
        accounts.append(iban)
        currencies.append(currency)
        ids.append(_statement_id(block))
        for transaction in block:
            number += 1
            drafts.append(_draft(transaction, number=number, iban=iban, currency=currency))
            fields.check_entry_count(len(drafts))
    return ParsedStatement(
        format="mt940",
        statement_id=joined_ids(ids),
        account_iban=common_value(accounts),
        currency=common_value(currencies),
        entries=with_keys(drafts),
    )


def looks_like_mt940(data: bytes) -> bool:
    """Whether the bytes read as MT940: a `:20:` tag and a `:25:` or `:61:` tag opening lines."""
    text = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
    return bool(_FIRST_TAG.search(text) and _ACCOUNT_OR_LINE_TAG.search(text))


def _text(data: bytes) -> str:
    """The file as text with LF line ends and no SWIFT envelope.

    UTF-8 first (a strict decoder fails on anything else), then Windows-1250, which has
    Romanian letters but leaves five bytes undefined, then Latin-1, which never fails.
    """
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ENVELOPE.sub("\n", text)


def _statements(text: str) -> list[Transactions]:
    """One library collection per statement; a field it cannot read becomes a StatementError."""
    processors: Any = _Checks().processors()
    try:
        return mt940.parse_statements(text, processors=processors, options=_OPTIONS)
    except StatementError:
        raise
    except RuntimeError as error:
        # The library raises RuntimeError(message, tag, value) for a tag its pattern refuses.
        _message, tag, value = (*error.args, None, None)[:3]
        raise StatementError(
            _("The MT940 field :%(tag)s: “%(value)s” cannot be read.")
            % {"tag": getattr(tag, "id", "?"), "value": fields.shown(str(value or ""))}
        ) from None
    except (ValueError, ArithmeticError) as error:
        raise StatementError(_("The MT940 file cannot be read: %(reason)s.") % {"reason": error}) from None


class _Checks:
    """Pre-processors that check each `:61:` and balance as the library reads it.

    They run inside the library's parse, in file order, so they can count the `:61:` lines
    over all the statements and name the entry; and what they refuse never reaches the
    library's own conversions, whose errors ("month must be in 1..12") would not say where.
    """

    def __init__(self) -> None:
        self.entries = 0

    def processors(self) -> dict[str, list[Any]]:
        return {
            "pre_statement": [mt940.processors.date_fixup_pre_processor, self.statement_line],
            "pre_transaction_details": [_join_lines],
            **{f"pre_{slug}": [self.balance] for slug in _BALANCE_SLUGS},
        }

    def statement_line(
        self, transactions: Transactions, tag: Any, tag_dict: dict[str, Any], *args: Any
    ) -> Any:
        """The checked amount as "checked_amount"; a StatementError naming the entry if wrong."""
        self.entries += 1
        number = self.entries
        value = f"{tag_dict['year']}{tag_dict['month']}{tag_dict['day']}"
        if not _is_date(2000 + int(tag_dict["year"]), tag_dict["month"], tag_dict["day"]):
            raise StatementError(
                _("Entry %(entry)d: the value date “%(value)s” is not a date.")
                % {"entry": number, "value": value}
            )
        month, day = str(tag_dict.get("entry_month") or ""), str(tag_dict.get("entry_day") or "")
        if month.isdigit() and day.isdigit() and not _is_date(2000, month, day):  # 2000 had a 29 February
            raise StatementError(
                _("Entry %(entry)d: the booking date “%(value)s” is not a date.")
                % {"entry": number, "value": month + day}
            )
        tag_dict["checked_amount"] = fields.parse_amount(
            _written_amount(tag_dict), entry=number, decimal_mark=","
        )
        return tag_dict

    def balance(self, transactions: Transactions, tag: Any, tag_dict: dict[str, Any], *args: Any) -> Any:
        """Refuse a balance whose amount or date the library would fail on without saying where."""
        values = {"tag": tag.id, "amount": fields.shown(str(tag_dict.get("amount") or ""))}
        if not _BALANCE_AMOUNT.fullmatch(str(tag_dict.get("amount") or "")):
            raise StatementError(
                _("The MT940 balance :%(tag)s: has the amount “%(amount)s”, which is not a number.") % values
            )
        if not _is_date(2000 + int(tag_dict["year"]), tag_dict["month"], tag_dict["day"]):
            values["date"] = f"{tag_dict['year']}{tag_dict['month']}{tag_dict['day']}"
            raise StatementError(
                _("The MT940 balance :%(tag)s: has the date “%(date)s”, which is not a date.") % values
            )
        return tag_dict


def _written_amount(tag_dict: dict[str, Any]) -> str:
    """The `:61:` amount as the bank wrote it, with what the library's pattern left behind."""
    written = str(tag_dict.get("amount") or "")
    kind = str(tag_dict.get("id") or "")
    if not _TRANSACTION_TYPE.fullmatch(kind):
        rest = kind + str(tag_dict.get("customer_reference") or "")
        found = _TRANSACTION_TYPE.search(rest) or _TYPE_OR_REFERENCE_START.search(rest)
        written += rest[: found.start()] if found is not None else rest
    return written


def _join_lines(transactions: Transactions, tag: Any, tag_dict: dict[str, Any], *args: Any) -> Any:
    """An `:86:` pre-processor: its lines made one text, before the library reads subfields.

    SWIFT lines hold 65 characters, and banks cut there wherever it falls, inside a word, a
    name or a reference; a shorter line ended where the writer chose (the library has already
    dropped trailing blanks, so a line cut just after a space is short too). A full line runs
    on into the next, any other is followed by a space.
    """
    lines = str(tag_dict.get("transaction_details") or "").split("\n")
    text = lines[0]
    for previous, line in pairwise(lines):
        text += ("" if len(previous) >= _LINE_WIDTH else " ") + line
    tag_dict["transaction_details"] = text
    return tag_dict


def _is_date(year: int, month: str, day: str) -> bool:
    try:
        date(year, int(month), int(day))
    except ValueError:
        return False
    return True


def _account(block: Transactions, *, statement: int) -> str:
    """The IBAN of `:25:`, which may follow a BIC ("BIC/IBAN") or be followed by a currency."""
    raw = str(block.data.get("account_identification") or "").strip()
    if not raw:
        raise StatementError(_("Statement %(statement)d has no account (:25:).") % {"statement": statement})
    for part in reversed(re.split(r"[/\s]+", raw)):
        for candidate in (part, part[:-3]):
            iban = fields.compact_iban(candidate)
            if fields.is_iban(iban):
                return iban
    return fields.account_iban(raw, statement=statement)  # raises, naming the account


def _currency(block: Transactions, *, statement: int) -> str:
    currency = block.currency
    if not currency:
        raise StatementError(
            _("Statement %(statement)d has no balance (:60F:, :62F:) giving its currency.")
            % {"statement": statement}
        )
    return fields.statement_currency(currency, statement=statement)


def _statement_id(block: Transactions) -> str:
    """`:20:` and, when present, the `:28C:` statement and sequence numbers: "REF/61/1"."""
    parts = [block.data.get(key) for key in ("transaction_reference", "statement_number", "sequence_number")]
    text = "/".join(str(part).strip() for part in parts if part and str(part).strip())
    return fields.clean_text(text, fields.REFERENCE_LENGTH)


def _draft(transaction: Transaction, *, number: int, iban: str, currency: str) -> tuple[StatementEntry, str]:
    """The entry for one `:61:` (with its `:86:`), and the bank reference for its key."""
    data = transaction.data
    mark = str(data.get("status") or "").upper()
    value_date = fields.check_date(_plain(data["date"]), entry=number, kind="value")
    entry_date = data.get("entry_date")
    booking_date = (
        fields.check_date(_plain(entry_date), entry=number, kind="booking") if entry_date else value_date
    )
    is_credit = mark in _CREDIT_MARKS
    reference = str(data.get("bank_reference") or "").strip()
    reference = fields.clean_text(reference, fields.REFERENCE_LENGTH) if is_reference(reference) else ""
    entry = StatementEntry(
        account_iban=iban,
        booking_date=booking_date,
        value_date=value_date,
        amount=data["checked_amount"],
        currency=currency,
        is_credit=is_credit,
        is_reversal=mark.startswith("R"),
        payer_name=fields.clean_text(data.get("applicant_name"), fields.NAME_LENGTH) if is_credit else "",
        payer_iban=fields.payer_iban(data.get("applicant_iban")) if is_credit else "",
        remittance=_remittance(data),
        bank_reference=reference,
        entry_key="",
    )
    return entry, reference


def _remittance(data: dict[str, Any]) -> str:
    """A structured `:86:`'s purpose and its continuation, or a free-text `:86:` whole."""
    if "transaction_details" in data:
        text = str(data.get("transaction_details") or "")
    else:
        text = " ".join(str(data.get(key) or "") for key in ("purpose", "additional_purpose"))
    return fields.clean_text(text, fields.REMITTANCE_LENGTH)


def _plain(value: date) -> date:
    """The library's Date subclass as a plain date, so entries compare and hash as dates."""
    return date(value.year, value.month, value.day)
