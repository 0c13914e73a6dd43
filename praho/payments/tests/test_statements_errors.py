"""What a statement upload refuses, in the exact words the person uploading reads."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from praho.payments.statements import MAX_FILE_BYTES, StatementError, fields, parse_statement
from praho.payments.tests.statement_files import refusal, sample
from praho.testing import statements

NEITHER = "The file is neither a CAMT.053 statement nor an MT940 one."


def camt(*entries: dict, **options) -> bytes:
    return statements.camt053(list(entries), **options)


def test_a_statement_error_is_a_value_error():
    assert issubclass(StatementError, ValueError)


@pytest.mark.parametrize(
    "data",
    [
        b"Data;Suma;Beneficiar\n02.03.2026;238,00;SC EXEMPLU SRL\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b'{"entries": []}',
        b"<html><body>Extras de cont</body></html>",
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09x"/>',
        b":20:ONLY-A-REFERENCE\n:28C:1/1\n",
    ],
)
def test_a_file_of_another_kind(data):
    assert refusal(data) == NEITHER


@pytest.mark.parametrize("data", [b"", b"  \r\n\t"])
def test_an_empty_file(data):
    assert refusal(data) == "The file is empty."


def test_a_file_over_20_mb_is_refused_before_reading():
    assert refusal(b" " * (MAX_FILE_BYTES + 1)) == "The file is larger than 20 MB."
    assert refusal(b"x" * MAX_FILE_BYTES) == NEITHER  # exactly 20 MB is read


def test_too_many_entries(monkeypatch):
    with pytest.raises(StatementError) as caught:
        fields.check_entry_count(100_001)
    assert str(caught.value) == "The statement has more than 100000 entries."
    fields.check_entry_count(100_000)

    monkeypatch.setattr(fields, "MAX_ENTRIES", 3)
    assert refusal(camt({}, {}, {}, {})) == "The statement has more than 3 entries."
    assert refusal(statements.mt940([{}, {}, {}, {}])) == "The statement has more than 3 entries."
    parse_statement(camt({}, {}, {}))


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (9, "CAMT.053 version 001.09 is not supported (001.02 to 001.08 are)."),
        (13, "CAMT.053 version 001.13 is not supported (001.02 to 001.08 are)."),
        (1, "CAMT.053 version 001.01 is not supported (001.02 to 001.08 are)."),
    ],
)
def test_unsupported_camt_versions(version, message):
    assert refusal(camt({}, version=version)) == message


def test_a_camt_052_report_is_not_a_statement():
    assert (
        refusal(sample("camt052_report.xml"))
        == "The file is a camt.052.001.08 message, not a CAMT.053 statement."
    )


def test_malformed_xml_names_lxmls_reason_and_line():
    assert refusal(sample("camt053_malformed.xml")) == (
        "The XML is not well-formed: "
        "Opening and ending tag mismatch: Ntry line 15 and Stmt, line 18, column 14."
    )


def test_a_camt_document_without_statements():
    assert (
        refusal(statements.camt053_statements([]))
        == "The CAMT.053 file holds no statement (BkToCstmrStmt/Stmt)."
    )


# --- Refused before anything is read: DOCTYPE, entities --------------------------------------

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Id>&xxe;</Id><Acct><Id><IBAN>RO03RNCB0082044456780001</IBAN></Id></Acct></Stmt></BkToCstmrStmt></Document>
"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&lol4;</Document>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>
"""
DOCTYPE = "The XML declares a DOCTYPE; bank statements never do, so it is refused."


@pytest.mark.parametrize("data", [XXE, LAUGHS, EXTERNAL_DTD])
def test_a_doctype_is_refused_and_no_entity_is_read(data):
    message = refusal(data)

    assert message == DOCTYPE
    assert "root:" not in message


def test_an_entity_without_a_doctype_is_not_expanded_either():
    data = camt({"remittance": "PRO-2026-000123"}).replace(b"PRO-2026-000123", b"&xxe;")

    assert refusal(data).startswith("The XML is not well-formed: Entity 'xxe' not defined")


# --- Entries -------------------------------------------------------------------------------


