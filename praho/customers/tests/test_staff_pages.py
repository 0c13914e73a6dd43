"""Staff customer pages (/staff/customers/): create (with the ANAF prefill), detail,
edit, tax profile versions, VIES check, delete and restore, and who may do what."""

from __future__ import annotations

import re

import pytest

from praho.audit.models import AuditEvent
from praho.customers.models import Address, Customer, TaxProfile
from praho.customers.services.customers import create_customer, current_profile

pytestmark = pytest.mark.django_db

LIST_URL = "/staff/customers/"
CREATE_URL = "/staff/customers/new/"
ANAF_URL = "/staff/customers/new/anaf/"
DELETED_URL = "/staff/customers/deleted/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def detail_url(customer: Customer) -> str:
    return f"/staff/customers/{customer.pk}/"


def company_post(**changes: str) -> dict[str, str]:
    """The new-company form as a browser posts it: a Bucharest company, VAT payer."""
    data = {
        "kind": "company",
        "name": "Exemplu Hosting SRL",
        "trade_name": "Exemplu",
        "country": "RO",
        "tax_id": "RO 33034700",
        "trade_register_number": "j40/123/2020",
        "vat_payer": "on",
        "iban": "RO49 AAAA 1B31 0075 9384 0000",
        "email": "Contabilitate@Exemplu.test",
        "phone": "0721 234 567",
        "address-street": "Str. Exemplu 1",
        "address-city": "Sector 3",
        "address-postal_code": "030000",
        "address-county": "RO-B",
        "address-country": "RO",
    }
    data.update(changes)
    return data


def edit_post(client, customer: Customer, **changes: str) -> dict[str, str]:
    """The edit page's one form (details and billing address) as a browser posts it: the values
    it shows, with `changes` (address fields named "address-<field>")."""
    page = client.get(f"/staff/customers/{customer.pk}/edit/")
    shown = {name: value for name, value in page.context["form"].initial.items() if value is not None}
    address = page.context["address_form"].initial.items()
    return shown | {f"address-{name}": value for name, value in address if value is not None} | changes


def errors_of(response, form: str = "form") -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context[form].errors.items()}


def field_error_html(response, field_id: str) -> str:
    """The error list the page shows under one input (form_field.html: <ul id="<id>_error">)."""
    match = re.search(
        rf'<ul class="field-errors" id="{field_id}_error">(.*?)</ul>', response.content.decode(), re.S
    )
    assert match, f"no error shown for {field_id}"
    return match.group(1)


# --- create -----------------------------------------------------------------------------------


def test_the_create_page_offers_company_and_individual(admin):
    company = admin.get(CREATE_URL)
    individual = admin.get(CREATE_URL, {"kind": "individual"})

    assert company.status_code == 200
    assert list(company.context["form"].fields) == [
        "name",
        "trade_name",
        "country",
        "tax_id",
        "trade_register_number",
        "vat_payer",
        "vat_on_cash_basis",
        "iban",
        "email",
        "phone",
    ]
    assert b'<a href="/staff/customers/new/?kind=company" aria-current="page">Company</a>' in company.content
    assert b'formaction="/staff/customers/new/anaf/"' in company.content
    assert list(individual.context["form"].fields) == ["name", "country", "tax_id", "email", "phone"]
    assert b'<label for="id_tax_id">CNP</label>' in individual.content
    assert b"formaction" not in individual.content
    # Romanian counties by ISO 3166-2:RO code with their names; Bucharest's sectors as city choices.
    assert b'<option value="RO-CT">Constan\xc8\x9ba (RO-CT)</option>' in company.content
    assert b'<option value="RO-B">Bucure\xc8\x99ti (RO-B)</option>' in company.content
    assert b'list="bucharest-sectors"' in company.content
    assert re.findall(rb'<option value="(Sector \d)">', company.content) == [
        f"Sector {n}".encode() for n in range(1, 7)
    ]


