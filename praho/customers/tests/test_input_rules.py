"""What customers' text and country fields take, over the API, the pages and the services.

Everything stored is printed on PDFs and sent to ANAF as XML 1.0: control characters are refused
at input (no line breaks in one-line fields), names are at most 200 characters (CIUS-RO BT-44),
and a country is an assigned ISO 3166-1 alpha-2 code.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from praho.customers.models import Customer
from praho.customers.services import memberships
from praho.customers.services.customers import create_customer, save_address, update_customer
from praho.customers.tests.test_api import LIST_URL, ROMANIAN_COMPANY, detail_url, stored_rows, users_url
from praho.customers.web.staff.forms import country_choices
from praho.testing.api import bearer, error_of, invalid

pytestmark = pytest.mark.django_db

BELL = "Carol\x07Hosting SRL"
CONTROL = "Remove the control character U+0007."
LINE_BREAK = "This field is one line: remove the line break or tab (U+000A)."
UNKNOWN_COUNTRY = "XX is not a country code: enter an ISO 3166-1 code such as RO."


# --- countries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"country": "XX"}, {"country": [UNKNOWN_COUNTRY]}),
        (
            {"address": {**ROMANIAN_COMPANY["address"], "country": "XX", "county": ""}},
            {"address": {"country": [UNKNOWN_COUNTRY]}},
        ),
    ],
    ids=["customer", "address"],
)
def test_an_unknown_country_is_refused_naming_the_field(alice_admin, change, fields):
    before = stored_rows()

    response = bearer(alice_admin).post(LIST_URL, ROMANIAN_COMPANY | change, format="json")

    assert error_of(response) == invalid(fields)
    assert stored_rows() == before


def test_staff_may_not_move_a_customer_to_an_unknown_country(alice_admin, carol_customer):
    response = bearer(alice_admin).patch(
        detail_url(carol_customer.pk), {"country": "xx", "tax_id": ""}, format="json"
    )

    assert error_of(response) == invalid({"country": [UNKNOWN_COUNTRY]})
    carol_customer.refresh_from_db()
    assert carol_customer.country == "RO"


def test_an_address_in_an_unknown_country_is_refused_by_the_service(alice_admin, carol_customer):
    with pytest.raises(ValidationError) as refused:
        save_address(
            actor=alice_admin,
            customer=carol_customer,
            values={"street": "Main St 1", "city": "Springfield", "country": "QO"},
        )

    assert refused.value.message_dict == {
        "country": ["QO is not a country code: enter an ISO 3166-1 code such as RO."]
    }
    assert carol_customer.addresses.count() == 1


def test_the_country_lists_of_the_forms_hold_the_iso_codes_only():
    codes = [code for code, _name in country_choices()]

    assert (len(codes), codes[0]) == (249, "RO")
    assert "XK" not in codes


# --- control characters and line breaks --------------------------------------------------


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"name": BELL}, {"name": [CONTROL]}),
        ({"name": "Carol\nHosting SRL"}, {"name": [LINE_BREAK]}),
        ({"trade_name": "Carol\x1b[31m"}, {"trade_name": ["Remove the control character U+001B."]}),
        ({"tax_id": "RO18547290\x08"}, {"tax_id": ["Remove the control character U+0008."]}),
        (
            {"trade_register_number": "J40/1\x01/2020"},
            {"trade_register_number": ["Remove the control character U+0001."]},
        ),
        ({"iban": "RO49\x07AAAA"}, {"iban": [CONTROL]}),
        (
            {"email": "office\r@carol.test"},
            {"email": ["This field is one line: remove the line break or tab (U+000D)."]},
        ),
        ({"phone": "0721\ufffe234567"}, {"phone": ["Remove the control character U+FFFE."]}),
        ({"invoice_email": "a\x07@carol.test"}, {"invoice_email": [CONTROL]}),
        (
            {"address": {**ROMANIAN_COMPANY["address"], "street": "Str.\tLungă 10"}},
            {"address": {"street": ["This field is one line: remove the line break or tab (U+0009)."]}},
        ),
        (
            {"address": {**ROMANIAN_COMPANY["address"], "city": "Sector\x073"}},
            {"address": {"city": [CONTROL]}},
        ),
        (
            {"address": {**ROMANIAN_COMPANY["address"], "postal_code": "0300\x0700"}},
            {"address": {"postal_code": [CONTROL]}},
        ),
    ],
    ids=[
        "name-bell",
        "name-newline",
        "trade-name-escape",
        "tax-id-backspace",
        "register",
        "iban-bell",
        "email-cr",
        "phone-noncharacter",
        "invoice-email",
        "street-tab",
        "city",
        "postal-code",
    ],
)
def test_text_the_xml_cannot_carry_is_refused_by_the_api(alice_admin, change, fields):
    before = stored_rows()

    response = bearer(alice_admin).post(LIST_URL, ROMANIAN_COMPANY | change, format="json")

    assert error_of(response) == invalid(fields)
    assert stored_rows() == before


def test_an_owner_may_not_put_a_control_character_in_the_name(carol, carol_customer):
    response = bearer(carol).patch(detail_url(carol_customer.pk), {"name": BELL}, format="json")

    assert error_of(response) == invalid({"name": [CONTROL]})
    carol_customer.refresh_from_db()
    assert carol_customer.name == "Carol Hosting SRL"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": BELL}, "name", CONTROL),
        (
            {"name": "Carol\u2028Hosting"},
            "name",
            "This field is one line: remove the line break or tab (U+2028).",
        ),
        ({"trade_name": "x\u202eLRS"}, "trade_name", "Remove the control character U+202E."),
        ({"trade_register_number": "J40\x07"}, "trade_register_number", CONTROL),
        ({"iban": "RO49\x07"}, "iban", CONTROL),
        ({"email": "a\x07@b.test"}, "email", CONTROL),
        ({"phone": "+40\x07721234567"}, "phone", CONTROL),
        ({"tax_id": "1854\x077290"}, "tax_id", CONTROL),
    ],
)
def test_the_services_refuse_control_characters_for_every_caller(
    alice_admin, carol_customer, values, field, message
):
    with pytest.raises(ValidationError) as refused:
        update_customer(actor=alice_admin, customer=carol_customer, **values)

    assert refused.value.message_dict == {field: [message]}


def test_address_text_is_checked_by_the_service(alice_admin, carol_customer):
    with pytest.raises(ValidationError) as refused:
        save_address(
            actor=alice_admin,
            customer=carol_customer,
            values={"street": "Str.\x07 1", "city": "Cluj\n", "county": "RO-CJ\x1b", "country": "RO"},
        )

    assert refused.value.message_dict == {
        "street": [CONTROL],
        "county": ["Remove the control character U+001B."],
    }


# --- lengths -----------------------------------------------------------------------------


def test_a_name_of_200_characters_is_taken_and_201_refused(alice_admin):
    long_name = "A" * 197 + " SA"
    created = bearer(alice_admin).post(LIST_URL, ROMANIAN_COMPANY | {"name": long_name}, format="json")
    refused = bearer(alice_admin).post(
        LIST_URL, ROMANIAN_COMPANY | {"name": long_name + "X", "tax_id": "RO14186770"}, format="json"
    )

    assert created.status_code == 201
    assert error_of(refused) == invalid({"name": ["Ensure this field has no more than 200 characters."]})


def test_the_service_refuses_a_long_name_and_trade_name(alice_admin):
    with pytest.raises(ValidationError) as refused:
        create_customer(
            actor=alice_admin,
            kind="individual",
            name="B" * 201,
            trade_name="C" * 202,
            country="DE",
        )

    assert refused.value.message_dict == {
        "name": ["Ensure this field has no more than 200 characters (it has 201)."],
        "trade_name": ["Ensure this field has no more than 200 characters (it has 202)."],
    }
    assert Customer.objects.count() == 0


def test_a_longer_name_stored_before_stays_readable(alice_admin, carol, carol_customer):
    Customer.objects.filter(pk=carol_customer.pk).update(name="L" * 240)

    response = bearer(carol).get(detail_url(carol_customer.pk))

    assert response.json()["name"] == "L" * 240


def test_a_city_longer_than_e_factura_takes_is_refused(alice_admin, carol_customer):
    with pytest.raises(ValidationError) as refused:
        save_address(
            actor=alice_admin,
            customer=carol_customer,
            values={"street": "Main St 1", "city": "S" * 51, "country": "DE"},
        )

    assert refused.value.message_dict == {
        "city": ["Ensure this field has no more than 50 characters (it has 51)."]
    }


# --- invitations: the email leaves after the commit ----------------------------------------


def test_an_invitation_for_a_customer_with_a_line_break_in_its_name_is_sent_on_one_line(
    carol, carol_customer, mailoutbox, django_capture_on_commit_callbacks
):
    # Stored before names were checked: the subject must still be one line (a header with a
    # line break made sending fail after the invitation was committed: a 500).
    Customer.objects.filter(pk=carol_customer.pk).update(name="Carol\r\nBcc: everyone@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        response = bearer(carol).post(
            users_url(carol_customer.pk), {"email": "new@carol.test", "role": "viewer"}, format="json"
        )

    assert response.status_code == 201
    assert [message.subject for message in mailoutbox] == [
        "Sunteți invitat la Carol Bcc: everyone@example.test pe PRAHO"
    ]


def test_an_invitation_email_with_a_control_character_is_refused(carol, carol_customer):
    response = bearer(carol).post(
        users_url(carol_customer.pk), {"email": "new\x07@carol.test", "role": "viewer"}, format="json"
    )

    assert error_of(response) == invalid({"email": [CONTROL]})
    assert carol_customer.invitations.count() == 0


def test_the_invitation_service_checks_the_email_text(carol, carol_customer):
    with pytest.raises(ValidationError) as refused:
        memberships.invite_user(
            actor=carol, customer=carol_customer, email="new@carol.test\nBcc: x@example.test", role="viewer"
        )

    assert refused.value.message_dict == {"email": [LINE_BREAK]}


# --- the pages -----------------------------------------------------------------------------


def test_the_owner_is_told_the_name_cannot_hold_a_control_character(client, carol, carol_customer):
    client.force_login(carol)

    response = client.post(reverse("customers:area-edit"), {"name": BELL})

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [CONTROL]}
    carol_customer.refresh_from_db()
    assert carol_customer.name == "Carol Hosting SRL"


def test_staff_are_told_the_street_cannot_hold_a_control_character(staff_client, alice_admin, carol_customer):
    client = staff_client(alice_admin)

    response = client.post(
        reverse("customers:edit", args=[carol_customer.pk]),
        {
            "name": carol_customer.name,
            "country": "RO",
            "tax_id": carol_customer.tax_id,
            "address-street": "Str.\x07 1",
            "address-city": "Cluj-Napoca",
            "address-county": "RO-CJ",
            "address-country": "RO",
        },
    )

    assert response.status_code == 200
    assert response.context["address_form"].errors == {"street": [CONTROL]}
    assert carol_customer.addresses.get().street == "Str. Lungă 10"


# --- member names: a customer's users name themselves in their profile --------------------------


def test_a_member_may_not_name_themselves_with_a_control_character(client, carol, carol_customer):
    before = (carol.first_name, carol.last_name)
    api = bearer(carol).patch(
        "/api/v1/me/", {"first_name": "Carol\x1b", "last_name": "Pop\nBcc"}, format="json"
    )
    client.force_login(carol)
    page = client.post(
        reverse("accounts:profile"),
        {"first_name": "Carol\x07", "last_name": "Pop", "language": "en", "timezone": "Europe/Bucharest"},
    )

    assert error_of(api) == invalid(
        {"first_name": ["Remove the control character U+001B."], "last_name": [LINE_BREAK]}
    )
    assert page.context["form"].errors == {"first_name": [CONTROL]}
    carol.refresh_from_db()
    assert (carol.first_name, carol.last_name) == before
