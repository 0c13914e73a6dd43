"""The VAT engine and its rates table: every rule with exact results."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from hypothesis import HealthCheck, settings

from praho.billing.models import VatRate, VatRateKind
from praho.billing.rules.vat import (
    BuyerFacts,
    SellerFacts,
    VatTreatment,
    determine_treatment,
    rate_on,
    rates_in_force,
    tax_point,
)
from praho.billing.rules.vat_rates import DATA, TABLE_START, SeedRate, SeedResult, overlaps, seed_vat_rates
from praho.core.countries import EU_MEMBER_STATES

STANDARD, REDUCED = VatRateKind.STANDARD, VatRateKind.REDUCED
LAST_DAY_OF_19 = date(2025, 7, 31)
FIRST_DAY_OF_21 = date(2025, 8, 1)

SELLER = SellerFacts(vat_payer=True)
OSS_SELLER = SellerFacts(vat_payer=True, oss_registered=True)
CASH_BASIS_SELLER = SellerFacts(vat_payer=True, vat_on_cash_basis=True)
NOT_A_VAT_PAYER = SellerFacts(vat_payer=False)

ROMANIAN_COMPANY = BuyerFacts(kind="company", country="RO", tax_id="RO18547290")
ROMANIAN_PERSON = BuyerFacts(kind="individual", country="RO")
GERMAN_COMPANY = BuyerFacts(kind="company", country="DE", tax_id="DE136695976", vies_status="valid")
GREEK_COMPANY = BuyerFacts(kind="company", country="GR", tax_id="EL094259216", vies_status="valid")
FRENCH_PERSON = BuyerFacts(kind="individual", country="FR")
AMERICAN_COMPANY = BuyerFacts(kind="company", country="US", tax_id="12-3456789")
SWISS_PERSON = BuyerFacts(kind="individual", country="CH")

REVERSE_CHARGE_MENTION = (
    "Taxare inversă / Reverse charge "
    "(art. 278(2) of the Romanian Fiscal Code; art. 44 and 196 of Directive 2006/112/EC)"
)
NOT_REGISTERED_MENTION = (
    "VAT not charged: the supplier is not registered for VAT "
    "(special exemption scheme for small enterprises, art. 310 of the Romanian Fiscal Code)."
)
OUTSIDE_EU_COMPANY_MENTION = (
    "Outside the scope of Romanian VAT (the place of supply is where the customer is established, "
    "art. 278(2) of the Romanian Fiscal Code)."
)
OUTSIDE_EU_PERSON_MENTION = (
    "Outside the scope of Romanian VAT (electronically supplied services are supplied where the "
    "customer lives, art. 278(5)(h) of the Romanian Fiscal Code)."
)

# The Commission's table (TEDB) on 2026-01-15, without super-reduced, parking and regional rates.
STANDARD_RATES_2026 = {
    "AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25",
    "EE": "24", "ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27",
    "IE": "23", "IT": "22", "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21",
    "PL": "23", "PT": "23", "RO": "21", "SE": "25", "SI": "22", "SK": "23",
}  # fmt: skip
REDUCED_RATES_2026 = {
    "AT": ["13", "10"], "BE": ["12", "6"], "BG": ["9"], "CY": ["9", "5"], "CZ": ["12"],
    "DE": ["7"], "DK": [], "EE": ["13", "9"], "ES": ["10"], "FI": ["13.5", "10"],
    "FR": ["10", "5.5"], "GR": ["13", "6"], "HR": ["13", "5"], "HU": ["18", "5"],
    "IE": ["13.5", "9"], "IT": ["10", "5"], "LT": ["12", "5"], "LU": ["14", "8"],
    "LV": ["12", "5"], "MT": ["7", "5"], "NL": ["9"], "PL": ["8", "5"], "PT": ["13", "6"],
    "RO": ["11"], "SE": ["12", "6"], "SI": ["9.5", "5"], "SK": ["19", "5"],
}  # fmt: skip

DB_PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def empty_rate_table(db):
    """The migration seeds the table; these tests start from before that."""
    VatRate.objects.all().delete()


@pytest.fixture
def vat_rates(db):
    seed_vat_rates()


def _codes(error: ValidationError) -> dict[str, list[str | None]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return {field: [m for e in errors for m in e.messages] for field, errors in error.error_dict.items()}


def _ro_vat(rate: str) -> VatTreatment:
    return VatTreatment(category="S", rate=Decimal(rate), vat_country="RO")


# --- the seeded table -----------------------------------------------------------------


def test_the_seed_covers_exactly_the_27_member_states(vat_rates):
    assert set(VatRate.objects.values_list("country", flat=True)) == EU_MEMBER_STATES
    assert len(EU_MEMBER_STATES) == 27
    assert VatRate.objects.count() == len(DATA) == 84


def test_seeding_twice_changes_nothing(vat_rates):
    before = list(VatRate.objects.order_by("pk").values())

    assert seed_vat_rates() == SeedResult(created=0, closed=0)
    assert list(VatRate.objects.order_by("pk").values()) == before


def test_the_first_seed_creates_every_row(empty_rate_table):
    assert seed_vat_rates() == SeedResult(created=84, closed=0)


def test_the_seed_closes_a_period_that_a_newer_table_ends(empty_rate_table):
    # As stored by an older table, before Romania's rate changed.
    VatRate.objects.create(country="RO", kind=STANDARD, name="", rate=Decimal("19"), valid_from=TABLE_START)

    assert seed_vat_rates() == SeedResult(created=83, closed=1)
    assert VatRate.objects.get(country="RO", kind=STANDARD, rate=Decimal("19")).valid_to == LAST_DAY_OF_19


def test_the_seed_keeps_a_rate_corrected_by_hand(vat_rates):
    VatRate.objects.filter(country="BG", kind=REDUCED).update(rate=Decimal("9.50"))

    assert seed_vat_rates() == SeedResult(created=0, closed=0)
    assert rate_on("BG", REDUCED, date(2026, 1, 15)) == Decimal("9.50")


def test_the_seed_refuses_to_leave_overlapping_periods_and_saves_nothing(empty_rate_table):
    VatRate.objects.create(
        country="RO", kind=STANDARD, name="", rate=Decimal("23"), valid_from=date(2026, 1, 1)
    )

    with pytest.raises(ValueError, match=r"RO standard '': 2025-08-01..None and 2026-01-01..None"):
        seed_vat_rates()
    assert VatRate.objects.count() == 1


def test_the_seed_data_has_no_overlapping_periods():
    assert overlaps(DATA) == []


def test_overlaps_names_periods_sharing_a_day():
    first = SeedRate("RO", STANDARD, "", Decimal("19"), TABLE_START, LAST_DAY_OF_19)
    touching = SeedRate("RO", STANDARD, "", Decimal("21"), LAST_DAY_OF_19, None)
    following = SeedRate("RO", STANDARD, "", Decimal("21"), FIRST_DAY_OF_21, None)

    assert overlaps([first, following]) == []
    assert overlaps([touching, first]) == [(first, touching)]


def test_every_member_states_rates_in_2026_are_the_commissions(vat_rates):
    day = date(2026, 1, 15)
    standard = {country: rate_on(country, STANDARD, day) for country in EU_MEMBER_STATES}
    reduced = {
        country: list(
            VatRate.objects.in_force(day)
            .filter(country=country, kind=REDUCED)
            .order_by("name")
            .values_list("rate", flat=True)
        )
        for country in EU_MEMBER_STATES
    }

    assert standard == {country: Decimal(rate) for country, rate in STANDARD_RATES_2026.items()}
    assert reduced == {
        country: [Decimal(rate) for rate in rates] for country, rates in REDUCED_RATES_2026.items()
    }


@pytest.mark.parametrize(
    ("country", "kind", "before", "after", "day"),
    [
        ("RO", STANDARD, "19", "21", FIRST_DAY_OF_21),
        ("RO", REDUCED, "9", "11", FIRST_DAY_OF_21),
        ("EE", STANDARD, "22", "24", date(2025, 7, 1)),
        ("EE", REDUCED, "9", "13", date(2025, 1, 1)),
        ("FI", STANDARD, "24", "25.5", date(2024, 9, 1)),
        ("FI", REDUCED, "14", "13.5", date(2026, 1, 1)),
        ("SK", STANDARD, "20", "23", date(2025, 1, 1)),
        ("SK", REDUCED, "10", "19", date(2025, 1, 1)),
        ("LT", REDUCED, "9", "12", date(2026, 1, 1)),
    ],
)
def test_a_rate_changes_on_the_day_the_law_says(vat_rates, country, kind, before, after, day):
    assert rate_on(country, kind, day - timedelta(days=1)) == Decimal(before)
    assert rate_on(country, kind, day) == Decimal(after)


def test_romanias_second_reduced_rate_ends_on_2025_07_31(vat_rates):
    assert rate_on("RO", REDUCED, LAST_DAY_OF_19, name="2") == Decimal("5")
    with pytest.raises(ValidationError) as error:
        rate_on("RO", REDUCED, FIRST_DAY_OF_21, name="2")
    assert _codes(error.value) == {"vat_rate": ["no_rate"]}


def test_bulgarias_rates_are_20_and_9(vat_rates):
    assert rates_in_force("BG", date(2026, 3, 1)) == [Decimal("20"), Decimal("9")]


def test_the_rates_in_force_in_romania_around_the_change(vat_rates):
    assert rates_in_force("RO", LAST_DAY_OF_19) == [Decimal("19"), Decimal("9"), Decimal("5")]
    assert rates_in_force("RO", FIRST_DAY_OF_21) == [Decimal("21"), Decimal("11")]


def test_a_country_without_rates_is_named_in_the_error(vat_rates):
    with pytest.raises(ValidationError) as error:
        rate_on("US", STANDARD, FIRST_DAY_OF_21)

    assert _codes(error.value) == {"vat_rate": ["no_rate"]}
    assert _messages(error.value) == {"vat_rate": ["No standard VAT rate is in force in US on 2025-08-01."]}


def test_the_table_starts_on_2024_01_01(vat_rates):
    assert rate_on("DE", STANDARD, TABLE_START) == Decimal("19")
    with pytest.raises(ValidationError):
        rate_on("DE", STANDARD, TABLE_START - timedelta(days=1))


# --- the model's own checks ------------------------------------------------------------


def test_a_period_overlapping_another_is_refused(vat_rates):
    rate = VatRate(country="RO", kind=STANDARD, name="", rate=Decimal("23"), valid_from=date(2026, 1, 1))

    with pytest.raises(ValidationError) as error:
        rate.full_clean()

    assert _codes(error.value) == {"valid_from": ["overlap"]}


def test_a_period_after_the_last_closed_one_is_accepted(vat_rates):
    VatRate.objects.filter(country="RO", kind=STANDARD, valid_to__isnull=True).update(
        valid_to=date(2026, 12, 31)
    )
    rate = VatRate(country="RO", kind=STANDARD, name="", rate=Decimal("23"), valid_from=date(2027, 1, 1))

    rate.full_clean()


def test_a_country_code_in_lower_case_is_refused(db):
    rate = VatRate(country="ro", kind=STANDARD, name="", rate=Decimal("21"), valid_from=FIRST_DAY_OF_21)

    with pytest.raises(ValidationError) as error:
        rate.full_clean()

    assert _codes(error.value) == {"country": ["invalid"]}


def test_two_periods_starting_on_the_same_day_are_refused_by_the_database(vat_rates):
    with pytest.raises(IntegrityError), transaction.atomic():
        VatRate.objects.create(
            country="RO", kind=STANDARD, name="", rate=Decimal("23"), valid_from=FIRST_DAY_OF_21
        )


def test_a_period_ending_before_it_starts_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        VatRate.objects.create(
            country="RO",
            kind=STANDARD,
            name="",
            rate=Decimal("21"),
            valid_from=FIRST_DAY_OF_21,
            valid_to=LAST_DAY_OF_19,
        )


# --- the tax point ---------------------------------------------------------------------


def test_the_tax_is_due_on_the_issue_date_unless_a_tax_point_date_is_set():
    assert tax_point(issue_date=date(2025, 8, 4)) == date(2025, 8, 4)
    assert tax_point(issue_date=date(2025, 8, 4), tax_point_date=LAST_DAY_OF_19) == LAST_DAY_OF_19


def test_an_invoice_issued_in_august_for_a_july_supply_takes_19(vat_rates):
    on = tax_point(issue_date=date(2025, 8, 4), tax_point_date=LAST_DAY_OF_19)

    assert determine_treatment(seller=SELLER, buyer=ROMANIAN_COMPANY, on=on) == _ro_vat("19")


# --- customers in Romania ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "rate"),
    [(date(2024, 1, 1), "19"), (LAST_DAY_OF_19, "19"), (FIRST_DAY_OF_21, "21"), (date(2026, 6, 30), "21")],
)
def test_a_romanian_customer_pays_the_romanian_rate_of_the_day(vat_rates, on, rate):
    assert determine_treatment(seller=SELLER, buyer=ROMANIAN_COMPANY, on=on) == _ro_vat(rate)
    assert determine_treatment(seller=SELLER, buyer=ROMANIAN_PERSON, on=on) == _ro_vat(rate)


def test_a_reduced_rate_line_takes_the_reduced_rate(vat_rates):
    assert determine_treatment(
        seller=SELLER, buyer=ROMANIAN_PERSON, on=LAST_DAY_OF_19, rate_kind=REDUCED
    ) == _ro_vat("9")
    assert determine_treatment(
        seller=SELLER, buyer=ROMANIAN_PERSON, on=LAST_DAY_OF_19, rate_kind=REDUCED, rate_name="2"
    ) == _ro_vat("5")
    assert determine_treatment(
        seller=SELLER, buyer=ROMANIAN_PERSON, on=FIRST_DAY_OF_21, rate_kind=REDUCED
    ) == _ro_vat("11")


def test_an_exemption_asked_for_explicitly_gives_category_e_with_its_reason(vat_rates):
    reason = "Scutit de TVA conform art. 292 alin. (1) lit. f) din Codul fiscal"

    treatment = determine_treatment(
        seller=SELLER,
        buyer=ROMANIAN_COMPANY,
        on=FIRST_DAY_OF_21,
        exempt_reason=f"  {reason} ",
        exempt_reason_code="VATEX-EU-132-1I",
    )

    assert treatment == VatTreatment(
        category="E",
        rate=Decimal("0"),
        mention=reason,
        exemption_reason_code="VATEX-EU-132-1I",
        exemption_reason=reason,
        vat_country="RO",
    )


def test_an_exemption_needs_its_legal_reason(vat_rates):
    with pytest.raises(ValidationError) as error:
        determine_treatment(
            seller=SELLER, buyer=ROMANIAN_COMPANY, on=FIRST_DAY_OF_21, exempt_reason_code="VATEX-EU-132"
        )

    assert _codes(error.value) == {"vat_exemption_reason": ["required"]}


def test_a_supply_not_taxed_in_romania_cannot_be_exempted(vat_rates):
    with pytest.raises(ValidationError) as error:
        determine_treatment(seller=SELLER, buyer=GERMAN_COMPANY, on=FIRST_DAY_OF_21, exempt_reason="art. 292")

    assert _codes(error.value) == {"vat_category": ["exemption_not_applicable"]}
    assert _messages(error.value) == {
        "vat_category": ["Only a supply taxed with Romanian VAT can be exempted; this one is AE."]
    }


# --- businesses in other EU states ---------------------------------------------------------


@pytest.mark.parametrize("buyer", [GERMAN_COMPANY, GREEK_COMPANY], ids=["DE", "EL"])
def test_an_eu_business_with_a_valid_vat_number_is_reverse_charged(vat_rates, buyer):
    expected = VatTreatment(
        category="AE",
        rate=Decimal("0"),
        mention=REVERSE_CHARGE_MENTION,
        exemption_reason_code="VATEX-EU-AE",
        exemption_reason="Taxare inversă / Reverse charge",
        vat_country="",
    )

    assert determine_treatment(seller=SELLER, buyer=buyer, on=FIRST_DAY_OF_21) == expected
    assert determine_treatment(seller=OSS_SELLER, buyer=buyer, on=FIRST_DAY_OF_21) == expected


def test_a_vat_number_vies_has_not_confirmed_is_not_enough_for_reverse_charge(vat_rates):
    # Issue 11, item 5: billing.buyer_vat asks VIES first; unconfirmed, the engine charges VAT.
    unchecked = BuyerFacts(kind="company", country="DE", tax_id="DE136695976", vies_status="unchecked")

    assert determine_treatment(seller=SELLER, buyer=unchecked, on=FIRST_DAY_OF_21) == _ro_vat("21")


def test_in_romanian_the_reverse_charge_mention_is_the_romanian_words(vat_rates):
    with translation.override("ro"):
        treatment = determine_treatment(seller=SELLER, buyer=GERMAN_COMPANY, on=FIRST_DAY_OF_21)

    assert treatment.exemption_reason == "Taxare inversă"
    assert treatment.mention.startswith("Taxare inversă (")


def test_an_eu_business_that_vies_reported_invalid_pays_romanian_vat(vat_rates):
    invalid = BuyerFacts(kind="company", country="DE", tax_id="DE136695976", vies_status="invalid")

    assert determine_treatment(seller=SELLER, buyer=invalid, on=FIRST_DAY_OF_21) == _ro_vat("21")
    assert determine_treatment(seller=SELLER, buyer=invalid, on=LAST_DAY_OF_19) == _ro_vat("19")


@pytest.mark.parametrize(
    "tax_id",
    ["DE136695977", "", "FR40303265045", "GR094259216"],
    ids=["bad checksum", "none", "another state's", "GR instead of EL"],
)
def test_an_eu_business_without_a_valid_vat_number_of_its_state_pays_romanian_vat(vat_rates, tax_id):
    country = "GR" if tax_id.startswith("GR") else "DE"
    buyer = BuyerFacts(kind="company", country=country, tax_id=tax_id, vies_status="valid")

    assert determine_treatment(seller=SELLER, buyer=buyer, on=FIRST_DAY_OF_21) == _ro_vat("21")


def test_an_eu_business_without_a_valid_vat_number_pays_its_states_vat_under_oss(vat_rates):
    bad_checksum = BuyerFacts(kind="company", country="DE", tax_id="DE136695977", vies_status="valid")

    assert determine_treatment(seller=OSS_SELLER, buyer=bad_checksum, on=FIRST_DAY_OF_21) == VatTreatment(
        category="S",
        rate=Decimal("19"),
        mention="VAT of DE, declared under the One Stop Shop (OSS) scheme.",
        vat_country="DE",
    )


# --- consumers in other EU states ---------------------------------------------------------


def test_an_eu_consumer_pays_romanian_vat_when_the_seller_is_not_in_oss(vat_rates):
    assert determine_treatment(seller=SELLER, buyer=FRENCH_PERSON, on=LAST_DAY_OF_19) == _ro_vat("19")
    assert determine_treatment(seller=SELLER, buyer=FRENCH_PERSON, on=FIRST_DAY_OF_21) == _ro_vat("21")


def test_an_eu_consumer_pays_its_states_vat_when_the_seller_is_in_oss(vat_rates):
    assert determine_treatment(seller=OSS_SELLER, buyer=FRENCH_PERSON, on=FIRST_DAY_OF_21) == VatTreatment(
        category="S",
        rate=Decimal("20"),
        mention="VAT of FR, declared under the One Stop Shop (OSS) scheme.",
        vat_country="FR",
    )


def test_under_oss_the_consumers_rate_follows_its_states_changes(vat_rates):
    finn = BuyerFacts(kind="individual", country="FI")

    assert determine_treatment(seller=OSS_SELLER, buyer=finn, on=date(2024, 8, 31)).rate == Decimal("24")
    assert determine_treatment(seller=OSS_SELLER, buyer=finn, on=date(2024, 9, 1)).rate == Decimal("25.5")


def test_an_eu_individual_with_a_vat_number_is_a_consumer(vat_rates):
    person = BuyerFacts(kind="individual", country="DE", tax_id="DE136695976", vies_status="valid")

    assert determine_treatment(seller=SELLER, buyer=person, on=FIRST_DAY_OF_21) == _ro_vat("21")


# --- customers outside the EU ---------------------------------------------------------------


@pytest.mark.parametrize("seller", [SELLER, OSS_SELLER], ids=["without OSS", "with OSS"])
def test_a_business_outside_the_eu_pays_no_romanian_vat(vat_rates, seller):
    assert determine_treatment(seller=seller, buyer=AMERICAN_COMPANY, on=FIRST_DAY_OF_21) == VatTreatment(
        category="O",
        rate=Decimal("0"),
        mention=OUTSIDE_EU_COMPANY_MENTION,
        exemption_reason_code="VATEX-EU-O",
        exemption_reason="Outside the scope of Romanian VAT",
        vat_country="",
    )


def test_a_consumer_outside_the_eu_pays_no_romanian_vat(vat_rates):
    assert determine_treatment(seller=SELLER, buyer=SWISS_PERSON, on=FIRST_DAY_OF_21) == VatTreatment(
        category="O",
        rate=Decimal("0"),
        mention=OUTSIDE_EU_PERSON_MENTION,
        exemption_reason_code="VATEX-EU-O",
        exemption_reason="Outside the scope of Romanian VAT",
        vat_country="",
    )
