"""Bank statement files for tests and benchmarks: camt.053 (001.02 to 001.08) and MT940.

Each entry is a plain dict; every key is optional, so `camt053([{}] * 10_000)` is a valid
statement of ten thousand 100.00 RON transfers. Values are written as given (a string amount
such as "12,3x" goes into the file unchanged), which is how tests build broken files.

Entry keys, both formats:
    amount          "100.00" (str written verbatim; Decimal/int formatted for the format)
    credit          True; False makes a debit
    payer_name      "SC EXEMPLU SRL"; the counterparty (debtor of a credit, creditor of a debit)
    payer_iban      a Romanian IBAN of another bank
    remittance      "Plata proforma PRO-2026-000123"; a list gives several lines
    booking_date    2026-03-02 (a date, or a string written verbatim; None leaves it out)
    value_date      the booking date (likewise)

camt.053 only:
    currency        the statement's; the amount's `Ccy`
    reversal        False; True writes `RvslInd`
    status          "BOOK"
    entry_reference `NtryRef`;  account_servicer_reference: `Ntry/AcctSvcrRef`
    reference       `TxDtls/Refs/AcctSvcrRef`;  creditor_reference: `Strd/CdtrRefInf/Ref`
    additional_info `AddtlTxInf`;  additional_entry_info: `AddtlNtryInf`
    transactions    a list of dicts (amount, currency, credit, payer_name, payer_iban, remittance,
                    reference, creditor_reference, additional_info) making a batch booking;
                    [] writes no `NtryDtls`; absent, the entry's own keys make one `TxDtls`

MT940 only:
    mark            "C" / "D" from credit; "RC" or "RD" for reversals
    entry_date      the booking date as `:61:` writes it (MMDD); None leaves it out
    bank_reference  written after "//"; None leaves "//..." out
    details         the `:86:` text verbatim, instead of the one built from the keys above;
                    False writes no `:86:`
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

DEFAULT_IBAN = "RO03RNCB0082044456780001"  # BCR, valid check digits
DEFAULT_BIC = "RNCBROBU"
PAYER_IBAN = "RO16BTRLRONCRT0123456701"  # Banca Transilvania
DEFAULT_DATE = date(2026, 3, 2)
OPENING_BALANCE = Decimal("25000.00")
_CREATED = datetime(2026, 3, 3, 6, 30)  # noqa: DTZ001 - written as a local bank time, as banks do

Entry = Mapping[str, Any]

# Where the versions differ in what this module writes.
_TRANSACTION_AMOUNT_VERSION = 3  # TxDtls/Amt; before it, TxDtls/AmtDtls/TxAmt/Amt
_STATUS_CHOICE_VERSION = 8  # Sts/Cd; before it, Sts holds the code
_PARTY_CHOICE_VERSION = 8  # Dbtr/Pty/Nm; before it, Dbtr/Nm


# --- camt.053 -----------------------------------------------------------------------------


def camt053(
    entries: Iterable[Entry],
    *,
    version: int = 8,
    iban: str = DEFAULT_IBAN,
    statement_id: str = "STMT-2026-03-02",
    currency: str = "RON",
) -> bytes:
    """A camt.053.001.0`version` document holding one statement of `entries`."""
    return camt053_statements([(iban, statement_id, currency, list(entries))], version=version)


def camt053_statements(statements: Iterable[tuple[str, str, str, list[Entry]]], *, version: int = 8) -> bytes:
    """One document with several statements, each (iban, statement id, currency, entries)."""
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    builder = _Builder(namespace, version)
    document = builder.root("Document")
    message = builder.add(document, "BkToCstmrStmt")
    header = builder.add(message, "GrpHdr")
    builder.add(header, "MsgId", "MSG-" + _CREATED.strftime("%Y%m%d%H%M%S"))
    builder.add(header, "CreDtTm", _CREATED.isoformat(timespec="seconds"))
    for iban, statement_id, currency, entries in statements:
        builder.statement(message, iban=iban, statement_id=statement_id, currency=currency, entries=entries)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class _Builder:
    def __init__(self, namespace: str, version: int) -> None:
        self.prefix = f"{{{namespace}}}"
        self.namespace = namespace
        self.version = version

    def root(self, tag: str) -> etree._Element:
        # The default namespace, as banks write it; lxml-stubs do not allow its None key.
        return etree.Element(self.prefix + tag, nsmap={None: self.namespace})  # type: ignore[dict-item]

    def add(
        self, parent: etree._Element, tag: str, text: str | None = None, **attributes: str
    ) -> etree._Element:
        element = etree.SubElement(parent, self.prefix + tag, attributes)
        if text is not None:
            element.text = text
        return element

    def statement(
        self, parent: etree._Element, *, iban: str, statement_id: str, currency: str, entries: list[Entry]
    ) -> None:
        statement = self.add(parent, "Stmt")
        self.add(statement, "Id", statement_id)
        self.add(statement, "CreDtTm", _CREATED.isoformat(timespec="seconds"))
        account = self.add(statement, "Acct")
        self.add(self.add(account, "Id"), "IBAN", iban)
        self.add(account, "Ccy", currency)
        self.balance(statement, "OPBD", OPENING_BALANCE, currency)
        self.balance(statement, "CLBD", OPENING_BALANCE + _net(entries), currency)
        for entry in entries:
            self.entry(statement, entry, currency)

    def balance(self, parent: etree._Element, code: str, amount: Decimal, currency: str) -> None:
        balance = self.add(parent, "Bal")
        self.add(self.add(self.add(balance, "Tp"), "CdOrPrtry"), "Cd", code)
        self.add(balance, "Amt", f"{abs(amount):.2f}", Ccy=currency)
        self.add(balance, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
        self.add(self.add(balance, "Dt"), "Dt", DEFAULT_DATE.isoformat())

    def entry(self, parent: etree._Element, entry: Entry, currency: str) -> None:
        element = self.add(parent, "Ntry")
        if "entry_reference" in entry:
            self.add(element, "NtryRef", entry["entry_reference"])
        self.add(
            element, "Amt", _camt_amount(entry.get("amount", "100.00")), Ccy=entry.get("currency", currency)
        )
        credit = entry.get("credit", True)
        self.add(element, "CdtDbtInd", "CRDT" if credit else "DBIT")
        if entry.get("reversal"):
            self.add(element, "RvslInd", "true")
        status = entry.get("status", "BOOK")
        if self.version >= _STATUS_CHOICE_VERSION:
            self.add(self.add(element, "Sts"), "Cd", status)
        else:
            self.add(element, "Sts", status)
        booking = entry.get("booking_date", DEFAULT_DATE)
        self.date(element, "BookgDt", booking)
        self.date(element, "ValDt", entry.get("value_date", booking))
        if "account_servicer_reference" in entry:
            self.add(element, "AcctSvcrRef", entry["account_servicer_reference"])
        self.transaction_code(element, credit)
        transactions = entry.get("transactions")
        if transactions is None:
            transactions = [{key: value for key, value in entry.items() if key != "currency"}]
        if transactions:
            details = self.add(element, "NtryDtls")
            for transaction in transactions:
                own_currency = transaction.get("currency", entry.get("currency", currency))
                self.transaction(details, transaction, credit, own_currency)
        if "additional_entry_info" in entry:
            self.add(element, "AddtlNtryInf", entry["additional_entry_info"])

    def date(self, parent: etree._Element, tag: str, value: date | str | None) -> None:
        if value is None:
            return
        text = value if isinstance(value, str) else value.isoformat()
        self.add(self.add(parent, tag), "DtTm" if "T" in text else "Dt", text)

    def transaction_code(self, parent: etree._Element, credit: bool) -> None:
        code = self.add(parent, "BkTxCd")
        domain = self.add(code, "Domn")
        self.add(domain, "Cd", "PMNT")
        family = self.add(domain, "Fmly")
        self.add(family, "Cd", "RCDT" if credit else "ICDT")
        self.add(family, "SubFmlyCd", "ESCT")

    def transaction(
        self, parent: etree._Element, transaction: Entry, entry_credit: bool, currency: str
    ) -> None:
        element = self.add(parent, "TxDtls")
        references = self.add(element, "Refs")
        if "reference" in transaction:
            self.add(references, "AcctSvcrRef", transaction["reference"])
        self.add(references, "EndToEndId", transaction.get("end_to_end_id", "NOTPROVIDED"))
        amount = _camt_amount(transaction.get("amount", "100.00"))
        credit = transaction.get("credit", entry_credit)
        if self.version >= _TRANSACTION_AMOUNT_VERSION:
            self.add(element, "Amt", amount, Ccy=currency)
            self.add(element, "CdtDbtInd", "CRDT" if credit else "DBIT")
        else:
            self.add(self.add(self.add(element, "AmtDtls"), "TxAmt"), "Amt", amount, Ccy=currency)
        self.parties(element, transaction, credit)
        self.remittance(element, transaction)
        if "additional_info" in transaction:
            self.add(element, "AddtlTxInf", transaction["additional_info"])

    def parties(self, parent: etree._Element, transaction: Entry, credit: bool) -> None:
        """The counterparty as debtor of a credit or creditor of a debit (001.08: `Pty/Nm`)."""
        name = transaction.get("payer_name", "SC EXEMPLU SRL")
        iban = transaction.get("payer_iban", PAYER_IBAN)
        if name is None and iban is None:
            return
        parties = self.add(parent, "RltdPties")
        role = "Dbtr" if credit else "Cdtr"
        if name is not None:
            party = self.add(parties, role)
            self.add(self.add(party, "Pty") if self.version >= _PARTY_CHOICE_VERSION else party, "Nm", name)
        if iban is not None:
            self.add(self.add(self.add(parties, role + "Acct"), "Id"), "IBAN", iban)

    def remittance(self, parent: etree._Element, transaction: Entry) -> None:
        lines = transaction.get("remittance", "Plata proforma PRO-2026-000123")
        lines = [] if lines is None else [lines] if isinstance(lines, str) else list(lines)
        reference = transaction.get("creditor_reference")
        if not lines and reference is None:
            return
        information = self.add(parent, "RmtInf")
        for line in lines:
            self.add(information, "Ustrd", line)
        if reference is not None:
            structured = self.add(information, "Strd")
            self.add(self.add(structured, "CdtrRefInf"), "Ref", reference)


def _camt_amount(amount: object) -> str:
    return f"{amount:.2f}" if isinstance(amount, Decimal | int) else str(amount)


def _net(entries: Iterable[Entry]) -> Decimal:
    """Credits less debits, for the closing balance; amounts that are not numbers count 0."""
    total = Decimal(0)
    for entry in entries:
        try:
            amount = Decimal(str(entry.get("amount", "100.00")).replace(",", "."))
        except InvalidOperation:
            continue
        if amount.is_finite():
            total += amount if entry.get("credit", True) else -amount
    return total


# --- MT940 --------------------------------------------------------------------------------

_DETAILS_LINE = 65  # SWIFT: :86: is at most 6 lines of 65 characters (banks send more)
_SUBFIELD = 27  # the width of a ?20-?29 and ?32/?33 piece


def mt940(
    entries: Iterable[Entry],
    *,
    iban: str = DEFAULT_IBAN,
    bic: str | None = DEFAULT_BIC,
    statement_id: str = "STMT260302",
    statement_number: str = "61/1",
    currency: str = "RON",
    structured: bool = True,
    envelope: bool = False,
    encoding: str = "utf-8",
    line_end: str = "\r\n",
) -> bytes:
    """One MT940 statement of `entries`; concatenate several calls for a multi-statement file.

    `structured` writes `:86:` with ?-subfields (payer in ?31-?33, remittance in ?20-?29), as
    many banks do; False writes the remittance as free text. `envelope` wraps the statement
    in SWIFT blocks {1:}{2:}{4: ... -}.
    """
    entries = list(entries)
    account = f"{bic}/{iban}" if bic else iban
    lines = [f":20:{statement_id}", f":25:{account}", f":28C:{statement_number}"]
    lines.append(f":60F:{_mt940_balance(OPENING_BALANCE, currency)}")
    for entry in entries:
        lines.extend(_mt940_entry(entry, structured=structured))
    lines.append(f":62F:{_mt940_balance(OPENING_BALANCE + _net(entries), currency)}")
    if envelope:
        lines = [
            "{1:F01RNCBROBUAXXX0000000000}{2:O9400630260303RNCBROBUAXXX00000000002603030630N}{4:",
            *lines,
            "-}",
        ]
    return (line_end.join(lines) + line_end).encode(encoding)


def _mt940_balance(amount: Decimal, currency: str) -> str:
    mark = "C" if amount >= 0 else "D"
    return f"{mark}{DEFAULT_DATE:%y%m%d}{currency}{_mt940_amount(abs(amount))}"


def _mt940_amount(amount: object) -> str:
    return f"{amount:.2f}".replace(".", ",") if isinstance(amount, Decimal | int) else str(amount)


def _mt940_entry(entry: Entry, *, structured: bool) -> list[str]:
    value_date = entry.get("value_date", entry.get("booking_date", DEFAULT_DATE))
    booking = entry.get("entry_date", entry.get("booking_date", value_date))
    mark = entry.get("mark", "C" if entry.get("credit", True) else "D")
    line = f":61:{_yymmdd(value_date)}{_mmdd(booking)}{mark}{_mt940_amount(entry.get('amount', '100,00'))}"
    line += entry.get("type", "NTRF") + entry.get("customer_reference", "NONREF")
    reference = entry.get("bank_reference")
    if reference is not None:
        line += f"//{reference}"
    details = entry.get("details")
    if details is False:
        return [line]
    if details is None:
        details = _structured_details(entry) if structured else _free_details(entry)
    return [line, *_wrap(details, ":86:")]


def _yymmdd(value: date | str) -> str:
    return value if isinstance(value, str) else f"{value:%y%m%d}"


def _mmdd(value: date | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else f"{value:%m%d}"


def _remittance_text(entry: Entry) -> str:
    lines = entry.get("remittance", "Plata proforma PRO-2026-000123")
    return lines if isinstance(lines, str) else " ".join(lines or [])


def _structured_details(entry: Entry) -> str:
    """The `:86:` layout "166?00...?20...?29?30BIC?31IBAN?32?33" that many banks use."""
    text = "166?00TRANSFER CREDIT" if entry.get("credit", True) else "177?00TRANSFER DEBIT"
    remittance = _remittance_text(entry)
    for index, start in enumerate(range(0, min(len(remittance), 10 * _SUBFIELD), _SUBFIELD)):
        text += f"?2{index}{remittance[start : start + _SUBFIELD]}"
    text += "?30BTRLRO22"
    payer_iban = entry.get("payer_iban", PAYER_IBAN)
    if payer_iban:
        text += f"?31{payer_iban}"
    name = entry.get("payer_name", "SC EXEMPLU SRL")
    if name:
        text += f"?32{name[:_SUBFIELD]}"
        if len(name) > _SUBFIELD:
            text += f"?33{name[_SUBFIELD : 2 * _SUBFIELD]}"
    return text


def _free_details(entry: Entry) -> str:
    """Free text as Romanian banks often write it: remittance, then the counterparty."""
    parts = [
        _remittance_text(entry),
        entry.get("payer_name", "SC EXEMPLU SRL"),
        entry.get("payer_iban", PAYER_IBAN),
    ]
    return " ".join(part for part in parts if part)


def _wrap(text: str, tag: str) -> list[str]:
    """The text cut into SWIFT lines of 65 characters, the first after the tag."""
    lines = [text[start : start + _DETAILS_LINE] for start in range(0, len(text), _DETAILS_LINE)] or [""]
    return [tag + lines[0], *lines[1:]]
