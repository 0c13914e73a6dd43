"""SWIFT MT940: the sample files, and generated ones for encodings, line ends and layouts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from praho.payments.statements import StatementEntry, parse_statement
from praho.payments.tests.statement_files import keys, parse_sample, rows, sample
from praho.testing import statements

IBAN = "RO03RNCB0082044456780001"
EUR_IBAN = "RO73RNCB0082044456780002"
BT = "RO16BTRLRONCRT0123456701"
ING = "RO21INGB0000999901234567"
RZB = "RO54RZBR0000060012345678"


def test_a_single_statement_in_windows_1250_with_free_text_details():
    parsed = parse_sample("mt940_single_bcr_cp1250.sta")

    assert (parsed.format, parsed.statement_id, parsed.account_iban, parsed.currency) == (
        "mt940",
        "BCR260302/00061/001",
        IBAN,
        "RON",
    )
    assert parsed.entries[0] == StatementEntry(
        account_iban=IBAN,
        booking_date=date(2026, 3, 2),
        value_date=date(2026, 3, 2),
        amount=Decimal("238.00"),
        currency="RON",
        is_credit=True,
        is_reversal=False,
        payer_name="",  # free text names no payer PRAHO could rely on
        payer_iban="",
        # The first line is cut at 65 characters inside the IBAN: it runs on without a space.
        remittance="Plata proforma PRO-2026-000123 de la SC EXEMPLU SRL, cont RO16BTRLRONCRT0123456701, "
        "CUI RO12345678",
        bank_reference="RNCB260302000101",
        entry_key=f"{IBAN}:RNCB260302000101",
    )
    assert rows(parsed)[1:] == [
        # A short line ends a word: the next one follows after a space.
        ("2026-03-02", "15.00", "RON", "D", "", "", "", "Comision administrare cont martie 2026"),
        (
            "2026-03-02",
            "119.00",
            "RON",
            "D",
            "reversal",
            "",
            "",
            "Retur plată PRO-2026-000099 - cont beneficiar eronat",
        ),
        (
            "2026-03-02",
            "196.80",
            "RON",
            "C",
            "",
            "",
            "",
            "Plată proforma PRO-2026-000130, SC ŞTEFĂNESCU & FIII SRL, Ţăndărei",
        ),
        (
            "2026-03-02",
            "60.00",
            "RON",
            "C",
            "reversal",
            "",
            "",
            "Retur plată către furnizor - IBAN inexistent",
        ),
    ]
    assert parsed.entries[2].value_date == date(2026, 2, 27)  # booked on 2 March (entry date 0302)


def test_single_statement_keys():
    parsed = parse_sample("mt940_single_bcr_cp1250.sta")

    assert keys(parsed) == [
        f"{IBAN}:RNCB260302000101",
        f"{IBAN}:RNCB260302000103",
        f"{IBAN}:RNCB260302000104/reversal",
        keys(parsed)[3],
        f"{IBAN}:RNCB260302000106/reversal",
    ]
    assert keys(parsed)[3].startswith(f"{IBAN}:sha256:")  # NONREF
    assert keys(parse_sample("mt940_single_bcr_cp1250.sta")) == keys(parsed)


def test_several_statements_with_structured_details():
    parsed = parse_sample("mt940_multi_structured.sta")

    assert parsed.statement_id == "STMT260303/62/1, STMT260304/63/1"
    assert (parsed.account_iban, parsed.currency) == ("", "")  # a RON and a EUR account
    assert [(entry.account_iban, entry.currency) for entry in parsed.entries] == [(IBAN, "RON")] * 5 + [
        (EUR_IBAN, "EUR")
    ]
    assert rows(parsed) == [
        ("2026-03-03", "59.50", "RON", "C", "", "IONESCU MARIA", ING, "Abonament gazduire PRO-2026-000131"),
        ("2026-03-03", "59.50", "RON", "C", "", "IONESCU MARIA", ING, "Abonament gazduire PRO-2026-000131"),
        # ?32 and ?33 make one name; ?20 and ?21 one text, cut inside the reference.
        (
            "2026-03-03",
            "200.00",
            "RON",
            "C",
            "",
            "ASOCIATIA PRIETENII MUNTELUI",
            RZB,
            "Donatie - nu, plata PRO-2026-000126",
        ),
        ("2026-03-03", "24.70", "RON", "D", "", "", "", "Reinnoire domeniu exemplu.ro"),
        (
            "2026-03-04",
            "119.00",
            "RON",
            "C",
            "",
            "SC EXEMPLU SRL",
            BT,
            "Plata proforma PRO-2026-000099 (retrimisa)",
        ),
        # SEPA keywords: the remittance is what follows SVWZ+.
        (
            "2026-03-04",
            "250.00",
            "EUR",
            "C",
            "",
            "M&M Handels GmbH",
            "DE89370400440532013000",
            "Proforma PRO-2026-000141 Server dedicat",
        ),
    ]


def test_identical_transfers_get_the_keys_their_camt_statement_gives_them():
    mt940 = parse_sample("mt940_multi_structured.sta")
    camt = parse_sample("camt053_v04_identical.xml")

    assert keys(mt940)[0] != keys(mt940)[1]
    assert keys(mt940)[:2] == keys(camt)[:2]
    assert keys(mt940)[2:] == [
        f"{IBAN}:RNCB260303000209",
        f"{IBAN}:RNCB260303000208",
        f"{IBAN}:RNCB260304000301",
        f"{EUR_IBAN}:RNCB260304EUR0031",
    ]


def test_the_generated_statement_reads_back():
    entries = [
        {"amount": Decimal("238.00"), "bank_reference": "REF-1"},
        {"amount": "15,00", "credit": False, "details": "Comision"},
        {"amount": "119,00", "mark": "RC", "bank_reference": "REF-1"},
        {"amount": "60,00", "mark": "RD", "payer_name": "SC FOARTE LUNG NUME DE FIRMA EXEMPLU SRL"},
    ]

    parsed = parse_statement(statements.mt940(entries))

    assert rows(parsed) == [
        ("2026-03-02", "238.00", "RON", "C", "", "SC EXEMPLU SRL", BT, "Plata proforma PRO-2026-000123"),
        ("2026-03-02", "15.00", "RON", "D", "", "", "", "Comision"),
        ("2026-03-02", "119.00", "RON", "D", "reversal", "", "", "Plata proforma PRO-2026-000123"),
        (
            "2026-03-02",
            "60.00",
            "RON",
            "C",
            "reversal",
            "SC FOARTE LUNG NUME DE FIRMA EXEMPLU SRL",
            BT,
            "Plata proforma PRO-2026-000123",
        ),
    ]
    assert keys(parsed)[:3] == [f"{IBAN}:REF-1", keys(parsed)[1], f"{IBAN}:REF-1/reversal"]


@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250"])
def test_encodings_and_line_ends_read_alike(encoding, line_end):
    entries = [
        {"payer_name": "SC ŢESĂTORIA MUREŞ SRL", "remittance": "Plată proforma PRO-2026-000150 în avans"}
    ]
    expected = parse_statement(statements.mt940(entries))

    parsed = parse_statement(statements.mt940(entries, encoding=encoding, line_end=line_end))

    assert parsed == expected
    assert parsed.entries[0].payer_name == "SC ŢESĂTORIA MUREŞ SRL"


def test_latin_1_is_the_last_resort():
    """Bytes Windows-1250 leaves undefined (0x81) make the file Latin-1; the control goes."""
    data = statements.mt940([{"remittance": "Café\x81 PRO-2026-000160"}], encoding="latin-1")

    assert parse_statement(data).entries[0].remittance == "Café PRO-2026-000160"


def test_comma_below_letters_in_utf_8():
    data = statements.mt940([{"payer_name": "SC ȚESĂTORIA MUREȘ SRL"}])

    assert parse_statement(data).entries[0].payer_name == "SC ȚESĂTORIA MUREȘ SRL"


def test_a_swift_envelope_and_the_account_forms_of_field_25():
    plain = parse_statement(statements.mt940([{}], bic=None))

    for variant in (
        statements.mt940([{}], envelope=True),
        statements.mt940([{}], bic="RNCBROBU"),
        statements.mt940([{}], bic=None).replace(IBAN.encode(), b"RO03 RNCB 0082 0444 5678 0001"),
        statements.mt940([{}], bic=None).replace(IBAN.encode(), IBAN.encode() + b"RON"),
    ):
        assert parse_statement(variant).entries == plain.entries


def test_free_text_details_and_lines_without_details():
    entries = [{"remittance": "Plata proforma PRO-2026-000170"}, {"details": False}, {"details": ""}]

    parsed = parse_statement(statements.mt940(entries, structured=False))

    assert [entry.remittance for entry in parsed.entries] == [
        f"Plata proforma PRO-2026-000170 SC EXEMPLU SRL {BT}",
        "",
        "",
    ]
    assert [entry.payer_name for entry in parsed.entries] == ["", "", ""]


def test_amount_forms_and_dates():
    entries = [
        {"amount": "1234,5", "value_date": date(2025, 12, 31), "entry_date": "0102"},
        {"amount": "100,", "entry_date": None},
        {"amount": "7"},
    ]

    parsed = parse_statement(statements.mt940(entries))

    assert [(entry.amount, entry.booking_date, entry.value_date) for entry in parsed.entries] == [
        (Decimal("1234.50"), date(2026, 1, 2), date(2025, 12, 31)),  # booked in the new year
        (Decimal("100.00"), date(2026, 3, 2), date(2026, 3, 2)),  # no entry date: the value date
        (Decimal("7.00"), date(2026, 3, 2), date(2026, 3, 2)),
    ]


def test_the_customer_reference_is_not_the_banks():
    entry = parse_statement(
        statements.mt940([{"customer_reference": "PRO2026000123", "bank_reference": "NONREF"}])
    ).entries[0]

    assert entry.bank_reference == ""
    assert entry.entry_key.startswith(f"{IBAN}:sha256:")


def test_a_debit_names_no_payer_and_a_local_account_is_no_iban():
    parsed = parse_statement(
        statements.mt940([{"credit": False}, {"payer_iban": "0123456789"}, {"payer_iban": ""}])
    )

    assert [(entry.payer_name, entry.payer_iban) for entry in parsed.entries] == [
        ("", ""),
        ("SC EXEMPLU SRL", ""),
        ("SC EXEMPLU SRL", ""),
    ]


def test_entries_are_numbered_across_statements():
    first = statements.mt940([{}, {}], statement_id="S1")
    second = statements.mt940([{"amount": "1,2,3"}], statement_id="S2")

    with pytest.raises(ValueError, match=r"^Entry 3: the amount “1,2,3” is not a number\.$"):
        parse_statement(first + second)


def test_the_broken_amount_sample_names_its_entry():
    with pytest.raises(ValueError, match=r"^Entry 2: the amount “12,3x” is not a number\.$"):
        parse_statement(sample("mt940_broken_amount.sta"))


def test_a_statement_without_lines():
    parsed = parse_statement(statements.mt940([]))

    assert (parsed.entries, parsed.account_iban, parsed.currency) == ([], IBAN, "RON")
