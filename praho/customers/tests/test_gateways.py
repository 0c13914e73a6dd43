"""The ANAF and VIES clients against local fakes that speak the real formats."""

import datetime as dt
import time

import httpx
import pytest
import time_machine

from praho.customers.gateways import anaf, vies
from praho.customers.gateways.anaf import AnafCompany
from praho.customers.gateways.vies import ViesResult
from praho.testing.fakes import ERROR, GARBAGE, HANG_UP, SLOW, Reply

ANAF_DOWN = "ANAF's company lookup did not answer; enter the data by hand or try again later."
VIES_DOWN = "VIES did not answer, so the VAT number could not be checked; try again later."
ON = dt.date(2025, 3, 14)


# --- ANAF -------------------------------------------------------------------


def test_a_found_company_is_read_with_its_registered_office(fake_anaf):
    fake_anaf.add(
        18547290,
        "EXEMPLU HOSTING SRL",
        trade_register="J12/3456/2015",
        vat_payer=True,
        vat_on_cash_basis=True,
        phone="0264123456",
    )

    company = anaf.lookup_company("18547290", on=ON)

    assert company == AnafCompany(
        cui="18547290",
        name="EXEMPLU HOSTING SRL",
        street="Str. Memorandumului nr. 28",
        city="Cluj-Napoca",
        county="RO-CJ",
        postal_code="400114",
        trade_register_number="J12/3456/2015",
        vat_payer=True,
        vat_on_cash_basis=True,
        inactive=False,
        phone="0264123456",
    )
    assert company.raw["date_generale"]["data"] == "2025-03-14"


