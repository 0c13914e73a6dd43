"""ISO 20022 camt.053 (BankToCustomerStatement), versions 001.02 to 001.08.

The versions differ little where PRAHO looks, and each difference is read both ways:
the entry status is a plain code up to 001.07 and `Sts/Cd` in 001.08; the debtor is
`Dbtr/Nm` up to 001.07 and `Dbtr/Pty/Nm` in 001.08; a transaction's own amount is
`TxDtls/Amt` from 001.03 on and `TxDtls/AmtDtls/TxAmt/Amt` in any version.

Only booked entries (status BOOK, or no status) are returned: a pending or informational
entry is not money on the account yet, and will come again, booked, in a later statement.

The XML is bank input: it is parsed without entities, DTDs, network access or huge-tree
allowances, and a file declaring a DOCTYPE is refused outright, since no statement needs one
and entity tricks (XXE, billion laughs) all start there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from lxml import etree
from lxml.etree import _Element

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

_ISO_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.\d{3})\.001\.(\d{2})")
SUPPORTED_VERSIONS = range(2, 9)


def parse(data: bytes) -> ParsedStatement:
    """The statement(s) of a camt.053 document, or a StatementError saying what is wrong."""
    root = _document(data)
    version = _version(root)
    namespace = etree.QName(root).namespace or ""
    statements = root.findall(f"{{{namespace}}}BkToCstmrStmt/{{{namespace}}}Stmt")
    if not statements:
        raise StatementError(_("The CAMT.053 file holds no statement (BkToCstmrStmt/Stmt)."))
    drafts: list[tuple[StatementEntry, str]] = []
    accounts: list[str] = []
    currencies: list[str] = []
    ids: list[str] = []
    number = 0
    for index, statement in enumerate(statements, 1):
        texts = _Texts.of(statement, _STATEMENT_PATHS)
        iban = fields.account_iban(texts.first("Acct/Id/IBAN"), statement=index)
        accounts.append(iban)
        ids.append(fields.clean_text(texts.first("Id"), fields.REFERENCE_LENGTH))
        first = len(drafts)
        for element in statement.iterchildren(f"{{{namespace}}}Ntry"):
            number += 1
            entry = _Entry(element, namespace, number, iban)
            if entry.is_booked:
                drafts.extend(entry.drafts())
                fields.check_entry_count(len(drafts))
        # The account's currency, else a balance's, else its first entry's.
        own = drafts[first][0].currency if len(drafts) > first else ""
        currencies.append((texts.first("Acct/Ccy", "Bal/Amt@Ccy") or own).upper())
    return ParsedStatement(
        format=f"camt.053.001.{version:02d}",
        statement_id=joined_ids(ids),
        account_iban=common_value(accounts),
        currency=common_value(currencies),
        entries=with_keys(drafts),
    )


def _document(data: bytes) -> _Element:
    """The root element, parsed safely; DOCTYPEs and malformed XML are refused."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        reason = (error.msg or str(error)).rstrip(".")
        raise StatementError(_("The XML is not well-formed: %(reason)s.") % {"reason": reason}) from None
    if root.getroottree().docinfo.internalDTD is not None:  # set by any <!DOCTYPE ...>
        raise StatementError(_("The XML declares a DOCTYPE; bank statements never do, so it is refused."))
    return root


def _version(root: _Element) -> int:
    """The camt.053 version of the document (2 to 8), or a StatementError naming what it is."""
    match = _ISO_NAMESPACE.fullmatch(etree.QName(root).namespace or "")
    if match is None:
        raise StatementError(_("The file is neither a CAMT.053 statement nor an MT940 one."))
    message, version = match.group(1), int(match.group(2))
    if message != "camt.053":
        raise StatementError(
            _("The file is a %(message)s message, not a CAMT.053 statement.")
            % {"message": f"{message}.001.{version:02d}"}
        )
    if version not in SUPPORTED_VERSIONS:
        raise StatementError(
            _("CAMT.053 version 001.%(version)02d is not supported (001.02 to 001.08 are).")
            % {"version": version}
        )
    return version


def _prefixes(*paths: str) -> frozenset[str]:
    """The paths and every path leading to them: where `_Texts.of` looks, and all it reads."""
    found: set[str] = set()
    for path in paths:
        steps = path.split("/")
        found.update("/".join(steps[:length]) for length in range(1, len(steps) + 1))
    return frozenset(found)


