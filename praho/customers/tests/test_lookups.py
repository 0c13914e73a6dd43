"""Prefilling from ANAF and checking VAT numbers with VIES, against local fakes."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.customers.gateways import anaf, vies
from praho.customers.models import Customer
from praho.customers.services.customers import create_customer
from praho.customers.services.lookups import check_vies, company_from_anaf
from praho.testing.fakes import ERROR

CHECKED_AT = dt.datetime(2025, 3, 14, 10, 0, tzinfo=dt.UTC)
ANAF_DOWN = "ANAF's company lookup did not answer; enter the data by hand or try again later."
VIES_DOWN = "VIES did not answer, so the VAT number could not be checked; try again later."


def _company(actor, *, country="DE", tax_id="DE136695976", name="Beispiel Hosting GmbH"):
    return create_customer(actor=actor, kind="company", name=name, country=country, tax_id=tax_id)


def _vies_state(customer):
    customer = Customer.objects.get(pk=customer.pk)
    return customer.vies_status, customer.vies_checked_at, customer.vies_reference


def _vies_events():
    return list(AuditEvent.objects.filter(action="customers.vies_checked").order_by("id"))


# --- ANAF -------------------------------------------------------------------


def test_a_romanian_company_is_prefilled_from_anaf(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL", trade_register="J12/3456/2015", vat_on_cash_basis=True)

    company = company_from_anaf("RO 18547290")

    assert (company.cui, company.name, company.city, company.county, company.trade_register_number) == (
        "18547290",
        "EXEMPLU HOSTING SRL",
        "Cluj-Napoca",
        "RO-CJ",
        "J12/3456/2015",
    )
    assert (company.vat_payer, company.vat_on_cash_basis) == (True, True)


def test_a_second_lookup_the_same_day_is_served_from_the_cache(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")

    first = company_from_anaf("18547290")
    second = company_from_anaf("RO18547290")

    assert second == first
    assert fake_anaf.request_count == 1


def test_the_next_day_anaf_is_asked_again(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")

    with time_machine.travel(dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC), tick=False):
        company_from_anaf("18547290")
    with time_machine.travel(dt.datetime(2025, 3, 15, 9, 0, tzinfo=dt.UTC), tick=False):
        company_from_anaf("18547290")

    assert [received.json() for received in fake_anaf.received] == [
        [{"cui": 18547290, "data": "2025-03-14"}],
        [{"cui": 18547290, "data": "2025-03-15"}],
    ]


def test_a_cui_with_a_wrong_check_digit_never_reaches_anaf(fake_anaf):
    with pytest.raises(ValidationError) as failure:
        company_from_anaf("18547291")

    assert failure.value.message_dict == {"tax_id": ["CUI is not valid: the check digit is wrong."]}
    assert fake_anaf.request_count == 0


def test_an_empty_cui_never_reaches_anaf(fake_anaf):
    with pytest.raises(ValidationError) as failure:
        company_from_anaf("  ")

    assert failure.value.message_dict == {"tax_id": ["A Romanian company must have a CUI."]}
    assert fake_anaf.request_count == 0


def test_not_found_is_not_cached(fake_anaf):
    for _ in range(2):
        with pytest.raises(anaf.NotFoundError):
            company_from_anaf("14399840")

    assert fake_anaf.request_count == 2


def test_unavailable_is_not_cached_and_the_next_try_succeeds(fake_anaf):
    fake_anaf.add(18547290, "EXEMPLU HOSTING SRL")
    fake_anaf.go_down(ERROR)
    with pytest.raises(anaf.UnavailableError) as failure:
        company_from_anaf("18547290")
    fake_anaf.go_down("up")

    company = company_from_anaf("18547290")

    assert str(failure.value) == ANAF_DOWN
    assert company.name == "EXEMPLU HOSTING SRL"
    assert fake_anaf.request_count == 2


def test_unavailable_can_be_shown_next_to_the_field(fake_anaf):
    fake_anaf.go_down(ERROR)

    with pytest.raises(anaf.UnavailableError) as failure:
        company_from_anaf("18547290")

    error = failure.value.as_validation_error("tax_id")
    assert error.message_dict == {"tax_id": [ANAF_DOWN]}
    assert error.error_dict["tax_id"][0].code == "unavailable"


# --- VIES -------------------------------------------------------------------


def test_a_valid_vat_number_is_stored_with_its_date_and_reference(fake_vies, alice_admin):
    fake_vies.register("DE136695976", "Beispiel Hosting GmbH", "Musterstr. 1\n10115 Berlin")
    customer = _company(alice_admin)

    with time_machine.travel(CHECKED_AT, tick=False):
        returned = check_vies(actor=alice_admin, customer=customer)

    assert _vies_state(customer) == ("valid", CHECKED_AT, "WAPIAAAA00000001")
    assert (returned.vies_status, returned.vies_checked_at, returned.vies_reference) == _vies_state(customer)
    assert fake_vies.received[0].json() == {
        "countryCode": "DE",
        "vatNumber": "136695976",
        "requesterMemberStateCode": "RO",
        "requesterNumber": "18547290",
    }


def test_the_check_is_audited_with_its_outcome(fake_vies, alice_admin):
    fake_vies.register("DE136695976")
    customer = _company(alice_admin)

    with time_machine.travel(CHECKED_AT, tick=False):
        check_vies(actor=alice_admin, customer=customer)

    [event] = _vies_events()
    assert (event.actor, event.object_type, event.object_id) == (
        alice_admin,
        "customers.customer",
        str(customer.pk),
    )
    assert event.data == {
        "vat_number": "DE136695976",
        "status": "valid",
        "previous_status": "unchecked",
        "reference": "WAPIAAAA00000001",
        "checked_at": "2025-03-14 10:00:00+00:00",
        "vies_request_date": "2025-03-14 10:00:00+00:00",
    }


def test_an_invalid_vat_number_is_stored_as_invalid(fake_vies, alice_admin):
    customer = _company(alice_admin, country="FR", tax_id="FR40303265045", name="Exemple SARL")

    with time_machine.travel(CHECKED_AT, tick=False):
        check_vies(actor=alice_admin, customer=customer)

    assert _vies_state(customer) == ("invalid", CHECKED_AT, "WAPIAAAA00000001")
    assert [event.data["status"] for event in _vies_events()] == ["invalid"]


def test_checking_twice_within_a_day_asks_vies_once_and_changes_nothing(fake_vies, alice_admin):
    fake_vies.register("DE136695976")
    customer = _company(alice_admin)
    with time_machine.travel(CHECKED_AT, tick=False):
        check_vies(actor=alice_admin, customer=customer)
    updated_at = Customer.objects.get(pk=customer.pk).updated_at

    with time_machine.travel(CHECKED_AT + dt.timedelta(hours=3), tick=False):
        check_vies(actor=alice_admin, customer=customer)

    assert fake_vies.request_count == 1
    assert _vies_state(customer) == ("valid", CHECKED_AT, "WAPIAAAA00000001")
    assert Customer.objects.get(pk=customer.pk).updated_at == updated_at
    assert len(_vies_events()) == 1


def test_a_valid_answer_is_asked_again_the_next_day(fake_vies, alice_admin):
    fake_vies.register("DE136695976")
    customer = _company(alice_admin)
    with time_machine.travel(CHECKED_AT, tick=False):
        check_vies(actor=alice_admin, customer=customer)

    next_day = CHECKED_AT + dt.timedelta(days=1, minutes=1)
    with time_machine.travel(next_day, tick=False):
        check_vies(actor=alice_admin, customer=customer)

    assert fake_vies.request_count == 2
    assert _vies_state(customer) == ("valid", next_day, "WAPIAAAA00000002")
    assert [event.data["reference"] for event in _vies_events()] == ["WAPIAAAA00000001", "WAPIAAAA00000002"]


def test_an_invalid_answer_is_not_reused_so_a_new_registration_shows_at_once(fake_vies, alice_admin):
    customer = _company(alice_admin)
    with time_machine.travel(CHECKED_AT, tick=False):
        check_vies(actor=alice_admin, customer=customer)
    fake_vies.register("DE136695976")

    later = CHECKED_AT + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        check_vies(actor=alice_admin, customer=customer)

    assert fake_vies.request_count == 2
    assert _vies_state(customer) == ("valid", later, "WAPIAAAA00000002")
    assert [(event.data["previous_status"], event.data["status"]) for event in _vies_events()] == [
        ("unchecked", "invalid"),
        ("invalid", "valid"),
    ]


def test_unreachable_vies_keeps_the_previous_outcome_and_says_so(fake_vies, alice_admin):
    fake_vies.register("DE136695976")
    customer = _company(alice_admin)
    with time_machine.travel(CHECKED_AT, tick=False):
        check_vies(actor=alice_admin, customer=customer)
    cache.clear()  # the cached "valid" would otherwise answer without asking VIES
    fake_vies.go_down(ERROR)

    with pytest.raises(vies.UnavailableError) as failure:
        check_vies(actor=alice_admin, customer=customer)

    assert str(failure.value) == VIES_DOWN
    assert _vies_state(customer) == ("valid", CHECKED_AT, "WAPIAAAA00000001")
    assert len(_vies_events()) == 1


def test_unreachable_vies_leaves_an_unchecked_customer_unchecked(fake_vies, alice_admin):
    customer = _company(alice_admin)
    fake_vies.go_down(ERROR)

    with pytest.raises(vies.UnavailableError):
        check_vies(actor=alice_admin, customer=customer)

    assert _vies_state(customer) == ("unchecked", None, "")
    assert _vies_events() == []


def test_an_unreachable_answer_is_not_cached(fake_vies, alice_admin):
    fake_vies.register("DE136695976")
    customer = _company(alice_admin)
    fake_vies.go_down(ERROR)
    with pytest.raises(vies.UnavailableError):
        check_vies(actor=alice_admin, customer=customer)
    fake_vies.go_down("up")

    check_vies(actor=alice_admin, customer=customer)

    assert fake_vies.request_count == 2
    assert _vies_state(customer)[0] == "valid"


def test_a_greek_vat_number_is_sent_with_el(fake_vies, alice_admin):
    fake_vies.register("EL094259216")
    customer = _company(alice_admin, country="GR", tax_id="094259216", name="Paradeigma AE")

    check_vies(actor=alice_admin, customer=customer)

    assert customer.tax_id == "EL094259216"
    assert fake_vies.received[0].json() == {
        "countryCode": "EL",
        "vatNumber": "094259216",
        "requesterMemberStateCode": "RO",
        "requesterNumber": "18547290",
    }
    assert _vies_state(customer)[0] == "valid"


def test_without_a_seller_vat_number_the_check_has_no_reference(fake_vies, alice_admin, settings):
    settings.PRAHO_SELLER_VAT_NUMBER = ""
    fake_vies.register("BG175074752")
    customer = _company(alice_admin, country="BG", tax_id="BG175074752", name="Primer OOD")

    with time_machine.travel(CHECKED_AT, tick=False):
        check_vies(actor=alice_admin, customer=customer)

    assert _vies_state(customer) == ("valid", CHECKED_AT, "")
    assert fake_vies.received[0].json() == {"countryCode": "BG", "vatNumber": "175074752"}


def test_a_refused_check_keeps_the_previous_outcome(fake_vies, alice_admin, settings):
    settings.PRAHO_SELLER_VAT_NUMBER = "RO"  # a misconfigured requester
    customer = _company(alice_admin)

    with pytest.raises(vies.RefusedError) as failure:
        check_vies(actor=alice_admin, customer=customer)

    assert str(failure.value) == "VIES refused to check this VAT number (INVALID_REQUESTER_INFO)."
    assert _vies_state(customer) == ("unchecked", None, "")
    assert _vies_events() == []


@pytest.mark.parametrize(
    ("kind", "country", "tax_id"),
    [
        ("company", "RO", "RO18547290"),  # domestic: no reverse charge, nothing to check
        ("company", "US", "12-3456789"),  # outside the EU: VIES does not know it
        ("company", "AT", ""),  # no VAT number to check
        ("individual", "DE", ""),
    ],
)
def test_only_eu_companies_outside_romania_are_checked(fake_vies, alice_admin, kind, country, tax_id):
    customer = create_customer(actor=alice_admin, kind=kind, name="Somebody", country=country, tax_id=tax_id)

    with pytest.raises(ValidationError) as failure:
        check_vies(actor=alice_admin, customer=customer)

    assert failure.value.message_dict == {
        "tax_id": ["Only a company from another EU member state with a VAT number can be checked in VIES."]
    }
    assert failure.value.error_dict["tax_id"][0].code == "vies_not_applicable"
    assert fake_vies.request_count == 0
    assert _vies_state(customer) == ("unchecked", None, "")
