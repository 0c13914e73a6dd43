"""/api/v1/customers/: create, retrieve, update, delete, and the schema; the list is in
test_api_lists.py, a customer's users in test_api_users.py."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient
from stdnum.ro import cui as ro_cui

from praho.accounts.models import User
from praho.audit.models import AuditEvent
from praho.customers.models import Address, Customer, Invitation, Membership, TaxProfile
from praho.customers.services.customers import create_customer, current_profile, delete_customer
from praho.customers.services.memberships import add_member
from praho.testing.api import DENIED, NOT_FOUND, bearer, error_of, invalid

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/customers/"
FROZEN = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
FROZEN_LOCAL = "2025-07-01T12:00:00+03:00"  # Europe/Bucharest, EEST

COUNTY_MESSAGE = "Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."
PHONE_MESSAGE = "Enter a valid phone number, e.g. +40 721 234 567."
CUI_CHECKSUM_MESSAGE = "CUI is not valid: the check digit is wrong."
REQUIRED = "This field is required."

ROMANIAN_COMPANY = {
    "kind": "company",
    "name": "Exemplu Hosting SRL",
    "country": "RO",
    "tax_id": "RO 14399840",
    "vat_payer": True,
    "email": "Office@Exemplu.test",
    "phone": "0721 234 567",
    "address": {
        "street": "Str. Exemplu 1",
        "city": "Sector 3",
        "county": "RO-B",
        "postal_code": "030000",
        "country": "RO",
    },
}
ADDRESS = {"street": "Str. Lungă 10", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"}


def detail_url(customer_id: int) -> str:
    return f"/api/v1/customers/{customer_id}/"


def users_url(customer_id: int) -> str:
    return f"/api/v1/customers/{customer_id}/users/"


def user_url(customer_id: int, membership_id: int) -> str:
    return f"/api/v1/customers/{customer_id}/users/{membership_id}/"


def stored_rows() -> tuple[int, ...]:
    """Everything a customer write can leave behind."""
    return (
        Customer.objects.count(),
        TaxProfile.objects.count(),
        Address.objects.count(),
        Membership.objects.count(),
        Invitation.objects.count(),
        AuditEvent.objects.count(),
    )


def valid_cui(n: int) -> str:
    digits = str(20_000_000 + n)
    return digits + ro_cui.calc_check_digit(digits)


def make_companies(actor: User, count: int, *, member: User | None = None) -> list[Customer]:
    customers = []
    for n in range(count):
        customer = create_customer(
            actor=actor,
            kind="company",
            name=f"Firma {n:02d} SRL",
            country="RO",
            tax_id=valid_cui(n),
            vat_payer=n % 2 == 0,
            address=ADDRESS,
        )
        if member is not None:
            add_member(actor=actor, customer=customer, user=member, role="viewer")
        customers.append(customer)
    return customers


# --- Create -----------------------------------------------------------------------


def test_staff_create_a_romanian_company_and_get_it_back_with_its_id(bill_billing):
    with time_machine.travel(FROZEN, tick=False):
        response = bearer(bill_billing).post(LIST_URL, ROMANIAN_COMPANY, format="json")

    assert response.status_code == 201
    customer = Customer.objects.get()
    assert response.json() == {
        "id": customer.pk,
        "kind": "company",
        "name": "Exemplu Hosting SRL",
        "trade_name": "",
        "country": "RO",
        "tax_id": "RO14399840",
        "tax_id_display": "RO 14399840",
        "trade_register_number": "",
        "iban": "",
        "email": "office@exemplu.test",
        "phone": "+40721234567",
        "vat_payer": True,
        "vat_on_cash_basis": False,
        "currency": "RON",
        "payment_terms_days": 14,
        "invoice_email": "",
        "document_language": "ro",
        "vies_status": "unchecked",
        "vies_checked_at": None,
        "vies_reference": "",
        "address": {
            "street": "Str. Exemplu 1",
            "city": "Sector 3",
            "county": "RO-B",
            "postal_code": "030000",
            "country": "RO",
        },
        "created_at": FROZEN_LOCAL,
        "updated_at": FROZEN_LOCAL,
        "deleted_at": None,
    }
    event = AuditEvent.objects.get(action="customers.created")
    assert (event.actor, event.object_id) == (bill_billing, str(customer.pk))


def test_staff_create_an_eu_company_with_its_vat_number_and_profile_fields(sam_sales):
    payload = {
        "kind": "company",
        "name": "Beispiel GmbH",
        "country": "de",
        "tax_id": "136695976",
        "vat_payer": True,
        "payment_terms_days": 30,
        "invoice_email": "rechnung@beispiel.test",
        "address": {"street": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE"},
    }

    response = bearer(sam_sales).post(LIST_URL, payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["country"], body["tax_id"], body["tax_id_display"]) == ("DE", "DE136695976", "DE136695976")
    assert (
        body["currency"],
        body["document_language"],
        body["payment_terms_days"],
        body["invoice_email"],
    ) == (
        "EUR",
        "en",
        30,
        "rechnung@beispiel.test",
    )
    assert body["address"] == {
        "street": "Hauptstraße 5",
        "city": "Berlin",
        "county": "",
        "postal_code": "10115",
        "country": "DE",
    }


def test_staff_create_a_romanian_individual_with_a_cnp(alice_admin):
    payload = {
        "kind": "individual",
        "name": "Ion Popescu",
        "country": "RO",
        "tax_id": "1800101221144",
        "vat_payer": False,
        "address": ADDRESS,
    }

    response = bearer(alice_admin).post(LIST_URL, payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["tax_id"], body["tax_id_display"], body["vat_payer"]) == (
        "individual",
        "1800101221144",
        "1800101221144",
        False,
    )
    assert Customer.objects.get(pk=body["id"]).tax_id == "1800101221144"


def test_a_romanian_individual_may_have_no_cnp(alice_admin):
    payload = {"kind": "individual", "name": "Ana Ionescu", "country": "RO", "tax_id": ""}

    response = bearer(alice_admin).post(LIST_URL, payload, format="json")

    assert response.status_code == 201
    assert (response.json()["tax_id"], response.json()["address"]) == ("", None)


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"tax_id": "RO18547291"}, {"tax_id": [CUI_CHECKSUM_MESSAGE]}),
        ({"tax_id": ""}, {"tax_id": ["A Romanian company must have a CUI."]}),
        ({"phone": "0721"}, {"phone": [PHONE_MESSAGE]}),
        ({"email": "office@"}, {"email": ["Enter a valid email address."]}),
        ({"country": "ROU"}, {"country": ["Enter a two-letter ISO 3166-1 country code, e.g. RO."]}),
        ({"kind": "robot"}, {"kind": ['"robot" is not a valid choice.']}),
        ({"name": None}, {"name": [REQUIRED]}),
        ({"name": "  "}, {"name": [REQUIRED]}),
        (
            {"payment_terms_days": -1},
            {"payment_terms_days": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"address": {**ADDRESS, "county": "Cluj"}}, {"address": {"county": [COUNTY_MESSAGE]}}),
        (
            {"address": {**ADDRESS, "county": "RO-B", "city": "București"}},
            {"address": {"city": ["In Bucharest the city is a sector: Sector 1 to Sector 6."]}},
        ),
        (
            {"address": {"county": "RO-CJ", "country": "RO"}},
            {"address": {"street": [REQUIRED], "city": [REQUIRED]}},
        ),
    ],
    ids=[
        "cui-checksum",
        "cui-missing",
        "phone",
        "email",
        "country",
        "kind",
        "name-missing",
        "name-blank",
        "payment-terms",
        "county",
        "bucharest-sector",
        "address-incomplete",
    ],
)
def test_a_bad_field_is_refused_with_its_message_and_nothing_is_saved(alice_admin, change, fields):
    payload = {key: value for key, value in (ROMANIAN_COMPANY | change).items() if value is not None}
    before = stored_rows()

    response = bearer(alice_admin).post(LIST_URL, payload, format="json")

    assert response.status_code == 400
    assert error_of(response) == invalid(fields)
    assert stored_rows() == before


def test_every_bad_field_is_reported_at_once(alice_admin):
    payload = ROMANIAN_COMPANY | {
        "tax_id": "18547291",
        "phone": "12",
        "address": {**ADDRESS, "county": "CJ"},
    }
    before = stored_rows()

    response = bearer(alice_admin).post(LIST_URL, payload, format="json")

    assert error_of(response) == invalid(
        {
            "tax_id": [CUI_CHECKSUM_MESSAGE],
            "phone": [PHONE_MESSAGE],
            "address": {"county": [COUNTY_MESSAGE]},
        }
    )
    assert stored_rows() == before


def test_a_cui_that_another_customer_has_is_refused_with_the_duplicate_code(alice_admin, carol_customer):
    before = stored_rows()

    response = bearer(alice_admin).post(LIST_URL, ROMANIAN_COMPANY | {"tax_id": "18547290"}, format="json")

    assert response.status_code == 400
    message = (
        f'This tax identifier already belongs to customer "Carol Hosting SRL" '
        f"(/staff/customers/{carol_customer.pk}/)."
    )
    assert error_of(response) == {
        "status": 400,
        "code": "duplicate",
        "message": message,
        "fields": {"tax_id": [message]},
    }
    assert stored_rows() == before


def test_a_customer_user_may_not_create_customers(carol, carol_customer):
    before = stored_rows()

    response = bearer(carol).post(LIST_URL, ROMANIAN_COMPANY, format="json")

    assert response.status_code == 403
    assert error_of(response) == DENIED
    assert stored_rows() == before


def test_staff_without_the_add_permission_may_not_create_customers(sue_support):
    response = bearer(sue_support).post(LIST_URL, ROMANIAN_COMPANY, format="json")

    assert response.status_code == 403
    assert Customer.objects.count() == 0


def test_anonymous_requests_are_refused_with_401(carol_customer):
    client = APIClient()

    assert client.get(LIST_URL).status_code == 401
    assert client.get(detail_url(carol_customer.pk)).status_code == 401
    assert client.post(LIST_URL, ROMANIAN_COMPANY, format="json").status_code == 401


def test_staff_without_a_second_factor_are_refused(nora_nomfa, carol_customer):
    client = APIClient()
    client.force_authenticate(nora_nomfa)

    response = client.get(LIST_URL)

    assert response.status_code == 403
    assert error_of(response)["code"] == "second_factor_required"


# --- Retrieve, update, delete ------------------------------------------------------


def test_an_owner_retrieves_their_customer(carol, carol_customer):
    response = bearer(carol).get(detail_url(carol_customer.pk))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["tax_id_display"], body["address"]["city"]) == (
        carol_customer.pk,
        "Carol Hosting SRL",
        "RO 18547290",
        "Cluj-Napoca",
    )


def test_an_outsider_gets_404_for_every_method_and_nothing_changes(dave, carol, carol_customer):
    carols = Membership.objects.get(user=carol)
    client = bearer(dave)
    before = stored_rows()
    updated_at = carol_customer.updated_at

    responses = [
        client.get(detail_url(carol_customer.pk)),
        client.patch(detail_url(carol_customer.pk), {"name": "Taken SRL"}, format="json"),
        client.delete(detail_url(carol_customer.pk)),
        client.get(users_url(carol_customer.pk)),
        client.post(users_url(carol_customer.pk), {"email": "x@dave.test", "role": "owner"}, format="json"),
        client.patch(user_url(carol_customer.pk, carols.pk), {"role": "viewer"}, format="json"),
        client.delete(user_url(carol_customer.pk, carols.pk)),
    ]

    assert [response.status_code for response in responses] == [404] * 7
    assert all(error_of(response) == NOT_FOUND for response in responses)
    assert stored_rows() == before
    carol_customer.refresh_from_db()
    assert (carol_customer.name, carol_customer.deleted_at, carol_customer.updated_at) == (
        "Carol Hosting SRL",
        None,
        updated_at,
    )
    assert Membership.objects.get(pk=carols.pk).role == "owner"


def test_an_unknown_id_is_404(alice_admin):
    assert bearer(alice_admin).get(detail_url(999_999)).status_code == 404


def test_staff_change_identity_profile_and_billing_address_in_one_patch(bill_billing, carol_customer):
    payload = {
        "name": "Carol Cloud SRL",
        "phone": "+40 264 123 456",
        "vat_payer": False,
        "payment_terms_days": 30,
        "address": {"city": "Sector 1", "county": "RO-B"},
    }

    response = bearer(bill_billing).patch(detail_url(carol_customer.pk), payload, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (
        body["name"],
        body["phone"],
        body["vat_payer"],
        body["payment_terms_days"],
        body["tax_id_display"],
    ) == (
        "Carol Cloud SRL",
        "+40264123456",
        False,
        30,
        "18547290",
    )
    assert body["address"] == {
        "street": "Str. Lungă 10",
        "city": "Sector 1",
        "county": "RO-B",
        "postal_code": "",
        "country": "RO",
    }
    profile = current_profile(carol_customer)
    assert (profile.version, profile.vat_payer, profile.payment_terms_days) == (2, False, 30)
    assert list(
        AuditEvent.objects.filter(actor=bill_billing).order_by("id").values_list("action", flat=True)
    ) == ["customers.changed", "customers.profile_changed", "customers.address_changed"]


def test_an_owner_changes_their_customer(carol, carol_customer):
    response = bearer(carol).patch(
        detail_url(carol_customer.pk), {"email": "Billing@Carol.test"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["email"] == "billing@carol.test"
    carol_customer.refresh_from_db()
    assert carol_customer.email == "billing@carol.test"


def test_a_viewer_may_not_change_the_customer(erin_viewer, carol_customer):
    before = stored_rows()

    response = bearer(erin_viewer).patch(detail_url(carol_customer.pk), {"name": "Erin SRL"}, format="json")

    assert response.status_code == 403
    assert error_of(response) == DENIED
    assert stored_rows() == before
    carol_customer.refresh_from_db()
    assert carol_customer.name == "Carol Hosting SRL"


def test_staff_without_the_change_permission_may_not_change_the_customer(sue_support, carol_customer):
    response = bearer(sue_support).patch(detail_url(carol_customer.pk), {"name": "Sue SRL"}, format="json")

    assert response.status_code == 403
    carol_customer.refresh_from_db()
    assert carol_customer.name == "Carol Hosting SRL"


def test_a_refused_address_in_a_patch_saves_nothing_of_the_rest(alice_admin, carol_customer):
    before = stored_rows()

    response = bearer(alice_admin).patch(
        detail_url(carol_customer.pk),
        {"name": "Renamed SRL", "vat_payer": False, "address": {"county": "Cluj"}},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response) == invalid({"address": {"county": [COUNTY_MESSAGE]}})
    assert stored_rows() == before
    carol_customer.refresh_from_db()
    assert (carol_customer.name, current_profile(carol_customer).version) == ("Carol Hosting SRL", 1)


def test_a_patch_with_a_bad_cui_names_the_field(bill_billing, carol_customer):
    response = bearer(bill_billing).patch(
        detail_url(carol_customer.pk), {"tax_id": "RO18547291"}, format="json"
    )

    assert error_of(response) == invalid({"tax_id": [CUI_CHECKSUM_MESSAGE]})
    carol_customer.refresh_from_db()
    assert carol_customer.tax_id == "RO18547290"


def test_put_is_not_offered(alice_admin, carol_customer):
    response = bearer(alice_admin).put(detail_url(carol_customer.pk), ROMANIAN_COMPANY, format="json")

    assert response.status_code == 405


def test_a_deleted_customer_is_gone_from_retrieve_and_list(mike_manager, carol_customer, dave_customer):
    client = bearer(mike_manager)

    response = client.delete(detail_url(carol_customer.pk))

    assert response.status_code == 204
    carol_customer.refresh_from_db()
    assert carol_customer.deleted_at is not None
    assert client.get(detail_url(carol_customer.pk)).status_code == 404
    assert [item["name"] for item in client.get(LIST_URL).json()["results"]] == ["Dave Web SRL"]
    assert AuditEvent.objects.filter(action="customers.deleted", actor=mike_manager).count() == 1
    # Deleting again: the customer is not visible any more.
    assert client.delete(detail_url(carol_customer.pk)).status_code == 404


def test_a_deleted_customer_is_404_for_its_owner_too(alice_admin, carol, carol_customer):
    delete_customer(actor=alice_admin, customer=carol_customer)

    assert bearer(carol).get(detail_url(carol_customer.pk)).status_code == 404
    assert bearer(carol).get(LIST_URL).json()["results"] == []


@pytest.mark.parametrize("actor", ["carol", "bill_billing"])
def test_owners_and_staff_without_the_delete_permission_may_not_delete(request, actor, carol_customer):
    user = request.getfixturevalue(actor)
    before = stored_rows()

    response = bearer(user).delete(detail_url(carol_customer.pk))

    assert response.status_code == 403
    assert stored_rows() == before
    carol_customer.refresh_from_db()
    assert carol_customer.deleted_at is None


def test_the_session_of_a_logged_in_staff_user_works_too(staff_client, alice_admin, carol_customer):
    client = staff_client(alice_admin)

    response = client.get(detail_url(carol_customer.pk))

    assert response.status_code == 200
    assert response.json()["name"] == "Carol Hosting SRL"


# --- Schema -------------------------------------------------------------------------


def test_the_schema_documents_the_customer_endpoints(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    paths = schema["paths"]
    operations = {
        path: {
            method: set(operation["responses"])
            for method, operation in item.items()
            if method != "parameters"
        }
        for path, item in paths.items()
        if path.startswith("/api/v1/customers/")
    }
    assert operations == {
        "/api/v1/customers/": {"get": {"200", "400", "401"}, "post": {"201", "400", "401", "403"}},
        "/api/v1/customers/{customer_id}/": {
            "get": {"200", "401", "404"},
            "patch": {"200", "400", "401", "403", "404"},
            "delete": {"204", "401", "403", "404"},
        },
        "/api/v1/customers/{customer_id}/users/": {
            "get": {"200", "401", "404"},
            "post": {"201", "400", "401", "403", "404"},
        },
        "/api/v1/customers/{customer_id}/balance/": {"get": {"200", "401", "404"}},
        "/api/v1/customers/{customer_id}/entitlements/": {"get": {"200", "401", "404"}},
        "/api/v1/customers/{customer_id}/users/{membership_id}/": {
            "patch": {"200", "400", "401", "403", "404"},
            "delete": {"204", "400", "401", "403", "404"},
        },
        "/api/v1/customers/{customer_id}/change-requests/": {
            "get": {"200", "401", "403", "404"},
            "post": {"201", "400", "401", "403", "404"},
        },
        "/api/v1/customers/{customer_id}/change-requests/{request_id}/": {
            "get": {"200", "401", "403", "404"}
        },
        "/api/v1/customers/{customer_id}/change-requests/{request_id}/cancel/": {
            "post": {"200", "400", "401", "403", "404"}
        },
        "/api/v1/customers/{customer_id}/change-requests/{request_id}/approve/": {
            "post": {"200", "400", "401", "403", "404"}
        },
        "/api/v1/customers/{customer_id}/change-requests/{request_id}/reject/": {
            "post": {"200", "400", "401", "403", "404"}
        },
    }
    assert [p["name"] for p in paths["/api/v1/customers/"]["get"]["parameters"]] == [
        "country",
        "deleted",
        "kind",
        "page",
        "page_size",
        "search",
        "vies_status",
    ]
    components = schema["components"]["schemas"]
    assert set(components["CustomerWriteRequest"]["required"]) == {"kind", "name", "country"}
    assert set(components["AddressRequest"]["properties"]) == {
        "street",
        "city",
        "county",
        "postal_code",
        "country",
    }
    assert set(components["Invitation"]["properties"]) == {"id", "email", "role", "expires_at"}
    assert set(components["Membership"]["properties"]) == {"id", "user", "email", "name", "role", "since"}
