"""Self sign-up: a new user signs up, confirms the e-mail, registers their company and acts for
it as its owner, with the checks staff creating a customer get (PRAHO_SELF_SIGNUP)."""

from __future__ import annotations

import pytest
from django.core import mail

from praho.accounts.models import User
from praho.accounts.tests.steps import last_link, new_browser
from praho.audit.models import AuditEvent
from praho.customers.models import Address, Customer, Membership, TaxProfile
from praho.customers.tests.test_staff_pages import HTMX, company_post

pytestmark = pytest.mark.django_db

NEW_URL = "/app/company/new/"
ANAF_URL = "/app/company/new/anaf/"
PASSWORD = "plum-orchard-lantern-42"


def signed_up_and_confirmed(email: str = "founder@exemplu.test"):
    """A visitor who signed up and followed the confirmation link: logged in, no customer."""
    browser = new_browser()
    browser.post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    link = last_link("/accounts/confirm-email/")
    assert browser.post(link).status_code == 302
    return browser


def test_a_new_user_registers_their_company_and_lands_in_the_customer_area_as_owner():
    browser = signed_up_and_confirmed()
    dashboard = browser.get(browser.get("/").headers["Location"])
    assert dashboard.status_code == 200
    assert f'href="{NEW_URL}"'.encode() in dashboard.content

    assert browser.get(NEW_URL).status_code == 200
    response = browser.post(NEW_URL, company_post())

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    user = User.objects.get(email="founder@exemplu.test")
    customer = Customer.objects.get()
    assert (customer.name, customer.tax_id, customer.email, customer.phone) == (
        "Exemplu Hosting SRL",
        "RO33034700",
        "contabilitate@exemplu.test",
        "+40721234567",
    )
    assert list(Membership.objects.values_list("customer", "user", "role")) == [
        (customer.pk, user.pk, "owner")
    ]
    assert list(TaxProfile.objects.values_list("version", "vat_payer", "currency")) == [(1, True, "RON")]
    assert list(
        AuditEvent.objects.filter(actor=user, action__startswith="customers.")
        .order_by("id")
        .values_list("action", "object_id", "data")
    ) == [
        ("customers.created", str(customer.pk), {"kind": "company", "country": "RO", "tax_id": "RO33034700"}),
        ("customers.member_added", str(customer.pk), {"user": "founder@exemplu.test", "role": "owner"}),
    ]
    page = browser.get("/app/")
    assert page.status_code == 200
    assert "Exemplu Hosting SRL" in page.content.decode()
    assert "Your role: Owner" in page.content.decode()
    assert browser.get("/app/customer/").context["customer"] == customer


def test_a_person_registers_as_an_individual_with_a_checked_cnp():
    browser = signed_up_and_confirmed("ion@example.test")
    data = {
        "kind": "individual",
        "name": "Ion Popescu",
        "country": "RO",
        "tax_id": "1800101420010",
        "address-street": "Str. Lungă 10",
        "address-city": "Cluj-Napoca",
        "address-county": "RO-CJ",
        "address-country": "RO",
    }

    wrong = browser.post(NEW_URL, data | {"tax_id": "1800101420011"})
    assert wrong.status_code == 400
    assert list(wrong.context["form"].errors) == ["tax_id"]
    response = browser.post(NEW_URL, data)

    assert response.status_code == 302
    assert list(Customer.objects.values_list("kind", "tax_id")) == [("individual", "1800101420010")]


def test_bad_input_shows_each_fields_error_and_saves_nothing():
    browser = signed_up_and_confirmed()

    response = browser.post(
        NEW_URL, company_post(tax_id="RO33034701", iban="RO00 XXXX", **{"address-county": ""})
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"tax_id", "iban"}
    assert dict(response.context["address_form"].errors) == {
        "county": ["Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."]
    }
    assert (Customer.objects.count(), TaxProfile.objects.count(), Address.objects.count()) == (0, 0, 0)
    assert Membership.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="customers.").count() == 0


def test_a_tax_identifier_already_registered_is_refused_without_naming_the_customer(carol_customer):
    browser = signed_up_and_confirmed()

    response = browser.post(NEW_URL, company_post(tax_id="RO18547290"))

    assert response.status_code == 400
    assert response.context["form"].errors["tax_id"] == [
        "This tax identifier is already registered with us. If you work for this company, "
        "ask one of its owners to invite you: the invitation arrives by e-mail."
    ]
    assert "Carol Hosting" not in response.content.decode()
    assert Customer.objects.count() == 1
    assert Membership.objects.filter(user__email="founder@exemplu.test").count() == 0


def test_the_anaf_button_fills_in_the_form_for_a_new_user(fake_anaf):
    fake_anaf.add(33034700, "EXEMPLU TECH SRL", locality="Mun. Cluj-Napoca", county="CLUJ", county_auto="CJ")
    browser = signed_up_and_confirmed()

    response = browser.post(ANAF_URL, company_post(name=""), **HTMX)

    assert response.status_code == 200
    assert response.templates[0].name == "customers/staff/_create_form.html"
    assert response.context["form"].initial["name"] == "EXEMPLU TECH SRL"
    assert f'hx-post="{ANAF_URL}"'.encode() in response.content


def test_switched_off_the_page_is_gone_and_not_offered(settings):
    settings.PRAHO_SELF_SIGNUP = False
    browser = signed_up_and_confirmed()

    assert browser.get(NEW_URL).status_code == 404
    assert browser.post(NEW_URL, company_post()).status_code == 404
    assert browser.post(ANAF_URL, company_post()).status_code == 404
    dashboard = browser.get("/app/")
    assert NEW_URL.encode() not in dashboard.content
    assert NEW_URL.encode() not in browser.get("/app/customer/").content
    assert Customer.objects.count() == 0


def test_staff_create_customers_in_the_staff_area_not_here(alice_admin, client):
    client.force_login(alice_admin)

    assert client.get(NEW_URL).status_code == 404


def test_a_visitor_is_sent_to_log_in():
    response = new_browser().get(NEW_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={NEW_URL}"
    assert mail.outbox == []