def test_the_request_is_the_documented_array_of_cui_and_date(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")

    anaf.lookup_company("RO18547290", on=ON)

    [received] = fake_anaf.received
    assert (received.method, received.path, received.headers["content-type"]) == (
        "POST",
        "/api/PlatitorTvaRest/v9/tva",
        "application/json",
    )
    assert received.json() == [{"cui": 18547290, "data": "2025-03-14"}]


def test_the_date_asked_for_is_today_in_bucharest(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")

    # 23:30 UTC on 14 March is already 15 March in Bucharest.
    with time_machine.travel(dt.datetime(2025, 3, 14, 23, 30, tzinfo=dt.UTC), tick=False):
        anaf.lookup_company("18547290")

    assert fake_anaf.received[0].json() == [{"cui": 18547290, "data": "2025-03-15"}]


def test_a_non_payer_not_on_cash_basis_and_inactive_company_says_so(fake_anaf):
    fake_anaf.add(14399840, "VECHE SRL", vat_payer=False, vat_on_cash_basis=False, inactive=True)

    company = anaf.lookup_company("14399840", on=ON)

    assert (company.vat_payer, company.vat_on_cash_basis, company.inactive) == (False, False, True)


def test_an_unknown_cui_is_not_found(fake_anaf):
    with pytest.raises(anaf.NotFoundError) as failure:
        anaf.lookup_company("14399840", on=ON)

    assert str(failure.value) == (
        "ANAF has no company with CUI 14399840; check the number or enter the data by hand."
    )
    assert failure.value.code == "not_found"


@pytest.mark.parametrize(
    "locality",
    ["Municipiul Bucureşti Sectorul 3", "Sector 3", "BUCURESTI SECTORUL 3", "Sector 3 Mun. Bucureşti"],
)
def test_a_bucharest_address_is_filed_under_its_sector(fake_anaf, locality):
    fake_anaf.add(
        18547290,
        "EXEMPLU HOSTING SRL",
        locality=locality,
        county="MUNICIPIUL BUCUREŞTI",
        county_auto="B",
        county_code="40",
        postal_code="031234",
    )

    company = anaf.lookup_company("18547290", on=ON)

    assert (company.city, company.county) == ("Sector 3", "RO-B")


def test_a_bucharest_locality_without_a_sector_takes_it_from_the_postal_code(fake_anaf):
    fake_anaf.add(
        18547290,
        "EXEMPLU HOSTING SRL",
        locality="Mun. Bucureşti",
        county="MUNICIPIUL BUCUREŞTI",
        county_auto="B",
        postal_code="050741",
    )

    assert anaf.lookup_company("18547290", on=ON).city == "Sector 5"


@pytest.mark.parametrize(
    ("county_auto", "county", "iso"),
    [
        ("CJ", "CLUJ", "RO-CJ"),
        ("IS", "IAŞI", "RO-IS"),
        ("B", "MUNICIPIUL BUCUREŞTI", "RO-B"),
        ("", "BISTRIŢA-NĂSĂUD", "RO-BN"),  # no car code: matched by name
        ("", "MUNICIPIUL BUCUREŞTI", "RO-B"),
        ("XX", "ATLANTIDA", ""),  # unknown: staff choose
    ],
)
def test_counties_become_iso_codes(fake_anaf, county_auto, county, iso):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL", county_auto=county_auto, county=county)

    assert anaf.lookup_company("18547290", on=ON).county == iso


def test_cedillas_become_romanian_commas_and_towns_lose_their_prefix(fake_anaf):
    fake_anaf.add(
        18547290,
        "ŞTEFAN ŢĂRANU SRL",
        street="Bd. Revoluţiei",
        number="5",
        locality="Mun. Timişoara",
        county="TIMIŞ",
        county_auto="TM",
    )

    company = anaf.lookup_company("18547290", on=ON)

    assert (company.name, company.street, company.city, company.county) == (
        "ȘTEFAN ȚĂRANU SRL",
        "Bd. Revoluției nr. 5",
        "Timișoara",
        "RO-TM",
    )


def test_address_details_follow_the_street(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL", details="Bl. A, Sc. 1, Ap. 5")

    assert anaf.lookup_company("18547290", on=ON).street == "Str. Memorandumului nr. 28, Bl. A, Sc. 1, Ap. 5"


def test_without_a_registered_office_the_fiscal_domicile_is_used(fake_anaf):
    record = fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")
    record["adresa_sediu_social"] = dict.fromkeys(record["adresa_sediu_social"], "")
    record["adresa_domiciliu_fiscal"].update(
        {"ddenumire_Strada": "Str. Libertății", "dnumar_Strada": "3", "ddenumire_Localitate": "Mun. Dej"}
    )

    company = anaf.lookup_company("18547290", on=ON)

    assert (company.street, company.city) == ("Str. Libertății nr. 3", "Dej")


@pytest.mark.parametrize("mode", [HANG_UP, ERROR, GARBAGE])
def test_anaf_down_is_unavailable(fake_anaf, mode):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")
    fake_anaf.go_down(mode)

    with pytest.raises(anaf.UnavailableError) as failure:
        anaf.lookup_company("18547290", on=ON)

    assert (str(failure.value), failure.value.code) == (ANAF_DOWN, "unavailable")


def test_a_slow_anaf_is_given_up_within_the_timeout(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")
    fake_anaf.go_down(SLOW)
    started = time.monotonic()

    with pytest.raises(anaf.UnavailableError) as failure:
        anaf.lookup_company("18547290", on=ON)

    assert failure.value.detail == "ReadTimeout: timed out"
    # A duration cannot be exact; the point is that we did not wait for the fake's 5 s answer.
    assert time.monotonic() - started < fake_anaf.delay


def test_nobody_listening_is_unavailable(settings):
    settings.ANAF_COMPANY_LOOKUP_URL = "http://127.0.0.1:9"

    with pytest.raises(anaf.UnavailableError) as failure:
        anaf.lookup_company("18547290", on=ON)

    assert str(failure.value) == ANAF_DOWN


@pytest.mark.parametrize(
    "payload",
    [
        {"cod": 200, "message": "SUCCESS"},  # no found / notFound
        {"cod": 500, "message": "Eroare interna", "found": [], "notFound": []},
        {"cod": 200, "message": "SUCCESS", "found": [], "notFound": []},  # neither
        {"cod": 200, "message": "SUCCESS", "found": [{"date_generale": {"cui": 18547290}}], "notFound": []},
        {"cod": 200, "message": "SUCCESS", "found": ["18547290"], "notFound": []},
        [{"cui": 18547290}],
    ],
)
def test_an_answer_we_cannot_read_is_unavailable(fake_anaf, payload):
    fake_anaf.reply_always(Reply.of_json(200, payload))

    with pytest.raises(anaf.UnavailableError) as failure:
        anaf.lookup_company("18547290", on=ON)

    assert str(failure.value) == ANAF_DOWN


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b"[]",
        b'[{"cui": "18547290", "data": "2025-03-14"}]',
        b'[{"cui": 18547290, "data": "14.03.2025"}]',
        b'[{"cui": 18547290}]',
    ],
)
def test_the_fake_refuses_what_anaf_refuses(fake_anaf, body):
    response = httpx.post(
        fake_anaf.url + "/api/PlatitorTvaRest/v9/tva",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    assert (response.status_code, response.json()) == (400, {"cod": 400, "message": "Cerere invalida"})


# --- VIES -------------------------------------------------------------------

CHECKED_AT = dt.datetime(2025, 3, 14, 10, 0, tzinfo=dt.UTC)


def test_a_valid_number_comes_back_with_its_consultation_number(fake_vies):
    fake_vies.register("DE136695976", "Beispiel Hosting GmbH", "Musterstr. 1\n10115 Berlin")

    with time_machine.travel(CHECKED_AT, tick=False):
        result = vies.check_vat_number("DE136695976", requester="RO18547290")

    assert result == ViesResult(
        country_code="DE",
        vat_number="136695976",
        valid=True,
        request_date=CHECKED_AT,
        request_identifier="WAPIAAAA00000001",
        name="Beispiel Hosting GmbH",
        address="Musterstr. 1\n10115 Berlin",
    )
    [received] = fake_vies.received
    assert (received.method, received.path) == ("POST", "/check-vat-number")
    assert received.json() == {
        "countryCode": "DE",
        "vatNumber": "136695976",
        "requesterMemberStateCode": "RO",
        "requesterNumber": "18547290",
    }


def test_an_unknown_number_is_invalid_and_unshared_fields_are_empty(fake_vies):
    with time_machine.travel(CHECKED_AT, tick=False):
        result = vies.check_vat_number("FR40303265045", requester="RO18547290")

    assert result == ViesResult(
        country_code="FR",
        vat_number="40303265045",
        valid=False,
        request_date=CHECKED_AT,
        request_identifier="WAPIAAAA00000001",
        name="",
        address="",
    )


def test_without_a_requester_there_is_no_consultation_number(fake_vies):
    fake_vies.register("ATU13585627")

    result = vies.check_vat_number("ATU13585627")

    assert (result.valid, result.request_identifier, result.name) == (True, "", "")
    assert fake_vies.received[0].json() == {"countryCode": "AT", "vatNumber": "U13585627"}


def test_a_bare_cui_as_requester_is_romanian(fake_vies):
    fake_vies.register("BG175074752")

    vies.check_vat_number("BG175074752", requester="18547290")

    assert fake_vies.received[0].json() == {
        "countryCode": "BG",
        "vatNumber": "175074752",
        "requesterMemberStateCode": "RO",
        "requesterNumber": "18547290",
    }


def test_greece_is_asked_for_as_el(fake_vies):
    fake_vies.register("EL094259216")

    result = vies.check_vat_number("EL094259216", requester="RO18547290")

    assert (result.country_code, result.vat_number, result.valid) == ("EL", "094259216", True)


def test_greece_as_gr_is_refused_by_vies(fake_vies):
    with pytest.raises(vies.RefusedError) as failure:
        vies.check_vat_number("GR094259216")

    assert (str(failure.value), failure.value.code) == (
        "VIES refused to check this VAT number (INVALID_INPUT).",
        "refused",
    )


def test_a_malformed_requester_is_refused(fake_vies):
    with pytest.raises(vies.RefusedError) as failure:
        vies.check_vat_number("DE136695976", requester="RO")

    assert str(failure.value) == "VIES refused to check this VAT number (INVALID_REQUESTER_INFO)."


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("MS_UNAVAILABLE", 200),
        ("MS_MAX_CONCURRENT_REQ", 200),
        ("GLOBAL_MAX_CONCURRENT_REQ", 200),
        ("TIMEOUT", 200),
        ("SERVICE_UNAVAILABLE", 200),
        ("SERVICE_UNAVAILABLE", 500),
    ],
)
def test_vies_errors_of_the_moment_are_unavailable(fake_vies, error, status):
    fake_vies.error_code, fake_vies.error_status = error, status
    fake_vies.go_down(ERROR)

    with pytest.raises(vies.UnavailableError) as failure:
        vies.check_vat_number("DE136695976", requester="RO18547290")

    assert (str(failure.value), failure.value.detail) == (VIES_DOWN, error)


@pytest.mark.parametrize("mode", [HANG_UP, GARBAGE])
def test_vies_down_is_unavailable(fake_vies, mode):
    fake_vies.go_down(mode)

    with pytest.raises(vies.UnavailableError) as failure:
        vies.check_vat_number("DE136695976")

    assert str(failure.value) == VIES_DOWN


def test_a_503_page_from_vies_is_unavailable(fake_vies):
    fake_vies.reply_always(Reply(503, b"<html>Service Unavailable</html>", "text/html"))

    with pytest.raises(vies.UnavailableError) as failure:
        vies.check_vat_number("DE136695976")

    assert str(failure.value) == VIES_DOWN


def test_an_answer_without_a_valid_flag_is_unavailable(fake_vies):
    fake_vies.reply_always(Reply.of_json(200, {"countryCode": "DE", "vatNumber": "136695976"}))

    with pytest.raises(vies.UnavailableError):
        vies.check_vat_number("DE136695976")


def test_a_slow_vies_is_given_up_within_the_timeout(fake_vies):
    fake_vies.go_down(SLOW)
    started = time.monotonic()

    with pytest.raises(vies.UnavailableError) as failure:
        vies.check_vat_number("DE136695976")

    assert failure.value.detail == "ReadTimeout: timed out"
    # A duration cannot be exact; the point is that we did not wait for the fake's 5 s answer.
    assert time.monotonic() - started < fake_vies.delay