def test_staff_create_a_romanian_company_in_a_bucharest_sector(admin, alice_admin):
    response = admin.post(CREATE_URL, company_post())

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(customer)
    assert (customer.kind, customer.name, customer.trade_name, customer.country) == (
        "company",
        "Exemplu Hosting SRL",
        "Exemplu",
        "RO",
    )
    assert (customer.tax_id, customer.trade_register_number, customer.iban) == (
        "RO33034700",
        "J40/123/2020",
        "RO49AAAA1B31007593840000",
    )
    assert (customer.email, customer.phone) == ("contabilitate@exemplu.test", "+40721234567")
    address = Address.objects.get(customer=customer)
    assert (address.street, address.city, address.postal_code, address.county, address.country) == (
        "Str. Exemplu 1",
        "Sector 3",
        "030000",
        "RO-B",
        "RO",
    )
    assert address.is_billing is True
    profile = current_profile(customer)
    assert (profile.version, profile.vat_payer, profile.vat_on_cash_basis, profile.created_by) == (
        1,
        True,
        False,
        alice_admin,
    )
    event = AuditEvent.objects.get(action="customers.created")
    assert (event.actor, event.object_id) == (alice_admin, str(customer.pk))
    page = admin.get(response["Location"])
    assert [str(message) for message in page.context["messages"]] == [
        "Customer Exemplu Hosting SRL was created."
    ]
    assert b'<dd class="mono">RO 33034700</dd>' in page.content
    assert "Sector 3<br>" in page.content.decode()
    assert "București, RO" in page.content.decode()