_STATEMENT_PATHS = _prefixes("Id", "Acct/Id/IBAN", "Acct/Ccy", "Bal/Amt")
_ENTRY_PATHS = _prefixes(
    "NtryRef",
    "Amt",
    "CdtDbtInd",
    "RvslInd",
    "Sts/Cd",
    "BookgDt/Dt",
    "BookgDt/DtTm",
    "ValDt/Dt",
    "ValDt/DtTm",
    "AcctSvcrRef",
    "AddtlNtryInf",
)
_TRANSACTION_PATHS = _prefixes(
    "Refs/AcctSvcrRef",
    "Amt",
    "CdtDbtInd",
    "AmtDtls/TxAmt/Amt",
    "RltdPties/Dbtr/Pty/Nm",
    "RltdPties/Dbtr/Nm",
    "RltdPties/DbtrAcct/Id/IBAN",
    "RmtInf/Ustrd",
    "RmtInf/Strd/CdtrRefInf/Ref",
    "AddtlTxInf",
)


class _Texts:
    """The texts under an element at given paths of local names ("RltdPties/Dbtr/Nm").

    An amount's currency is kept as "Amt@Ccy". The subtree is walked once, following only the
    branches that lead to a wanted path, rather than asked with a find() or XPath per field:
    lxml calls are what 10,000 entries cost, and this makes the fewest. One mapping also
    answers both shapes of a field that changed between versions.
    """

    def __init__(self, values: dict[str, list[str]]) -> None:
        self.values = values

    @classmethod
    def of(cls, element: _Element, wanted: frozenset[str]) -> _Texts:
        values: dict[str, list[str]] = {}
        _collect(element, "", values, wanted)
        return cls(values)

    def first(self, *paths: str) -> str:
        """The first text at the first of `paths` present, or ""."""
        for path in paths:
            found = self.values.get(path)
            if found:
                return found[0]
        return ""

    def all(self, path: str) -> list[str]:
        return self.values.get(path, [])


