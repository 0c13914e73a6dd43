"""The VAT engine: a seller that is not a VAT payer, facts from our own data, document mentions, staff
overrides and properties. Split from test_vat.py, whose helpers it uses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from praho.billing.models import VatCategory, VatRate
from praho.billing.rules.vat import (
    BuyerFacts,
    SellerFacts,
    VatTreatment,
    buyer_facts,
    determine_treatment,
    document_mentions,
    rate_on,
    rates_in_force,
    seller_facts,
    vat_override,
)
from praho.billing.rules.vat_rates import DATA, TABLE_START
from praho.billing.tests.test_vat import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    AMERICAN_COMPANY,
    CASH_BASIS_SELLER,
    DB_PROPERTY,
    FIRST_DAY_OF_21,
    FRENCH_PERSON,
    GERMAN_COMPANY,
    LAST_DAY_OF_19,
    NOT_A_VAT_PAYER,
    NOT_REGISTERED_MENTION,
    OUTSIDE_EU_COMPANY_MENTION,
    REVERSE_CHARGE_MENTION,
    ROMANIAN_COMPANY,
    ROMANIAN_PERSON,
    SELLER,
    STANDARD,
    _codes,
    _messages,
    _ro_vat,
    empty_rate_table,
    vat_rates,
)
from praho.core.countries import EU_MEMBER_STATES
from praho.customers.models import Customer

# --- a seller that is not a VAT payer ----------------------------------------------------------


@pytest.mark.parametrize(
    "buyer",
    [ROMANIAN_COMPANY, ROMANIAN_PERSON, GERMAN_COMPANY, FRENCH_PERSON, AMERICAN_COMPANY],
    ids=["RO company", "RO person", "EU business", "EU consumer", "non-EU"],
)
def test_a_seller_that_is_not_a_vat_payer_charges_no_vat(db, buyer):
    # No rate is looked up: the table may even be empty.
    assert determine_treatment(seller=NOT_A_VAT_PAYER, buyer=buyer, on=FIRST_DAY_OF_21) == VatTreatment(
        category="O",
        rate=Decimal("0"),
        mention=NOT_REGISTERED_MENTION,
        exemption_reason_code="VATEX-EU-O",
        exemption_reason="The supplier is not registered for VAT (art. 310 of the Romanian Fiscal Code).",
        vat_country="",
    )


def test_the_engine_applies_romanian_rules_only():
    with pytest.raises(ValueError, match="Romanian rules"):
        SellerFacts(vat_payer=True, country="BG")


# --- facts from our own data ----------------------------------------------------------------


def test_buyer_facts_come_from_the_customer(carol_customer, alice_admin):
    german = Customer.objects.create(
        kind="company", name="Hosting GmbH", country="DE", tax_id="DE136695976", vies_status="valid"
    )

    assert buyer_facts(carol_customer) == BuyerFacts(
        kind="company", country="RO", tax_id="RO18547290", vies_status="unchecked"
    )
    assert buyer_facts(german) == GERMAN_COMPANY


def test_seller_facts_come_from_the_seller_settings():
    settings_row = SimpleNamespace(country="RO", vat_payer=True, vat_on_cash_basis=True, oss_registered=False)

    assert seller_facts(settings_row) == CASH_BASIS_SELLER


# --- document mentions ---------------------------------------------------------------------------


def test_a_cash_basis_seller_prints_tva_la_incasare_on_a_document_with_romanian_vat(vat_rates):
    treatment = determine_treatment(seller=CASH_BASIS_SELLER, buyer=ROMANIAN_COMPANY, on=FIRST_DAY_OF_21)

    assert document_mentions(CASH_BASIS_SELLER, [treatment, treatment]) == [
        "TVA la încasare / VAT on a cash basis"
    ]
    with translation.override("ro"):
        assert document_mentions(CASH_BASIS_SELLER, [treatment]) == ["TVA la încasare"]


def test_a_cash_basis_seller_prints_it_after_the_lines_mentions(vat_rates):
    reverse_charge = determine_treatment(seller=CASH_BASIS_SELLER, buyer=GERMAN_COMPANY, on=FIRST_DAY_OF_21)
    taxed = _ro_vat("21")

    assert document_mentions(CASH_BASIS_SELLER, [reverse_charge, taxed, reverse_charge]) == [
        REVERSE_CHARGE_MENTION,
        "TVA la încasare / VAT on a cash basis",
    ]


def test_a_document_without_romanian_vat_has_no_cash_basis_mention(vat_rates):
    reverse_charge = determine_treatment(seller=CASH_BASIS_SELLER, buyer=GERMAN_COMPANY, on=FIRST_DAY_OF_21)
    outside = determine_treatment(seller=CASH_BASIS_SELLER, buyer=AMERICAN_COMPANY, on=FIRST_DAY_OF_21)
    oss_seller = SellerFacts(vat_payer=True, vat_on_cash_basis=True, oss_registered=True)
    oss = determine_treatment(seller=oss_seller, buyer=FRENCH_PERSON, on=FIRST_DAY_OF_21)

    assert document_mentions(CASH_BASIS_SELLER, [reverse_charge, outside]) == [
        REVERSE_CHARGE_MENTION,
        OUTSIDE_EU_COMPANY_MENTION,
    ]
    assert document_mentions(oss_seller, [oss]) == [
        "VAT of FR, declared under the One Stop Shop (OSS) scheme."
    ]


def test_a_seller_not_on_cash_basis_prints_only_the_lines_mentions(vat_rates):
    assert document_mentions(SELLER, [_ro_vat("21")]) == []
    assert document_mentions(NOT_A_VAT_PAYER, []) == []


# --- overrides by billing staff ---------------------------------------------------------------------


def test_staff_may_choose_another_rate_in_force(vat_rates):
    treatment = vat_override(
        category="S",
        rate="11",
        reason="Reduced rate: book sold with the plan",
        country="RO",
        on=FIRST_DAY_OF_21,
    )

    assert treatment == _ro_vat("11.00")
    assert str(treatment.rate) == "11.00"


def test_a_rate_not_in_force_on_the_day_is_refused(vat_rates):
    with pytest.raises(ValidationError) as error:
        vat_override(category="S", rate=Decimal("19"), reason="Old price", country="RO", on=FIRST_DAY_OF_21)

    assert _codes(error.value) == {"vat_rate": ["rate_not_in_force"]}
    assert _messages(error.value) == {
        "vat_rate": ["19% is not a VAT rate of RO on 2025-08-01; use one of: 21.00%, 11.00%."]
    }


def test_every_bad_part_of_an_override_is_reported_at_once(vat_rates):
    with pytest.raises(ValidationError) as error:
        vat_override(category="X", rate="abc", reason="  ", country="RO", on=FIRST_DAY_OF_21)

    assert _codes(error.value) == {
        "vat_category": ["invalid_category"],
        "vat_rate": ["invalid"],
        "vat_override_reason": ["required"],
    }


@pytest.mark.parametrize("category", ["AE", "O", "E", "Z", "K", "G"])
def test_a_category_other_than_s_takes_a_rate_of_zero(vat_rates, category):
    with pytest.raises(ValidationError) as error:
        vat_override(
            category=category,
            rate="21",
            reason="Customer asked",
            country="RO",
            on=FIRST_DAY_OF_21,
            exemption_reason="art. 292",
        )

    assert _codes(error.value) == {"vat_rate": ["rate_must_be_zero"]}


def test_an_exemption_override_needs_its_legal_reason(vat_rates):
    with pytest.raises(ValidationError) as error:
        vat_override(category="E", rate="0", reason="Medical services", country="RO", on=FIRST_DAY_OF_21)

    assert _codes(error.value) == {"vat_exemption_reason": ["required"]}


def test_overrides_build_the_treatment_of_their_category(vat_rates):
    common = {"rate": "0", "reason": "Checked by the accountant", "country": "RO", "on": FIRST_DAY_OF_21}

    assert vat_override(category="AE", **common) == determine_treatment(
        seller=SELLER, buyer=GERMAN_COMPANY, on=FIRST_DAY_OF_21
    )
    assert vat_override(
        category="E", exemption_reason="art. 292 alin. (2)", exemption_reason_code="VATEX-EU-132", **common
    ) == VatTreatment("E", Decimal("0"), "art. 292 alin. (2)", "VATEX-EU-132", "art. 292 alin. (2)", "RO")
    assert vat_override(category="O", **common) == VatTreatment(
        "O",
        Decimal("0"),
        "Outside the scope of Romanian VAT",
        "VATEX-EU-O",
        "Outside the scope of Romanian VAT",
        "",
    )
    assert vat_override(category="K", **common).exemption_reason_code == "VATEX-EU-IC"
    assert vat_override(category="G", **common).exemption_reason_code == "VATEX-EU-G"


def test_an_oss_override_takes_a_rate_of_the_consumers_state(vat_rates):
    assert vat_override(
        category="S", rate="19", reason="Consumer in Germany", country="de", on=FIRST_DAY_OF_21
    ) == VatTreatment(
        category="S",
        rate=Decimal("19"),
        mention="VAT of DE, declared under the One Stop Shop (OSS) scheme.",
        vat_country="DE",
    )


def test_the_categories_are_those_of_en_16931():
    assert VatCategory.values == ["S", "Z", "E", "AE", "K", "G", "O"]


# --- properties -----------------------------------------------------------------------------------


@DB_PROPERTY
@given(day=st.dates(min_value=FIRST_DAY_OF_21, max_value=date(2099, 12, 31)))
def test_from_2025_08_01_on_the_romanian_standard_rate_is_21(vat_rates, day):
    assert rate_on("RO", STANDARD, day) == Decimal("21")
    assert determine_treatment(seller=SELLER, buyer=ROMANIAN_COMPANY, on=day) == _ro_vat("21")


@DB_PROPERTY
@given(day=st.dates(min_value=TABLE_START, max_value=LAST_DAY_OF_19))
def test_until_2025_07_31_the_romanian_standard_rate_is_19(vat_rates, day):
    assert rate_on("RO", STANDARD, day) == Decimal("19")


@DB_PROPERTY
@given(
    country=st.sampled_from(sorted(EU_MEMBER_STATES)),
    day=st.dates(min_value=FIRST_DAY_OF_21, max_value=date(2026, 12, 31)),
)
def test_every_member_state_has_exactly_one_standard_rate_on_any_day(vat_rates, country, day):
    assert VatRate.objects.in_force(day).filter(country=country, kind=STANDARD).count() == 1


@DB_PROPERTY
@given(
    country=st.sampled_from(sorted(EU_MEMBER_STATES - {"RO"})),
    day=st.dates(min_value=TABLE_START, max_value=date(2026, 12, 31)),
    oss=st.booleans(),
)
def test_an_eu_consumer_pays_the_standard_rate_of_the_state_oss_points_to(vat_rates, country, day, oss):
    seller = SellerFacts(vat_payer=True, oss_registered=oss)
    consumer = BuyerFacts(kind="individual", country=country)

    treatment = determine_treatment(seller=seller, buyer=consumer, on=day)

    taxed_in = country if oss else "RO"
    assert (treatment.category, treatment.vat_country) == ("S", taxed_in)
    assert treatment.rate == rate_on(taxed_in, STANDARD, day)
    assert treatment.rate in rates_in_force(taxed_in, day)


@given(
    country=st.sampled_from(sorted(EU_MEMBER_STATES)),
    day=st.dates(min_value=TABLE_START, max_value=date(2026, 12, 31)),
)
def test_the_seed_data_gives_each_state_one_standard_rate_every_day_since_the_start(country, day):
    in_force = [
        row
        for row in DATA
        if row.key == (country, STANDARD, "")
        and row.valid_from <= day
        and (row.valid_to is None or day <= row.valid_to)
    ]

    assert len(in_force) == 1
