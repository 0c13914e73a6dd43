"""camt.053 001.02 to 001.08: the sample files of Romanian banks' exports, and generated ones."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from praho.payments.statements import StatementEntry, parse_statement
from praho.payments.tests.statement_files import keys, parse_sample, rows
from praho.testing import statements

IBAN = "RO03RNCB0082044456780001"
EUR_IBAN = "RO73RNCB0082044456780002"
BT = "RO16BTRLRONCRT0123456701"
BRD = "RO76BRDE450SV12345674500"
ING = "RO21INGB0000999901234567"
RZB = "RO54RZBR0000060012345678"
CEC = "RO56CECEB00030RON1234567"


def test_version_02_reads_single_batch_fee_reversal_and_structured_entries():
    parsed = parse_sample("camt053_v02_bcr.xml")

    assert (parsed.format, parsed.statement_id, parsed.account_iban, parsed.currency) == (
        "camt.053.001.02",
        "0082044456780001-20260302",
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
        payer_name="SC EXEMPLU SRL",
        payer_iban=BT,  # written "RO16 BTRL RONC ..." in the file
        remittance="Plata proforma PRO-2026-000123",
        bank_reference="RNCB260302000101T",
        entry_key=f"{IBAN}:RNCB260302000101T",
    )
    assert rows(parsed)[1:] == [
        # The batch: amounts from TxDtls/AmtDtls/TxAmt/Amt, each its own payer and text.
        ("2026-03-02", "100.00", "RON", "C", "", "POPESCU ION PFA", BRD, "PRO-2026-000124"),
        (
            "2026-03-02",
            "150.00",
            "RON",
            "C",
            "",
            "SC ALFA DIGITAL SRL",
            ING,
            "Contravaloare gazduire proforma PRO-2026-000125",
        ),
        (
            "2026-03-02",
            "200.00",
            "RON",
            "C",
            "",
            "ASOCIATIA PRIETENII MUNTELUI",
            RZB,
            "Donatie? Nu: plata PRO-2026-000126",
        ),
        # The fee: no details, the additional entry information stands for the remittance.
        ("2026-03-02", "15.00", "RON", "D", "", "", "", "Comision administrare cont martie 2026"),
        (
            "2026-03-02",
            "119.00",
            "RON",
            "D",
            "reversal",
            "",
            "",
            "Retur plata PRO-2026-000099 - cont beneficiar eronat",
        ),
        # BookgDt/DtTm; only a structured creditor reference.
        ("2026-03-02", "196.80", "RON", "C", "", "SC BETA CONSTRUCT SRL", CEC, "PRO-2026-000130"),
    ]  # the pending entry is left out
    assert parsed.entries[5].value_date == date(2026, 2, 27)


def test_version_02_keys_use_the_banks_references_and_the_batch_position():
    parsed = parse_sample("camt053_v02_bcr.xml")

    assert keys(parsed)[:6] == [
        f"{IBAN}:RNCB260302000101T",
        f"{IBAN}:RNCB260302000102/1",
        f"{IBAN}:RNCB260302000102/2",
        f"{IBAN}:RNCB260302000102/3",
        f"{IBAN}:RNCB260302000103",
        f"{IBAN}:RNCB260302000104/reversal",
    ]
    assert keys(parsed)[6].startswith(f"{IBAN}:sha256:")
    assert [entry.bank_reference for entry in parsed.entries][1:4] == ["RNCB260302000102"] * 3


def test_version_04_identical_transfers_stay_two_entries_with_distinct_stable_keys():
    first, second = parse_sample("camt053_v04_identical.xml"), parse_sample("camt053_v04_identical.xml")

    twins = first.entries[:2]
    assert rows(first)[0] == rows(first)[1]
    assert twins[0].entry_key != twins[1].entry_key
    assert all(entry.entry_key.startswith(f"{IBAN}:sha256:") for entry in twins)
    assert keys(first) == keys(second)
    assert twins[0].value_date == date(2026, 3, 3)  # from ValDt/DtTm


def test_version_04_batch_amounts_texts_and_an_outgoing_payment():
    parsed = parse_sample("camt053_v04_identical.xml")

    assert parsed.format == "camt.053.001.04"
    assert rows(parsed)[2:] == [
        # TxDtls/Amt; free text and the structured reference together.
        ("2026-03-03", "300.00", "RON", "C", "", "SC GAMA SOFT SRL", RZB, "Factura proforma PRO-2026-000132"),
        # No RmtInf: AddtlTxInf instead; no debtor account.
        (
            "2026-03-03",
            "400.00",
            "RON",
            "C",
            "",
            "SC DELTA MEDIA SRL",
            "",
            "Transfer intern Delta Media - avans servicii",
        ),
        # A debit names no payer, though the file names the creditor.
        ("2026-03-03", "24.70", "RON", "D", "", "", "", "Reinnoire domeniu exemplu.ro"),
    ]
    assert keys(parsed)[2:] == [
        f"{IBAN}:RNCB260303000207/1",
        f"{IBAN}:RNCB260303000207/2",
        f"{IBAN}:RNCB260303000208T",
    ]
    assert parsed.entries[4].value_date is None


def test_version_06_two_statements_of_two_accounts_in_one_file():
    parsed = parse_sample("camt053_v06_two_accounts.xml")

    assert parsed.format == "camt.053.001.06"
    assert parsed.statement_id == "0082044456780001-20260304, 0082044456780002-20260304"
    assert (parsed.account_iban, parsed.currency) == ("", "")  # they differ: see each entry
    assert [(entry.account_iban, entry.currency) for entry in parsed.entries] == [
        (IBAN, "RON"),
        (EUR_IBAN, "EUR"),
        (EUR_IBAN, "EUR"),
    ]
    assert keys(parsed) == [
        f"{IBAN}:17@2026-03-04",  # only NtryRef: with the booking date
        f"{EUR_IBAN}:RNCB260304EUR0031",
        f"{EUR_IBAN}:RNCB260304EUR0032/reversal",
    ]
    returned = parsed.entries[2]
    assert (returned.is_credit, returned.is_reversal, returned.payer_name) == (
        True,
        True,
        "PRAHO HOSTING SRL",
    )
    assert parsed.entries[1].payer_name == "M&M Handels GmbH"
    assert parsed.entries[1].payer_iban == "DE89370400440532013000"


def test_version_08_party_choice_status_code_and_cleaned_text():
    parsed = parse_sample("camt053_v08_full.xml")

    assert (parsed.format, parsed.statement_id, parsed.account_iban, parsed.currency) == (
        "camt.053.001.08",
        "STMT-2026-03-05",
        IBAN,
        "RON",
    )
    first = parsed.entries[0]
    assert first.payer_name == "SC ȚESĂTORIA MUREȘ SRL"  # a line break and a tab inside, in the file
    assert first.payer_iban == BRD  # written in lower case
    assert first.remittance == "Plata proforma PRO-2026-000150, servicii cloud martie"
    assert rows(parsed)[1:] == [
        ("2026-03-05", "119.00", "RON", "C", "", "SC EXEMPLU SRL", BT, "PRO-2026-000151"),
        # Dbtr/Nm (the older shape) still read; a non-IBAN account gives no payer IBAN.
        ("2026-03-05", "119.00", "RON", "C", "", "POPESCU ION PFA", "", "PRO-2026-000152"),
        ("2026-03-05", "119.00", "RON", "C", "", "SC ALFA DIGITAL SRL", ING, "PRO-2026-000153"),
        ("2026-03-05", "119.00", "RON", "D", "reversal", "", "", "Stornare PRO-2026-000153"),
        ("2026-03-05", "450.56", "RON", "D", "", "", "", "Factura CD 2026/311 colocare"),
        (
            "2026-03-05",
            "200.00",
            "RON",
            "C",
            "",
            "SC BETA CONSTRUCT SRL",
            CEC,
            "Avans hosting PRO-2026-000154",
        ),
    ]  # the INFO entry is left out


def test_version_08_keys_tell_a_reversal_from_the_booking_it_reverses():
    parsed = parse_sample("camt053_v08_full.xml")

    assert keys(parsed)[:6] == [
        f"{IBAN}:BT26030500011-1",
        f"{IBAN}:BT26030500012-1",
        f"{IBAN}:BT26030500012-2",
        f"{IBAN}:BT26030500012-3",
        f"{IBAN}:BT26030500012-3/reversal",  # the bank reused the reversed transfer's reference
        f"{IBAN}:BT26030500014",
    ]
    assert keys(parsed)[6].startswith(f"{IBAN}:sha256:")
    # BookgDt/DtTm at 23:30 Bucharest time is still the 5th, not the 4th in UTC.
    assert parsed.entries[1].booking_date == date(2026, 3, 5)


@pytest.mark.parametrize(
    "name",
    [
        "camt053_v02_bcr.xml",
        "camt053_v04_identical.xml",
        "camt053_v06_two_accounts.xml",
        "camt053_v08_full.xml",
    ],
)
def test_keys_are_stable_distinct_and_short(name):
    first, second = parse_sample(name), parse_sample(name)

    assert keys(first) == keys(second)
    assert len(set(keys(first))) == len(first.entries)
    assert all(len(key) <= 128 for key in keys(first))


@pytest.mark.parametrize("version", [2, 3, 4, 5, 6, 7, 8])
def test_every_version_generated_reads_alike(version):
    entries = [
        {"amount": "238.00", "reference": "TX-1"},
        {"amount": "15.00", "credit": False, "account_servicer_reference": "FEE-1", "transactions": []},
        {
            "amount": "300.00",
            "account_servicer_reference": "BATCH-1",
            "transactions": [
                {"amount": "100.00", "payer_name": "SC UNU SRL", "remittance": "PRO-2026-000001"},
                {"amount": "200.00", "payer_name": "SC DOI SRL", "remittance": "PRO-2026-000002"},
            ],
        },
    ]

    parsed = parse_statement(statements.camt053(entries, version=version))

    assert parsed.format == f"camt.053.001.{version:02d}"
    assert [(str(entry.amount), entry.is_credit, entry.payer_name) for entry in parsed.entries] == [
        ("238.00", True, "SC EXEMPLU SRL"),
        ("15.00", False, ""),
        ("100.00", True, "SC UNU SRL"),
        ("200.00", True, "SC DOI SRL"),
    ]
    assert keys(parsed) == [f"{IBAN}:TX-1", f"{IBAN}:FEE-1", f"{IBAN}:BATCH-1/1", f"{IBAN}:BATCH-1/2"]


def test_an_overlapping_statement_gives_the_same_keys_to_the_same_bookings():
    monday = {"amount": "10.00", "remittance": "PRO-2026-000010", "booking_date": date(2026, 3, 2)}
    twin = {"amount": "20.00", "remittance": "PRO-2026-000020", "booking_date": date(2026, 3, 3)}
    wednesday = {"amount": "30.00", "reference": "REF-30", "booking_date": date(2026, 3, 4)}

    daily = parse_statement(statements.camt053([monday, twin, twin]))
    weekly = parse_statement(statements.camt053([monday, twin, twin, wednesday], statement_id="WEEK-10"))

    assert keys(weekly)[:3] == keys(daily)
    assert len(set(keys(weekly))) == 4


def test_the_hash_key_covers_what_tells_two_bookings_apart():
    base = {"amount": "10.00", "remittance": "PRO-2026-000010"}
    variants = [
        base,
        {**base, "amount": "10.01"},
        {**base, "booking_date": date(2026, 3, 3)},
        {**base, "credit": False},
        {**base, "payer_iban": RZB},
        {**base, "remittance": "PRO-2026-000011"},
        {**base, "currency": "EUR"},
    ]

    parsed = parse_statement(statements.camt053(variants))

    assert len(set(keys(parsed))) == len(variants)
    other_account = parse_statement(statements.camt053([base], iban=EUR_IBAN))
    assert keys(other_account)[0] != keys(parsed)[0]


def test_a_reference_repeated_in_one_file_is_counted():
    parsed = parse_statement(statements.camt053([{"reference": "SAME"}, {"reference": "SAME"}]))

    assert keys(parsed) == [f"{IBAN}:SAME", f"{IBAN}:SAME#2"]


def test_placeholder_references_are_no_references():
    parsed = parse_statement(
        statements.camt053([{"reference": "NOTPROVIDED", "account_servicer_reference": "NONREF"}])
    )

    assert parsed.entries[0].bank_reference == ""
    assert keys(parsed)[0].startswith(f"{IBAN}:sha256:")


def test_a_reference_too_long_for_the_key_is_hashed():
    reference = "R" * 120

    entry = parse_statement(statements.camt053([{"reference": reference}])).entries[0]

    assert entry.bank_reference == reference
    assert entry.entry_key.startswith(f"{IBAN}:ref-sha256:")
    assert len(entry.entry_key) <= 128


def test_a_transaction_indicator_overrides_the_entrys():
    entries = [
        {
            "amount": "50.00",
            "transactions": [{"amount": "80.00"}, {"amount": "30.00", "credit": False, "payer_name": "X"}],
        }
    ]

    parsed = parse_statement(statements.camt053(entries, version=8))

    assert [(entry.is_credit, entry.payer_name) for entry in parsed.entries] == [
        (True, "SC EXEMPLU SRL"),
        (False, ""),
    ]


def test_a_lone_transaction_takes_the_booked_amount_and_currency():
    """100 EUR sent, 497.50 RON booked: the entry is what reached the account."""
    document = statements.camt053(
        [{"amount": "497.50", "transactions": [{"amount": "100.00", "currency": "EUR"}]}]
    )

    entry = parse_statement(document).entries[0]

    assert (entry.amount, entry.currency) == (Decimal("497.50"), "RON")


def test_amount_forms_currency_case_and_statement_currency_from_the_balances():
    document = statements.camt053([{"amount": "100.5", "currency": "ron"}, {"amount": "7"}])
    document = document.replace(b"<Ccy>RON</Ccy>", b"")

    parsed = parse_statement(document)

    assert [(entry.amount, entry.currency) for entry in parsed.entries] == [
        (Decimal("100.50"), "RON"),
        (Decimal("7.00"), "RON"),
    ]
    assert parsed.currency == "RON"
    no_balances = re.sub(rb"<Bal>.*?</Bal>", b"", document, flags=re.DOTALL)
    assert parse_statement(no_balances).currency == "RON"  # the first entry's


def test_an_entry_without_details_and_a_prefixed_namespace():
    document = statements.camt053(
        [{"transactions": [], "additional_entry_info": "Dobanda  lunara\ncont curent"}], version=6
    )
    prefixed = (
        document.replace(b'xmlns="urn:', b'xmlns:camt="urn:')
        .replace(b"<", b"<camt:")
        .replace(b"<camt:/", b"</camt:")
    )
    prefixed = prefixed.replace(b"<camt:?xml", b"<?xml")

    for data in (document, prefixed):
        entry = parse_statement(data).entries[0]
        assert (entry.payer_name, entry.remittance) == ("", "Dobanda lunara cont curent")


@pytest.mark.parametrize(("declared", "codec"), [("ISO-8859-2", "iso-8859-2"), ("UTF-16", "utf-16")])
def test_xml_in_other_encodings(declared, codec):
    """Windows-1250's neighbour ISO-8859-2 has the cedilla letters Romanian exports use."""
    document = statements.camt053([{"payer_name": "SC ŢESĂTORIA MUREŞ SRL"}])
    text = document.decode("utf-8").replace("encoding='UTF-8'", f"encoding='{declared}'")
    assert declared in text

    entry = parse_statement(text.encode(codec)).entries[0]

    assert entry.payer_name == "SC ŢESĂTORIA MUREŞ SRL"


def test_a_statement_without_entries():
    parsed = parse_statement(statements.camt053([]))

    assert (parsed.entries, parsed.account_iban, parsed.currency) == ([], IBAN, "RON")


def test_remittance_lines_join_with_a_space_and_the_structured_reference_comes_last():
    entry = parse_statement(
        statements.camt053(
            [{"remittance": ["Plata proforma", "PRO-2026-000123", ""], "creditor_reference": "RF18 1234"}]
        )
    ).entries[0]

    assert entry.remittance == "Plata proforma PRO-2026-000123 RF18 1234"
