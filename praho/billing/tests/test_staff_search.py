"""The staff search box (/staff/search/, praho.core.search): customers, documents by number and
payments by reference, grouped by kind (issue 12: "PRH-2026-000013" answered "No customer matches")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from praho.accounts.tests.factories import UserFactory, add_totp
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import record_payment

SEARCH = "/staff/search/"
HTMX = {"HTTP_HX_REQUEST": "true"}
SETUP = {"description": "Setup", "quantity": "1", "unit_price": "100"}


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def documents(billing_ready, bill_billing, carol_customer, dave_customer):
    """PRH-2026-000001 (carol, paid by "OP-4471"), PRH-2026-000002 (dave), PRF-2026-000001 (carol)."""

    def issue(customer, document_type="invoice", **values):
        draft = create_document(
            actor=bill_billing, document_type=document_type, customer=customer, lines=[SETUP], **values
        )
        return issue_document(actor=bill_billing, document=draft)

    carols = issue(carol_customer, issue_date=dt.date(2026, 3, 2))
    daves = issue(dave_customer, issue_date=dt.date(2026, 3, 3))
    proforma = issue(carol_customer, "proforma")
    payment = record_payment(
        actor=bill_billing,
        invoice=carols,
        amount=Decimal("121.00"),
        currency="RON",
        method="bank_transfer",
        reference="OP-4471 Carol Hosting",
        received_on=dt.date(2026, 3, 5),
    )
    return {"carols": carols, "daves": daves, "proforma": proforma, "payment": payment}


def groups(response) -> dict[str, list[str]]:
    return {group.kind: [result.title for result in group.results] for group in response.context["groups"]}


def test_a_full_invoice_number_finds_the_invoice(staff_client, alice_admin, documents):
    response = staff_client(alice_admin).get(SEARCH, {"q": "PRH-2026-000002"}, **HTMX)

    assert groups(response) == {"customers": [], "documents": ["PRH-2026-000002"], "payments": []}
    html = response.content.decode()
    assert (
        f'<a href="/staff/billing/documents/{documents["daves"].pk}/">'
        '<span class="search-name">PRH-2026-000002</span>' in html
    )
    assert (
        "<span>Invoice</span><span>Dave Web SRL</span><span>121.00\xa0RON</span><span>3 Mar 2026</span>"
        in html
    )
    assert '<p class="help search-count">1 result found</p>' in html
    assert "No customer matches" not in html


def test_part_of_a_number_in_any_case_finds_every_document_newest_first(staff_client, alice_admin, documents):
    response = staff_client(alice_admin).get(SEARCH, {"q": "2026-00000"}, **HTMX)

    assert groups(response)["documents"] == ["PRF-2026-000001", "PRH-2026-000002", "PRH-2026-000001"]
    assert groups(staff_client(alice_admin).get(SEARCH, {"q": "prf-2026"}, **HTMX))["documents"] == [
        "PRF-2026-000001"
    ]


def test_a_payment_is_found_by_part_of_its_reference(staff_client, alice_admin, documents):
    response = staff_client(alice_admin).get(SEARCH, {"q": "op-4471"}, **HTMX)

    assert groups(response) == {"customers": [], "documents": [], "payments": ["OP-4471 Carol Hosting"]}
    html = response.content.decode()
    assert (
        f'<a href="/staff/billing/documents/{documents["carols"].pk}/">'
        '<span class="search-name">OP-4471 Carol Hosting</span>' in html
    )
    assert (
        "<span>Carol Hosting SRL</span><span>121.00\xa0RON</span><span>5 Mar 2026</span>"
        "<span>PRH-2026-000001</span>" in html
    )


def test_customers_documents_and_payments_come_in_groups_with_headings(staff_client, alice_admin, documents):
    response = staff_client(alice_admin).get(SEARCH, {"q": "carol"}, **HTMX)

    assert groups(response) == {
        "customers": ["Carol Hosting SRL"],
        "documents": [],
        "payments": ["OP-4471 Carol Hosting"],
    }
    html = response.content.decode()
    assert '<p class="help search-count">2 results found</p>' in html
    assert '<section class="search-group" data-kind="customers" aria-label="Customers">' in html
    assert '<h2 class="search-kind">Payments</h2>' in html
    assert 'data-kind="documents"' not in html  # an empty group is left out


def test_nothing_found_says_what_was_searched(staff_client, alice_admin, documents):
    response = staff_client(alice_admin).get(SEARCH, {"q": "PRH-2026-000013"}, **HTMX)

    assert groups(response) == {"customers": [], "documents": [], "payments": []}
    assert (
        '<p class="help search-count">Nothing matches: no customer, document number or payment reference.</p>'
        in response.content.decode()
    )


def test_a_query_too_short_searches_nothing(staff_client, alice_admin, documents, django_assert_num_queries):
    client = staff_client(alice_admin)

    # 1 session, 2 user, 3 authenticators (staff gate); nothing searched.
    with django_assert_num_queries(3):
        response = client.get(SEARCH, {"q": "PR"}, **HTMX)

    assert response.context["groups"] == []
    assert b"Type at least 3 characters." in response.content


def test_the_search_runs_a_fixed_number_of_queries(
    staff_client, alice_admin, documents, django_assert_num_queries
):
    client = staff_client(alice_admin)

    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions;
    # 6 the matching customers, 7 their newest tax profiles, 8 their billing addresses (customers);
    # 9 documents by number, 10 payments by reference (billing).
    with django_assert_num_queries(10):
        response = client.get(SEARCH, {"q": "carol"}, **HTMX)

    assert groups(response)["customers"] == ["Carol Hosting SRL"]


def test_staff_without_a_role_find_nothing(staff_client, documents):
    nobody = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(nobody)

    response = staff_client(nobody).get(SEARCH, {"q": "PRH-2026-000001"}, **HTMX)

    assert response.status_code == 200
    assert response.context["groups"] == []


def test_customers_users_never_reach_the_staff_search(client, carol, documents):
    client.force_login(carol)

    assert client.get(SEARCH, {"q": "PRH-2026-000002"}, **HTMX).status_code == 404


def test_without_htmx_the_search_is_a_page_with_its_box(staff_client, alice_admin, documents):
    response = staff_client(alice_admin).get(SEARCH, {"q": "PRH-2026-000001"})

    assert response.templates[0].name == "core/search.html"
    html = response.content.decode()
    assert 'value="PRH-2026-000001"' in html
    assert '<span class="search-name">PRH-2026-000001</span>' in html
