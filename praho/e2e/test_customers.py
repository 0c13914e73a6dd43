"""Staff customer pages in a browser: the list filters as one types, and a new company is filled
in from ANAF (the local fake) without leaving the page."""

from __future__ import annotations

import pytest

from praho.e2e.steps import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_customer_list_filters_as_staff_type(web, alice_admin, carol_customer, dave_customer):
    log_in(web, alice_admin)
    web.go("/staff/customers/")
    names = web.page.locator("#customer-results tbody td:first-child a")
    assert names.all_inner_texts() == ["Carol Hosting SRL", "Dave Web SRL"]

    web.page.locator("main").get_by_label("Search", exact=True).press_sequentially("Dav")
    web.page.wait_for_url("**/staff/customers/?*q=Dav*")

    assert names.all_inner_texts() == ["Dave Web SRL"]
    assert web.page.locator("#customer-results > p.help").inner_text() == "1 customer"


def test_a_new_company_is_filled_in_from_anaf(web, alice_admin, fake_anaf):
    fake_anaf.add(33034700, "EXEMPLU TECH SRL")
    log_in(web, alice_admin)
    web.go("/staff/customers/new/?kind=company")

    web.page.get_by_label("CUI", exact=False).first.fill("33034700")
    web.page.get_by_role("button", name="Fill in from ANAF").click()

    assert web.page.locator(".anaf-result").inner_text().startswith("Filled in from ANAF: EXEMPLU TECH SRL.")
    assert web.page.input_value("[name=name]") == "EXEMPLU TECH SRL"
    assert web.path() == "/staff/customers/new/?kind=company"
    assert fake_anaf.request_count == 1


def test_anaf_out_of_reach_is_said_next_to_the_button(web, alice_admin):
    log_in(web, alice_admin)  # ANAF_COMPANY_LOOKUP_URL is a closed port in the test settings
    web.go("/staff/customers/new/?kind=company")

    web.page.get_by_label("CUI", exact=False).first.fill("33034700")
    web.page.get_by_role("button", name="Fill in from ANAF").click()

    assert web.page.get_by_role("alert").inner_text() != ""
    assert web.page.input_value("[name=name]") == ""