def test_the_amount_of_entry_12_is_not_a_number_in_either_format():
    entries = [{}] * 11 + [{"amount": "12,3x"}]
    message = "Entry 12: the amount “12,3x” is not a number."

    assert refusal(statements.mt940(entries)) == message
    assert refusal(camt(*entries)) == message


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12,30", "Entry 1: the amount “12,30” is not a number."),  # CAMT writes a decimal point
        ("1e3", "Entry 1: the amount “1e3” is not a number."),
        ("NaN", "Entry 1: the amount “NaN” is not a number."),
        ("", "Entry 1 has no amount."),
        ("0.00", "Entry 1: the amount “0.00” is not positive."),
        ("-5.00", "Entry 1: the amount “-5.00” is not positive."),
        ("10.005", "Entry 1: the amount “10.005” has more than two decimals."),
        (
            "1000000000000.00",
            "Entry 1: the amount “1000000000000.00” is too large (the limit is 999999999999.99).",
        ),
    ],
)
def test_camt_amounts_refused(amount, message):
    assert refusal(camt({"amount": amount})) == message


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("100.5", "100.50"), ("100.500", "100.50"), ("999999999999.99", "999999999999.99"), ("0.01", "0.01")],
)
def test_camt_amounts_accepted(amount, expected):
    assert parse_statement(camt({"amount": amount})).entries[0].amount == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12.30", "Entry 1: the amount “12.30” is not a number."),  # SWIFT writes a comma
        ("1,2,3", "Entry 1: the amount “1,2,3” is not a number."),
        (",", "Entry 1: the amount “,” is not a number."),
        ("0,00", "Entry 1: the amount “0,00” is not positive."),
        ("10,005", "Entry 1: the amount “10,005” has more than two decimals."),
        (
            "1000000000000,",
            "Entry 1: the amount “1000000000000,” is too large (the limit is 999999999999.99).",
        ),
    ],
)
def test_mt940_amounts_refused(amount, message):
    assert refusal(statements.mt940([{"amount": amount}])) == message


def test_the_currency_of_entry_3_is_not_iso_4217():
    assert (
        refusal(camt({}, {}, {"currency": "XYZ"})) == "Entry 3: the currency “XYZ” is not an ISO 4217 code."
    )
    assert refusal(camt({"currency": "LEI"})) == "Entry 1: the currency “LEI” is not an ISO 4217 code."
    assert refusal(camt({"currency": ""})) == "Entry 1 has no currency."


def test_entry_7_has_no_booking_date():
    assert refusal(camt(*[{}] * 6, {"booking_date": None})) == "Entry 7 has no booking date."


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"booking_date": date(1999, 12, 31)},
            "Entry 1: the booking date 1999-12-31 is not between 2000-01-01 and 2100-12-31.",
        ),
        (
            {"booking_date": date(2101, 1, 1)},
            "Entry 1: the booking date 2101-01-01 is not between 2000-01-01 and 2100-12-31.",
        ),
        ({"booking_date": "2026-02-30"}, "Entry 1: the booking date “2026-02-30” is not a date."),
        ({"booking_date": "02.03.2026"}, "Entry 1: the booking date “02.03.2026” is not a date."),
        ({"booking_date": "2026-03-02 10:00"}, "Entry 1: the booking date “2026-03-02 10:00” is not a date."),
        ({"value_date": "2026-13-01"}, "Entry 1: the value date “2026-13-01” is not a date."),
        (
            {"value_date": date(1999, 1, 1)},
            "Entry 1: the value date 1999-01-01 is not between 2000-01-01 and 2100-12-31.",
        ),
    ],
)
def test_camt_dates_refused(entry, message):
    assert refusal(camt(entry)) == message


def test_camt_dates_at_the_limits_are_accepted():
    entries = parse_statement(
        camt({"booking_date": date(2000, 1, 1)}, {"booking_date": date(2100, 12, 31), "value_date": None})
    ).entries

    assert [(entry.booking_date, entry.value_date) for entry in entries] == [
        (date(2000, 1, 1), date(2000, 1, 1)),
        (date(2100, 12, 31), None),
    ]


def test_a_credit_debit_indicator_neither_crdt_nor_dbit():
    data = re.sub(rb"(<Ntry>.*?<CdtDbtInd>)CRDT", rb"\1CRED", camt({}), count=1, flags=re.DOTALL)

    assert refusal(data) == "Entry 1: the credit/debit indicator “CRED” is neither CRDT nor DBIT."


def test_a_batch_transaction_without_an_amount():
    entry = {"amount": "30.00", "transactions": [{"amount": "10.00"}, {"amount": ""}]}

    assert refusal(camt({}, entry)) == "Entry 2: transaction 2 of the batch has no amount."


