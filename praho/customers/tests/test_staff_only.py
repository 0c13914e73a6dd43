"""What decides how a customer is invoiced is changed by staff only.

Kind, country, tax identifier, VAT payer, VAT on cash basis, currency, payment terms and the
country of an address decide the VAT treatment (a German VAT number is reverse-charged at 0%),
the currency and the due date of every invoice. A customer's users ask for a change
(change requests); sending the current value again is accepted, so a client may send back
what it read.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from praho.audit.models import AuditEvent
from praho.customers.models import TaxProfile
from praho.customers.services.customers import change_tax_profile, current_profile, save_address
from praho.customers.tests.test_api import detail_url
from praho.testing.api import bearer, error_of

pytestmark = pytest.mark.django_db

STAFF_ONLY = "Only staff can change this: it decides how you are invoiced. Request a change instead."
OTHER_COUNTRY = "An address you add is in your country (RO); to add one elsewhere, request a change."
TERMS_MESSAGE = "Payment terms are 0 to 120 days."


def staff_only(fields: dict) -> dict:
    return {"status": 400, "code": "staff_only", "message": STAFF_ONLY, "fields": fields}


def unchanged(customer) -> tuple:
    customer.refresh_from_db()
    return (
        customer.kind,
        customer.country,
        customer.tax_id,
        TaxProfile.objects.filter(customer=customer).count(),
        list(customer.addresses.values_list("country", flat=True)),
    )


BEFORE = ("company", "RO", "RO18547290", 1, ["RO"])


# --- the API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"kind": "individual"}, {"kind": [STAFF_ONLY]}),
        ({"country": "DE"}, {"country": [STAFF_ONLY]}),
        ({"tax_id": "RO14399840"}, {"tax_id": [STAFF_ONLY]}),
        ({"tax_id": "not a cui"}, {"tax_id": [STAFF_ONLY]}),
        ({"vat_payer": False}, {"vat_payer": [STAFF_ONLY]}),
        ({"vat_on_cash_basis": True}, {"vat_on_cash_basis": [STAFF_ONLY]}),
        ({"currency": "EUR"}, {"currency": [STAFF_ONLY]}),
        ({"payment_terms_days": 60}, {"payment_terms_days": [STAFF_ONLY]}),
        (
            {"address": {"street": "Hauptstraße 5", "city": "Berlin", "county": "", "country": "DE"}},
            {"address": {"country": [STAFF_ONLY]}},
        ),
    ],
    ids=[
        "kind",
        "country",
        "tax-id",
        "bad-tax-id",
        "vat-payer",
        "cash-basis",
        "currency",
        "payment-terms",
        "address-country",
    ],
)
def test_an_owner_may_not_change_what_decides_the_invoicing(carol, carol_customer, change, fields):
    events = AuditEvent.objects.count()

    response = bearer(carol).patch(detail_url(carol_customer.pk), change, format="json")

    assert error_of(response) == staff_only(fields)
    assert unchanged(carol_customer) == BEFORE
    assert AuditEvent.objects.count() == events


def test_a_german_vat_number_sent_by_the_owner_names_every_refused_field(carol, carol_customer):
    payload = {"name": "Carol GmbH", "country": "DE", "tax_id": "DE136695976", "vat_payer": True}

    response = bearer(carol).patch(detail_url(carol_customer.pk), payload, format="json")

    assert error_of(response) == staff_only({"country": [STAFF_ONLY], "tax_id": [STAFF_ONLY]})
    assert unchanged(carol_customer) == BEFORE
    assert carol_customer.name == "Carol Hosting SRL"


def test_an_owner_may_send_back_the_values_as_read(carol, carol_customer):
    client = bearer(carol)
    read = client.get(detail_url(carol_customer.pk)).json()
    fields = ["kind", "country", "vat_payer", "vat_on_cash_basis", "currency", "payment_terms_days"]
    payload = {field: read[field] for field in fields} | {
        "tax_id": read["tax_id_display"],
        "name": "Carol Cloud SRL",
        "address": read["address"],
    }

    response = client.patch(detail_url(carol_customer.pk), payload, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Carol Cloud SRL"
    assert unchanged(carol_customer) == BEFORE


def test_an_owner_changes_what_does_not_decide_the_invoicing(carol, carol_customer):
    payload = {
        "name": "Carol Cloud SRL",
        "trade_name": "Carol Cloud",
        "email": "office@carol.test",
        "phone": "0264 123 456",
        "invoice_email": "invoices@carol.test",
        "document_language": "en",
        "address": {"street": "Str. Scurtă 2", "city": "Turda", "postal_code": "401001"},
    }

    response = bearer(carol).patch(detail_url(carol_customer.pk), payload, format="json")

    assert response.status_code == 200
    profile = current_profile(carol_customer)
    assert (profile.version, profile.invoice_email, profile.document_language, profile.vat_payer) == (
        2,
        "invoices@carol.test",
        "en",
        True,
    )
    assert carol_customer.addresses.get().street == "Str. Scurtă 2"


def test_staff_still_change_the_tax_treatment(bill_billing, carol_customer):
    payload = {"country": "DE", "tax_id": "DE136695976", "currency": "EUR", "payment_terms_days": 30}
    payload["address"] = {"street": "Hauptstraße 5", "city": "Berlin", "county": "", "country": "DE"}

    response = bearer(bill_billing).patch(detail_url(carol_customer.pk), payload, format="json")

    assert response.status_code == 200
    assert unchanged(carol_customer) == ("company", "DE", "DE136695976", 2, ["DE"])


# --- the services, for every caller -----------------------------------------------------------


def test_the_profile_service_refuses_a_customer_user(carol, carol_customer):
    with pytest.raises(ValidationError) as refused:
        change_tax_profile(actor=carol, customer=carol_customer, currency="USD", invoice_email="a@carol.test")

    assert refused.value.message_dict == {"currency": [STAFF_ONLY]}
    assert TaxProfile.objects.filter(customer=carol_customer).count() == 1


def test_a_customer_user_adds_addresses_in_the_customers_country_only(carol, carol_customer):
    with pytest.raises(ValidationError) as refused:
        save_address(
            actor=carol,
            customer=carol_customer,
            values={"street": "Hauptstraße 5", "city": "Berlin", "country": "DE"},
        )

    assert refused.value.message_dict == {"country": [OTHER_COUNTRY]}
    assert carol_customer.addresses.count() == 1


# --- payment terms ---------------------------------------------------------------------------


@pytest.mark.parametrize("days", [121, 365])
def test_payment_terms_beyond_120_days_are_refused_to_staff_too(bill_billing, carol_customer, days):
    response = bearer(bill_billing).patch(
        detail_url(carol_customer.pk), {"payment_terms_days": days}, format="json"
    )

    assert error_of(response)["fields"] == {"payment_terms_days": [TERMS_MESSAGE]}
    assert current_profile(carol_customer).payment_terms_days == 14


def test_payment_terms_of_120_days_are_taken(bill_billing, carol_customer):
    response = bearer(bill_billing).patch(
        detail_url(carol_customer.pk), {"payment_terms_days": 120}, format="json"
    )

    assert response.json()["payment_terms_days"] == 120


def test_the_profile_service_bounds_the_payment_terms(alice_admin, carol_customer):
    with pytest.raises(ValidationError) as refused:
        change_tax_profile(actor=alice_admin, customer=carol_customer, payment_terms_days=365)

    assert refused.value.message_dict == {"payment_terms_days": [TERMS_MESSAGE]}


def test_the_staff_profile_page_names_the_bound(staff_client, alice_admin, carol_customer):
    response = staff_client(alice_admin).post(
        reverse("customers:profile-edit", args=[carol_customer.pk]),
        {"currency": "RON", "payment_terms_days": "365", "document_language": "ro"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"payment_terms_days": [TERMS_MESSAGE]}


# --- the customer area -----------------------------------------------------------------------


@pytest.fixture
def owner(client, carol):
    client.force_login(carol)
    return client


def test_the_billing_page_offers_the_invoice_email_and_language_only(owner, carol_customer):
    response = owner.get(reverse("customers:area-billing"))

    assert list(response.context["form"].fields) == ["invoice_email", "document_language"]
    text = response.content.decode()
    assert 'name="vat_payer"' not in text
    assert 'name="payment_terms_days"' not in text
    assert "14 days" in text


def test_posting_the_tax_fields_to_the_billing_page_changes_none_of_them(owner, carol_customer):
    response = owner.post(
        reverse("customers:area-billing"),
        {
            "vat_payer": "",
            "currency": "EUR",
            "payment_terms_days": "365",
            "invoice_email": "invoices@carol.test",
            "document_language": "ro",
        },
    )

    assert response.status_code == 302
    profile = current_profile(carol_customer)
    assert (profile.version, profile.vat_payer, profile.currency, profile.payment_terms_days) == (
        2,
        True,
        "RON",
        14,
    )
    assert profile.invoice_email == "invoices@carol.test"


def test_the_address_pages_offer_no_country(owner, carol_customer):
    address = carol_customer.addresses.get()

    added = owner.post(
        reverse("customers:area-address-add"),
        {"street": "Bd. Unirii 1", "city": "Sector 3", "county": "RO-B", "country": "DE"},
    )
    edited = owner.post(
        reverse("customers:area-address-edit", args=[address.pk]),
        {"street": "Str. Scurtă 2", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "DE"},
    )

    assert (added.status_code, edited.status_code) == (302, 302)
    assert list(carol_customer.addresses.order_by("id").values_list("street", "country")) == [
        ("Str. Scurtă 2", "RO"),
        ("Bd. Unirii 1", "RO"),
    ]
    form_page = owner.get(reverse("customers:area-address-edit", args=[address.pk]))
    assert "country" not in form_page.context["form"].fields


def test_the_details_page_shows_the_tax_identity_read_only_with_a_way_to_ask(owner, carol_customer):
    response = owner.get(reverse("customers:area-edit"))

    text = response.content.decode()
    assert set(response.context["form"].fields) & {"kind", "country", "tax_id"} == set()
    assert '<dt>Tax identifier</dt><dd class="mono">RO18547290</dd>' in text
    assert reverse("customers:area-change-request-new") in text
