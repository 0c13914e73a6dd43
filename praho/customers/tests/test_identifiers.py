import pytest
from django.core.exceptions import ValidationError

from praho.customers.rules.identifiers import (
    BUCHAREST_SECTORS,
    ROMANIAN_COUNTIES,
    check_romanian_address,
    display_tax_id,
    normalize_iban,
    normalize_phone,
    normalize_tax_id,
    normalize_trade_register,
)


def _errors(call, **kwargs):
    with pytest.raises(ValidationError) as failure:
        call(**kwargs)
    return failure.value.message_dict


@pytest.mark.parametrize(
    ("kind", "country", "value", "normalized"),
    [
        ("company", "RO", "18547290", "RO18547290"),
        ("company", "RO", "RO 18547290", "RO18547290"),
        ("company", "RO", "ro18547290", "RO18547290"),
        ("company", "BG", "175074752", "BG175074752"),
        ("company", "BG", "BG 175074752", "BG175074752"),
        ("company", "DE", "DE136695976", "DE136695976"),
        ("company", "DE", "136695976", "DE136695976"),
        ("company", "FR", "FR 40 303 265 045", "FR40303265045"),
        ("company", "GR", "094014201", "EL094014201"),
        ("company", "US", " 12-3456789 ", "12-3456789"),
        ("company", "DE", "", ""),
        ("individual", "RO", "1630615123457", "1630615123457"),
        ("individual", "RO", "", ""),
        ("individual", "DE", "", ""),
    ],
)
def test_valid_tax_ids_are_normalised_for_comparison(kind, country, value, normalized):
    assert normalize_tax_id(kind=kind, country=country, value=value) == normalized


@pytest.mark.parametrize(
    ("kind", "country", "value", "message"),
    [
        ("company", "RO", "18547291", "CUI is not valid: the check digit is wrong."),
        ("company", "RO", "RO18547291", "CUI is not valid: the check digit is wrong."),
        ("company", "RO", "ABC", "CUI is not valid: it is not in the expected format."),
        ("company", "RO", "", "A Romanian company must have a CUI."),
        ("company", "BG", "175074753", "EIK/BULSTAT is not valid: the check digit is wrong."),
        ("company", "DE", "DE136695978", "VAT number is not valid: the check digit is wrong."),
        ("company", "FR", "DE136695976", "VAT number must belong to the customer's country (FR)."),
        ("individual", "RO", "1630615123458", "CNP is not valid: the check digit is wrong."),
        (
            "individual",
            "RO",
            "1631315123457",
            "CNP is not valid: part of it is impossible (such as a date or a county code).",
        ),
        ("individual", "RO", "16306151234", "CNP is not valid: it has the wrong number of characters."),
    ],
)
def test_invalid_tax_ids_are_refused_naming_the_field_and_the_rule(kind, country, value, message):
    assert _errors(normalize_tax_id, kind=kind, country=country, value=value) == {"tax_id": [message]}


def test_romanian_vat_payers_show_the_ro_prefix_and_others_the_bare_cui():
    assert display_tax_id("RO18547290", country="RO", vat_payer=True) == "RO 18547290"
    assert display_tax_id("RO18547290", country="RO", vat_payer=False) == "18547290"
    assert display_tax_id("DE136695976", country="DE", vat_payer=True) == "DE136695976"


def test_ibans_are_checked_and_compacted():
    assert normalize_iban("RO49 AAAA 1B31 0075 9384 0000") == "RO49AAAA1B31007593840000"
    assert normalize_iban("") == ""
    assert _errors(normalize_iban, value="RO48 AAAA 1B31 0075 9384 0000") == {
        "iban": ["IBAN is not valid: the check digit is wrong."]
    }


@pytest.mark.parametrize(
    ("value", "normalized"), [("j40/123/2020", "J40/123/2020"), ("J2012000750528", "J2012000750528")]
)
def test_trade_register_numbers_accept_the_old_and_the_2024_form(value, normalized):
    assert normalize_trade_register(value) == normalized


def test_a_2024_trade_register_number_with_a_wrong_check_digit_is_refused():
    assert _errors(normalize_trade_register, value="J2012000750529") == {
        "trade_register_number": ["Trade register number is not valid: the check digit is wrong."]
    }


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("0721 234 567", "+40721234567"),
        ("+40 21 318 1000", "+40213181000"),
        ("+359 2 987 6543", "+35929876543"),
        ("", ""),
    ],
)
def test_phones_are_stored_in_e164_with_romania_as_the_default_region(value, e164):
    assert normalize_phone(value) == e164


@pytest.mark.parametrize("value", ["12", "not a phone", "0721"])
def test_invalid_phones_are_refused(value):
    assert _errors(normalize_phone, value=value) == {
        "phone": ["Enter a valid phone number, e.g. +40 721 234 567."]
    }


def test_romania_has_41_counties_and_bucharest_with_six_sectors():
    assert len(ROMANIAN_COUNTIES) == 42
    assert ROMANIAN_COUNTIES["RO-CJ"] == "Cluj"
    assert BUCHAREST_SECTORS == ("Sector 1", "Sector 2", "Sector 3", "Sector 4", "Sector 5", "Sector 6")


def test_a_romanian_address_needs_a_county_code_and_bucharest_a_sector():
    check_romanian_address(country="RO", county="RO-CJ", city="Cluj-Napoca")
    check_romanian_address(country="RO", county="RO-B", city="Sector 3")
    check_romanian_address(country="DE", county="", city="Berlin")
    assert _errors(check_romanian_address, country="RO", county="CJ", city="Cluj-Napoca") == {
        "county": ["Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."]
    }
    assert _errors(check_romanian_address, country="RO", county="RO-B", city="Bucuresti") == {
        "city": ["In Bucharest the city is a sector: Sector 1 to Sector 6."]
    }