def test_the_statement_account_must_be_an_iban():
    assert refusal(camt({}, iban="")) == "Statement 1 has no account IBAN."
    assert refusal(camt({}, iban="RO00RNCB0082044456780001")) == (
        "Statement 1: the account “RO00RNCB0082044456780001” is not a valid IBAN."
    )
    two = statements.camt053_statements(
        [("RO03RNCB0082044456780001", "S1", "RON", [{}]), ("RO03RNCB00820444567800", "S2", "RON", [{}])]
    )
    assert refusal(two) == "Statement 2: the account “RO03RNCB00820444567800” is not a valid IBAN."


# --- MT940 ---------------------------------------------------------------------------------

MT940 = ":20:X\n:25:{account}\n:28C:1/1\n{balance}\n{lines}:62F:C260302RON100,00\n"


def mt940_text(lines: str = "", *, account: str = "RO03RNCB0082044456780001", balance: str = "") -> bytes:
    balance = balance or ":60F:C260302RON100,00"
    return MT940.format(account=account, balance=balance, lines=lines).encode()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (":61:2613020302C100,00NTRFNONREF", "Entry 1: the value date “261302” is not a date."),
        (":61:2604310302C100,00NTRFNONREF", "Entry 1: the value date “260431” is not a date."),
        (":61:2603021302C100,00NTRFNONREF", "Entry 1: the booking date “1302” is not a date."),
        (":61:26030C100,00NTRF", "The MT940 field :61: “26030C100,00NTRF” cannot be read."),
        (":61:2603020302X100,00NTRF", "The MT940 field :61: “2603020302X100,00NTRF” cannot be read."),
    ],
)
def test_mt940_statement_lines_refused(line, message):
    assert refusal(mt940_text(f"{line}\n")) == message


def test_a_30_february_is_the_last_day_of_february():
    """Some banks date month-end interest 30 February; the library reads it as the last day."""
    entry = parse_statement(mt940_text(":61:2602300228C1,00NINTNONREF\n")).entries[0]

    assert (entry.value_date, entry.booking_date) == (date(2026, 2, 28), date(2026, 2, 28))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            mt940_text(balance=":60F:C261302RON100,00"),
            "The MT940 balance :60F: has the date “261302”, which is not a date.",
        ),
        (
            mt940_text(balance=":60F:C260302RON1,0,0"),
            "The MT940 balance :60F: has the amount “1,0,0”, which is not a number.",
        ),
        (
            mt940_text(balance=":60F:C260302XYZ100,00"),
            "Statement 1: the currency “XYZ” is not an ISO 4217 code.",
        ),
        (
            b":20:X\n:25:RO03RNCB0082044456780001\n:61:2603020302C100,00NTRF\n",
            "Statement 1 has no balance (:60F:, :62F:) giving its currency.",
        ),
        (
            mt940_text(account="12345678/0123456789"),
            "Statement 1: the account “12345678/0123456789” is not a valid IBAN.",
        ),
        (b":20:X\n:61:2603020302C100,00NTRF\n", "Statement 1 has no account (:25:)."),
    ],
)
def test_mt940_statements_refused(data, message):
    assert refusal(data) == message


# --- Text: control characters and lengths --------------------------------------------------


def test_control_and_invisible_characters_are_cleaned_in_camt():
    entry = parse_statement(
        camt(
            {
                "payer_name": "SC\u00a0EXEMPLU\u202e SRL\u0085",
                "remittance": ["Plata\tproforma", "PRO-2026\u200b-000123\u2028\u2066x\u2069"],
            }
        )
    ).entries[0]

    assert entry.payer_name == "SC EXEMPLU SRL"
    assert entry.remittance == "Plata proforma PRO-2026-000123 x"


def test_control_characters_are_cleaned_in_mt940():
    data = statements.mt940(
        [{"remittance": "Plata\x07 proforma\x1b PRO-2026-000123\x7f", "payer_name": "SC\x00X"}]
    )

    entry = parse_statement(data).entries[0]

    assert (entry.remittance, entry.payer_name) == ("Plata proforma PRO-2026-000123", "SC X")


def test_long_text_is_cut_to_its_limit():
    entry = parse_statement(
        camt({"payer_name": "N" * 200, "remittance": ["R" * 140] * 5, "reference": "B" * 200})
    ).entries[0]

    assert entry.payer_name == "N" * 140
    assert entry.remittance == " ".join(["R" * 140] * 4)[:500]
    assert entry.bank_reference == "B" * 128
    assert len(entry.entry_key) <= 128


def test_messages_quote_long_values_shortened():
    assert refusal(camt({"amount": "9" * 60 + "x"})) == f"Entry 1: the amount “{'9' * 40}…” is not a number."