def test_staff_create_a_company_from_another_eu_country(admin):
    response = admin.post(
        CREATE_URL,
        {
            "kind": "company",
            "name": "Beispiel GmbH",
            "country": "DE",
            "tax_id": "136 695 976",
            "email": "buchhaltung@beispiel.test",
            "phone": "+49 30 1234567",
            "address-street": "Hauptstraße 1",
            "address-city": "Berlin",
            "address-postal_code": "10115",
            "address-county": "",
            "address-country": "DE",
        },
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert (customer.country, customer.tax_id, customer.phone) == ("DE", "DE136695976", "+49301234567")
    assert (customer.vies_status, current_profile(customer).currency) == ("unchecked", "EUR")
    assert list(Address.objects.values_list("city", "county", "country")) == [("Berlin", "", "DE")]


def test_staff_create_an_individual_with_a_cnp(admin):
    response = admin.post(
        CREATE_URL,
        {
            "kind": "individual",
            "name": "Ion Popescu",
            "country": "RO",
            "tax_id": "1800101221144",
            "email": "ion@exemplu.test",
            "phone": "",
            "address-street": "Str. Florilor 2",
            "address-city": "Cluj-Napoca",
            "address-postal_code": "400001",
            "address-county": "RO-CJ",
            "address-country": "RO",
        },
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert (customer.kind, customer.name, customer.tax_id, customer.trade_name) == (
        "individual",
        "Ion Popescu",
        "1800101221144",
        "",
    )
    assert current_profile(customer).vat_payer is False
    page = admin.get(detail_url(customer))
    assert b"<dt>CNP</dt>" in page.content
    assert b'<dd class="mono">1800101221144</dd>' in page.content


def test_every_invalid_field_is_shown_next_to_it_and_nothing_is_saved(admin):
    response = admin.post(
        CREATE_URL,
        company_post(
            tax_id="33034701",
            trade_register_number="J99/1/2020",
            iban="RO49 AAAA 1B31 0075 9384 0001",
            email="not-an-email",
            phone="12",
            **{"address-city": "București"},
        ),
    )

    assert response.status_code == 200
    assert errors_of(response) == {
        "tax_id": ["CUI is not valid: the check digit is wrong."],
        "trade_register_number": [
            "Trade register number is not valid: part of it is impossible (such as a date or a county code)."
        ],
        "iban": ["IBAN is not valid: the check digit is wrong."],
        "email": ["Enter a valid email address."],
        "phone": ["Enter a valid phone number, e.g. +40 721 234 567."],
    }
    assert errors_of(response, "address_form") == {
        "city": ["In Bucharest the city is a sector: Sector 1 to Sector 6."]
    }
    assert field_error_html(response, "id_tax_id") == "<li>CUI is not valid: the check digit is wrong.</li>"
    assert field_error_html(response, "id_address-city") == (
        "<li>In Bucharest the city is a sector: Sector 1 to Sector 6.</li>"
    )
    assert b'aria-invalid="true" aria-describedby="id_tax_id_helptext id_tax_id_error"' in response.content
    # What was typed stays in the form.
    assert b'value="J99/1/2020"' in response.content
    assert Customer.objects.count() == 0
    assert TaxProfile.objects.count() == 0
    assert Address.objects.count() == 0
    assert AuditEvent.objects.filter(action="customers.created").count() == 0


def test_a_romanian_address_needs_a_county_and_a_romanian_company_a_cui(admin):
    response = admin.post(CREATE_URL, company_post(tax_id="", **{"address-county": ""}))

    assert response.status_code == 200
    assert errors_of(response) == {"tax_id": ["A Romanian company must have a CUI."]}
    assert errors_of(response, "address_form") == {
        "county": ["Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."]
    }
    assert Customer.objects.count() == 0


def test_required_fields_are_named_before_asking_the_services(admin):
    response = admin.post(CREATE_URL, company_post(name="", **{"address-street": ""}))

    assert errors_of(response) == {"name": ["This field is required."]}
    assert errors_of(response, "address_form") == {"street": ["This field is required."]}
    assert Customer.objects.count() == 0


def test_a_duplicate_cui_names_the_other_customer_with_a_link(admin, carol_customer):
    response = admin.post(CREATE_URL, company_post(tax_id="18547290"))

    assert response.status_code == 200
    link = f'<a href="/staff/customers/{carol_customer.pk}/">Carol Hosting SRL</a>'
    assert field_error_html(response, "id_tax_id") == (
        f"<li>This tax identifier already belongs to customer {link}.</li>"
    )
    assert Customer.objects.count() == 1


def test_the_duplicate_link_escapes_the_other_customers_name(admin, alice_admin):
    other = create_customer(
        actor=alice_admin,
        kind="company",
        name='<script>alert("x")</script> 100% SRL',
        country="RO",
        tax_id="40000000",
        address={"street": "Str. A 1", "city": "Arad", "county": "RO-AR", "country": "RO"},
    )

    response = admin.post(CREATE_URL, company_post(tax_id="RO40000000"))

    html = field_error_html(response, "id_tax_id")
    assert html == (
        f'<li>This tax identifier already belongs to customer <a href="/staff/customers/{other.pk}/">'
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 100% SRL</a>.</li>"
    )
    assert b"<script>alert" not in response.content


# --- detail -----------------------------------------------------------------------------------


def test_the_detail_page_shows_identity_address_profile_and_links_to_the_users(admin, carol_customer):
    response = admin.get(detail_url(carol_customer))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Carol Hosting SRL</h1>" in html
    assert '<dd class="mono">RO 18547290</dd>' in html
    assert "Str. Lungă 10<br>" in html
    assert "Cluj, RO" in html
    assert [(entry["profile"].version, entry["first"]) for entry in response.context["history"]] == [
        (1, True)
    ]
    assert f'<a href="/staff/customers/{carol_customer.pk}/users/">' in html


def test_an_unknown_customer_is_not_found(admin):
    assert admin.get("/staff/customers/999999/").status_code == 404


# --- tax and billing profile --------------------------------------------------------------------


def test_changing_the_profile_creates_version_2_and_the_history_shows_both(
    admin, alice_admin, bill_billing, staff_client, carol_customer
):
    url = f"/staff/customers/{carol_customer.pk}/profile/"
    billing = staff_client(bill_billing)
    page = billing.get(url)

    response = billing.post(
        url,
        {
            "vat_payer": "",
            "currency": "EUR",
            "payment_terms_days": "30",
            "invoice_email": "facturi@carol.test",
            "document_language": "en",
        },
    )

    assert page.status_code == 200
    assert page.context["form"].initial == {
        "vat_payer": True,
        "vat_on_cash_basis": False,
        "currency": "RON",
        "payment_terms_days": 14,
        "invoice_email": "",
        "document_language": "ro",
    }
    assert response.status_code == 302
    assert response["Location"] == detail_url(carol_customer)
    versions = list(TaxProfile.objects.filter(customer=carol_customer).order_by("version"))
    assert [(p.version, p.vat_payer, p.currency, p.created_by) for p in versions] == [
        (1, True, "RON", alice_admin),
        (2, False, "EUR", bill_billing),
    ]
    event = AuditEvent.objects.get(action="customers.profile_changed")
    assert (event.actor, event.data["version"]) == (bill_billing, 2)
    detail = billing.get(detail_url(carol_customer))
    assert [str(m) for m in detail.context["messages"]] == ["The profile was saved as version 2."]
    history = detail.context["history"]
    assert [(entry["profile"].version, entry["profile"].created_by.email) for entry in history] == [
        (2, "bill@staff.test"),
        (1, "alice@staff.test"),
    ]
    assert history[0]["changes"] == [
        {"label": "VAT payer", "before": "yes", "after": "no"},
        {"label": "Default currency", "before": "RON", "after": "EUR"},
        {"label": "Payment terms (days)", "before": "14", "after": "30"},
        {"label": "Invoice email", "before": "—", "after": "facturi@carol.test"},
        {"label": "Document language", "before": "Romanian", "after": "English"},
    ]
    html = detail.content.decode()
    assert "<li>VAT payer: yes → no</li>" in html
    assert "<td>First version</td>" in html
    assert "<td>bill@staff.test</td>" in html
    assert "<td>alice@staff.test</td>" in html
    # A VAT payer no longer: the CUI shows without the RO prefix.
    assert '<dd class="mono">18547290</dd>' in html


def test_saving_an_unchanged_profile_adds_no_version(admin, carol_customer):
    url = f"/staff/customers/{carol_customer.pk}/profile/"
    initial = admin.get(url).context["form"].initial

    response = admin.post(url, {**initial, "vat_payer": "on"})

    assert response.status_code == 302
    assert TaxProfile.objects.filter(customer=carol_customer).count() == 1
    page = admin.get(detail_url(carol_customer))
    assert [str(m) for m in page.context["messages"]] == ["Nothing changed; the profile stays at version 1."]


def test_a_bad_profile_value_is_shown_next_to_its_field(admin, carol_customer):
    url = f"/staff/customers/{carol_customer.pk}/profile/"

    response = admin.post(
        url,
        {"currency": "XYZ", "payment_terms_days": "-1", "invoice_email": "nope", "document_language": "ro"},
    )

    assert response.status_code == 200
    assert errors_of(response) == {
        "currency": ["Select a valid choice. XYZ is not one of the available choices."],
        "payment_terms_days": ["Ensure this value is greater than or equal to 0."],
        "invoice_email": ["Enter a valid email address."],
    }
    assert TaxProfile.objects.filter(customer=carol_customer).count() == 1


# --- edit -------------------------------------------------------------------------------------


def test_staff_edit_the_details_of_a_customer(admin, alice_admin, carol_customer):
    url = f"/staff/customers/{carol_customer.pk}/edit/"
    page = admin.get(url)

    response = admin.post(
        url,
        edit_post(
            admin, carol_customer, trade_name="Carol Cloud", email="office@carol.test", phone="0721 234 567"
        ),
    )

    assert page.context["form"].initial["tax_id"] == "RO18547290"
    assert response.status_code == 302
    carol_customer.refresh_from_db()
    assert (carol_customer.trade_name, carol_customer.email, carol_customer.phone) == (
        "Carol Cloud",
        "office@carol.test",
        "+40721234567",
    )
    event = AuditEvent.objects.get(action="customers.changed")
    assert event.data["changes"] == {
        "trade_name": ["", "Carol Cloud"],
        "email": ["", "office@carol.test"],
        "phone": ["", "+40721234567"],
    }


def test_one_save_keeps_both_a_changed_phone_and_a_changed_street(admin, carol_customer):
    url = f"/staff/customers/{carol_customer.pk}/edit/"
    page = admin.get(url)

    response = admin.post(
        url, edit_post(admin, carol_customer, phone="0721 234 567", **{"address-street": "Str. Nouă 5"})
    )

    # One form with one submit button: nothing typed in one part is lost by saving the other.
    assert page.content.decode().count('<form method="post" action="' + url) == 1
    assert response.status_code == 302
    carol_customer.refresh_from_db()
    assert (carol_customer.phone, carol_customer.addresses.get().street) == ("+40721234567", "Str. Nouă 5")
    assert [str(message) for message in admin.get(response.url).context["messages"]] == [
        "The customer's details and billing address were saved."
    ]


def test_an_error_in_either_part_saves_neither_and_shows_both_errors(admin, carol_customer, dave_customer):
    url = f"/staff/customers/{carol_customer.pk}/edit/"
    before = (Customer.objects.values().get(pk=carol_customer.pk), list(Address.objects.values()))

    wrong_city = admin.post(
        url, edit_post(admin, carol_customer, phone="0721 234 567", **{"address-county": "RO-B"})
    )
    taken_cui = admin.post(
        url, edit_post(admin, carol_customer, tax_id="14399840", **{"address-street": "Str. Nouă 5"})
    )
    both = admin.post(
        url,
        edit_post(admin, carol_customer, email="not-an-email", **{"address-county": "RO-B"}),
    )

    assert (wrong_city.status_code, taken_cui.status_code, both.status_code) == (200, 200, 200)
    assert errors_of(wrong_city, "address_form") == {
        "city": ["In Bucharest the city is a sector: Sector 1 to Sector 6."]
    }
    assert list(errors_of(taken_cui)) == ["tax_id"]
    # The typed street is still in the form, to be saved once the CUI is right.
    assert taken_cui.context["address_form"]["street"].value() == "Str. Nouă 5"
    assert (list(errors_of(both)), list(errors_of(both, "address_form"))) == (["email"], ["city"])
    assert (Customer.objects.values().get(pk=carol_customer.pk), list(Address.objects.values())) == before


def test_editing_to_a_taken_cui_shows_the_link_and_changes_nothing(admin, carol_customer, dave_customer):
    url = f"/staff/customers/{carol_customer.pk}/edit/"

    response = admin.post(url, edit_post(admin, carol_customer, tax_id="14399840"))

    assert response.status_code == 200
    assert field_error_html(response, "id_tax_id") == (
        "<li>This tax identifier already belongs to customer "
        f'<a href="/staff/customers/{dave_customer.pk}/">Dave Web SRL</a>.</li>'
    )
    carol_customer.refresh_from_db()
    assert carol_customer.tax_id == "RO18547290"


def test_staff_change_the_billing_address(admin, carol_customer):
    url = f"/staff/customers/{carol_customer.pk}/edit/"

    bad = admin.post(
        url,
        edit_post(
            admin,
            carol_customer,
            **{
                "address-street": "Bd. Unirii 1",
                "address-city": "Bucharest",
                "address-postal_code": "",
                "address-county": "RO-B",
                "address-country": "RO",
            },
        ),
    )
    good = admin.post(
        url,
        edit_post(
            admin,
            carol_customer,
            **{
                "address-street": "Bd. Unirii 1",
                "address-city": "Sector 4",
                "address-postal_code": "040000",
                "address-county": "RO-B",
                "address-country": "RO",
            },
        ),
    )

    assert errors_of(bad, "address_form") == {
        "city": ["In Bucharest the city is a sector: Sector 1 to Sector 6."]
    }
    assert good.status_code == 302
    assert list(carol_customer.addresses.values_list("street", "city", "county", "is_billing")) == [
        ("Bd. Unirii 1", "Sector 4", "RO-B", True)
    ]
