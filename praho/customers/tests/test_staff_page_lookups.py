"""Staff customer pages (/staff/customers/): the ANAF prefill of a new customer and the VIES check
(split from test_staff_pages.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from praho.audit.models import AuditEvent
from praho.customers.models import Customer
from praho.customers.tests.test_staff_pages import (
    ANAF_URL,
    CREATE_URL,
    HTMX,
    company_post,
    detail_url,
)
from praho.testing.fakes import HANG_UP, SLOW

pytestmark = pytest.mark.django_db


# --- ANAF prefill -----------------------------------------------------------------------------


def test_the_anaf_button_fills_in_the_company_from_its_cui(admin, fake_anaf):
    fake_anaf.add(
        33034700,
        "EXEMPLU TECH SRL",
        street="Str. Memorandumului",
        number="28",
        locality="Mun. Cluj-Napoca",
        county="CLUJ",
        county_auto="CJ",
        postal_code="400114",
        trade_register="J12/3456/2015",
        vat_payer=True,
        vat_on_cash_basis=True,
    )
    typed = company_post(name="", trade_name="Tech", tax_id="RO33034700", vat_payer="")
    for key in ("address-street", "address-city", "address-postal_code", "address-county"):
        typed[key] = ""
    del typed["vat_payer"]

    response = admin.post(ANAF_URL, typed, **HTMX)

    assert response.status_code == 200
    assert response.templates[0].name == "customers/staff/_create_form.html"
    assert b"<html" not in response.content
    assert response.content.decode().lstrip().startswith('<div id="customer-form-fields">')
    form, address_form = response.context["form"], response.context["address_form"]
    assert form.is_bound is False
    assert {
        name: form.initial[name] for name in ("name", "trade_name", "tax_id", "trade_register_number")
    } == {
        "name": "EXEMPLU TECH SRL",
        "trade_name": "Tech",
        "tax_id": "RO33034700",
        "trade_register_number": "J12/3456/2015",
    }
    assert (form.initial["vat_payer"], form.initial["vat_on_cash_basis"]) == (True, True)
    assert address_form.initial == {
        "street": "Str. Memorandumului nr. 28",
        "city": "Cluj-Napoca",
        "postal_code": "400114",
        "county": "RO-CJ",
        "country": "RO",
    }
    html = response.content.decode()
    assert 'value="EXEMPLU TECH SRL"' in html
    assert '<option value="RO-CJ" selected>Cluj (RO-CJ)</option>' in html
    assert '<input type="checkbox" name="vat_on_cash_basis" id="id_vat_on_cash_basis" checked>' in html
    assert (
        '<p class="anaf-result" role="status">Filled in from ANAF: EXEMPLU TECH SRL. '
        "Check the data, then create the customer.</p>"
    ) in html
    assert 'class="field-errors"' not in html
    assert fake_anaf.request_count == 1
    assert Customer.objects.count() == 0


def test_a_bucharest_company_from_anaf_gets_its_sector(admin, fake_anaf):
    fake_anaf.add(
        40000000,
        "CAPITALA SRL",
        street="Bd. Unirii",
        number="1",
        locality="Sector 3",
        county="MUNICIPIUL BUCUREŞTI",
        county_auto="B",
        postal_code="030000",
    )

    response = admin.post(ANAF_URL, company_post(tax_id="40000000"), **HTMX)

    assert (
        response.context["address_form"].initial["county"],
        response.context["address_form"].initial["city"],
    ) == (
        "RO-B",
        "Sector 3",
    )


def test_what_anaf_leaves_blank_keeps_what_staff_typed(admin, fake_anaf):
    record = fake_anaf.add(33034700, "EXEMPLU TECH SRL", trade_register="")
    record["adresa_sediu_social"] = {}
    record["adresa_domiciliu_fiscal"] = {}

    response = admin.post(
        ANAF_URL,
        company_post(trade_register_number="J40/123/2020", **{"address-city": "Sector 3"}),
        **HTMX,
    )

    assert response.context["form"].initial["trade_register_number"] == "J40/123/2020"
    assert response.context["address_form"].initial == {
        "street": "JUD. CLUJ, Mun. Cluj-Napoca, Str. Memorandumului, NR.28",
        "city": "Sector 3",
        "postal_code": "400114",
        "county": "RO-B",
        "country": "RO",
    }


def test_without_javascript_the_anaf_button_returns_the_whole_page(admin, fake_anaf):
    fake_anaf.add(33034700, "EXEMPLU TECH SRL")

    response = admin.post(ANAF_URL, company_post(name=""))

    assert response.status_code == 200
    assert "customers/staff/create.html" in [template.name for template in response.templates]
    assert b'value="EXEMPLU TECH SRL"' in response.content
    assert b'<form method="post" action="/staff/customers/new/"' in response.content


@pytest.mark.parametrize(
    ("cui", "message"),
    [
        ("18547290", "ANAF has no company with CUI 18547290; check the number or enter the data by hand."),
        ("18547291", "CUI is not valid: the check digit is wrong."),
    ],
)
def test_anaf_says_why_nothing_was_filled_in(admin, fake_anaf, cui, message):
    response = admin.post(ANAF_URL, company_post(name="Typed By Hand SRL", tax_id=cui), **HTMX)

    assert response.status_code == 200
    assert f'<p class="field-errors anaf-result" role="alert">{message}</p>' in response.content.decode()
    assert response.context["form"].initial["name"] == "Typed By Hand SRL"
    assert fake_anaf.request_count == (1 if cui == "18547290" else 0)


@pytest.mark.parametrize("mode", [HANG_UP, SLOW])
def test_when_anaf_does_not_answer_staff_type_the_data_by_hand(admin, fake_anaf, mode):
    fake_anaf.add(33034700, "EXEMPLU TECH SRL")
    fake_anaf.go_down(mode)

    response = admin.post(ANAF_URL, company_post(name="Exemplu By Hand SRL"), **HTMX)

    message = "ANAF&#x27;s company lookup did not answer; enter the data by hand or try again later."
    assert f'<p class="field-errors anaf-result" role="alert">{message}</p>' in response.content.decode()
    assert response.context["form"].initial["name"] == "Exemplu By Hand SRL"
    # Manual entry still works.
    created = admin.post(CREATE_URL, company_post(name="Exemplu By Hand SRL"))
    assert created.status_code == 302
    assert Customer.objects.get().name == "Exemplu By Hand SRL"


def test_support_may_not_ask_anaf(staff_client, sue_support, fake_anaf):
    fake_anaf.add(33034700, "EXEMPLU TECH SRL")

    response = staff_client(sue_support).post(ANAF_URL, company_post(), **HTMX)

    assert response.status_code == 403
    assert fake_anaf.request_count == 0


def test_the_anaf_prefill_takes_only_posts(admin):
    assert admin.get(ANAF_URL).status_code == 405


# --- VIES -------------------------------------------------------------------------------------


def test_staff_check_an_eu_vat_number_with_vies(admin, alice_admin, german_company, fake_vies):
    fake_vies.register("DE136695976", "Beispiel GmbH", "Hauptstraße 1, Berlin")
    page = admin.get(detail_url(german_company))

    with time_machine.travel("2026-03-10 12:34:56Z", tick=False):
        response = admin.post(f"/staff/customers/{german_company.pk}/vies/")

    assert b'hx-post="/staff/customers/%d/vies/"' % german_company.pk in page.content
    assert response.status_code == 302
    german_company.refresh_from_db()
    assert (german_company.vies_status, german_company.vies_reference) == ("valid", "WAPIAAAA00000001")
    assert german_company.vies_checked_at == datetime(2026, 3, 10, 12, 34, 56, tzinfo=UTC)
    assert fake_vies.received[0].json() == {
        "countryCode": "DE",
        "vatNumber": "136695976",
        "requesterMemberStateCode": "RO",
        "requesterNumber": "18547290",
    }
    event = AuditEvent.objects.get(action="customers.vies_checked")
    assert (event.actor, event.data["status"], event.data["reference"]) == (
        alice_admin,
        "valid",
        "WAPIAAAA00000001",
    )
    detail = admin.get(detail_url(german_company))
    assert [str(m) for m in detail.context["messages"]] == ["VIES answered: Valid."]
    html = detail.content.decode()
    assert '<span class="badge badge-ok">Valid</span>' in html
    assert '<dd class="mono">WAPIAAAA00000001</dd>' in html
    # Shown in Bucharest time.
    assert '<time datetime="2026-03-10T14:34:56+02:00">10 Mar 2026 14:34</time>' in html


def test_the_vies_button_answers_htmx_with_the_section_only(admin, german_company, fake_vies):
    response = admin.post(f"/staff/customers/{german_company.pk}/vies/", **HTMX)

    assert response.status_code == 200
    assert response.templates[0].name == "customers/staff/_vies.html"
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="vies"')
    assert "<html" not in html
    assert '<span class="badge badge-warn">Invalid</span>' in html
    assert '<dd class="mono">WAPIAAAA00000001</dd>' in html


def test_when_vies_does_not_answer_the_status_stays_and_staff_are_told(admin, german_company, fake_vies):
    fake_vies.go_down(HANG_UP)

    response = admin.post(f"/staff/customers/{german_company.pk}/vies/", **HTMX)

    assert response.status_code == 200
    assert (
        '<p class="field-errors" role="alert">'
        "VIES did not answer, so the VAT number could not be checked; try again later.</p>"
    ) in response.content.decode()
    german_company.refresh_from_db()
    assert (german_company.vies_status, german_company.vies_checked_at, german_company.vies_reference) == (
        "unchecked",
        None,
        "",
    )
    assert AuditEvent.objects.filter(action="customers.vies_checked").count() == 0


def test_a_romanian_customer_is_not_checked_in_vies(admin, carol_customer, fake_vies):
    page = admin.get(detail_url(carol_customer))

    response = admin.post(f"/staff/customers/{carol_customer.pk}/vies/")

    assert b"/vies/" not in page.content
    assert response.status_code == 302
    detail = admin.get(detail_url(carol_customer))
    assert [str(m) for m in detail.context["messages"]] == [
        "Only a company from another EU member state with a VAT number can be checked in VIES."
    ]
    assert fake_vies.request_count == 0