def _collect(element: _Element, prefix: str, values: dict[str, list[str]], wanted: frozenset[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str):  # a comment or processing instruction
            continue
        path = prefix + tag[tag.rfind("}") + 1 :]
        if path not in wanted:
            continue
        text = child.text
        if text and not text.isspace():
            values.setdefault(path, []).append(text.strip())
        if path.endswith("Amt"):
            values.setdefault(path + "@Ccy", []).append(child.get("Ccy", "").strip())
        if len(child):
            _collect(child, path + "/", values, wanted)


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every transaction of an entry shares."""

    booking_date: date
    value_date: date | None
    is_credit: bool
    is_reversal: bool


class _Entry:
    """One `Ntry`: what all its transactions share, and a draft for each of them."""

    def __init__(self, element: _Element, namespace: str, number: int, iban: str) -> None:
        self.texts = _Texts.of(element, _ENTRY_PATHS)
        self.transactions = [
            _Texts.of(details, _TRANSACTION_PATHS)
            for details in element.iterfind(f"{{{namespace}}}NtryDtls/{{{namespace}}}TxDtls")
        ]
        self.number = number
        self.iban = iban
        # Up to 001.07 the status is a code; in 001.08 it is Sts/Cd.
        self.is_booked = self.texts.first("Sts/Cd", "Sts") in ("", "BOOK")

    def drafts(self) -> list[tuple[StatementEntry, str]]:
        """One (entry, unique reference) per `TxDtls`, or one for the `Ntry` when it has none.

        A lone transaction takes the entry's amount: that is what was booked on the account,
        in its currency, whatever the transaction's own amount (before charges, or in the
        payer's currency) says. In a batch each transaction has its own amount or is refused.
        """
        shared = self._shared()
        if len(self.transactions) <= 1:
            details = self.transactions[0] if self.transactions else _Texts({})
            amount = (self.texts.first("Amt"), self.texts.first("Amt@Ccy"))
            return [self._draft(shared, details, amount, position=0)]
        drafts = []
        for position, details in enumerate(self.transactions, 1):
            path = "Amt" if details.first("Amt") else "AmtDtls/TxAmt/Amt"
            amount = (details.first(path), details.first(path + "@Ccy"))
            if not amount[0]:
                raise StatementError(
                    _("Entry %(entry)d: transaction %(position)d of the batch has no amount.")
                    % {"entry": self.number, "position": position}
                )
            drafts.append(self._draft(shared, details, amount, position=position))
        return drafts

    def _shared(self) -> _Shared:
        """Checked only for booked entries: a pending one may lack its booking date."""
        texts, number = self.texts, self.number
        booking = fields.parse_iso_date(
            texts.first("BookgDt/Dt", "BookgDt/DtTm"), entry=number, kind="booking"
        )
        if booking is None:
            raise StatementError(_("Entry %(entry)d has no booking date.") % {"entry": number})
        return _Shared(
            booking_date=booking,
            value_date=fields.parse_iso_date(
                texts.first("ValDt/Dt", "ValDt/DtTm"), entry=number, kind="value"
            ),
            is_credit=_is_credit(texts.first("CdtDbtInd"), entry=number),
            is_reversal=texts.first("RvslInd").lower() in ("true", "1"),
        )

    def _draft(
        self, shared: _Shared, details: _Texts, amount: tuple[str, str], *, position: int
    ) -> tuple[StatementEntry, str]:
        """The entry for one transaction (`details` empty: the `Ntry` alone); position 0 if alone."""
        own_indicator = details.first("CdtDbtInd")
        is_credit = _is_credit(own_indicator, entry=self.number) if own_indicator else shared.is_credit
        payer_name, payer_iban = _payer(details) if is_credit else ("", "")
        bank_reference, unique = self._references(shared.booking_date, details, position)
        entry = StatementEntry(
            account_iban=self.iban,
            booking_date=shared.booking_date,
            value_date=shared.value_date,
            amount=fields.parse_amount(amount[0], entry=self.number, decimal_mark="."),
            currency=fields.check_currency(amount[1], entry=self.number),
            is_credit=is_credit,
            is_reversal=shared.is_reversal,
            payer_name=payer_name,
            payer_iban=payer_iban,
            remittance=self._remittance(details),
            bank_reference=bank_reference,
            entry_key="",
        )
        return entry, unique

    def _references(self, booking_date: date, details: _Texts, position: int) -> tuple[str, str]:
        """The bank reference to show, and the unique one for the key ("" when none).

        The entry-level references are shared by every transaction of a batch, so they are
        unique only with the transaction's position added.
        """
        own = details.first("Refs/AcctSvcrRef")
        shared = self.texts.first("AcctSvcrRef")
        entry_ref = self.texts.first("NtryRef")
        suffix = f"/{position}" if position else ""
        if is_reference(own):
            unique = own
        elif is_reference(shared):
            unique = shared + suffix
        elif is_reference(entry_ref):
            unique = f"{entry_ref}@{booking_date.isoformat()}{suffix}"
        else:
            unique = ""
        shown = next((ref for ref in (own, shared, entry_ref) if is_reference(ref)), "")
        limit = fields.REFERENCE_LENGTH
        return fields.clean_text(shown, limit), fields.clean_text(unique, limit)

    def _remittance(self, details: _Texts) -> str:
        """Unstructured lines, then structured creditor references; else the additional info."""
        parts = details.all("RmtInf/Ustrd") + details.all("RmtInf/Strd/CdtrRefInf/Ref")
        if not parts:
            parts = details.all("AddtlTxInf") or self.texts.all("AddtlNtryInf")
        return fields.clean_text(" ".join(parts), fields.REMITTANCE_LENGTH)


def _payer(details: _Texts) -> tuple[str, str]:
    """The debtor's name (001.08 `Dbtr/Pty/Nm`, older `Dbtr/Nm`) and IBAN."""
    name = details.first("RltdPties/Dbtr/Pty/Nm", "RltdPties/Dbtr/Nm")
    iban = details.first("RltdPties/DbtrAcct/Id/IBAN")
    return fields.clean_text(name, fields.NAME_LENGTH), fields.payer_iban(iban)


def _is_credit(indicator: str, *, entry: int) -> bool:
    if indicator == "CRDT":
        return True
    if indicator == "DBIT":
        return False
    raise StatementError(
        _("Entry %(entry)d: the credit/debit indicator “%(indicator)s” is neither CRDT nor DBIT.")
        % {"entry": entry, "indicator": fields.shown(indicator)}
    )
