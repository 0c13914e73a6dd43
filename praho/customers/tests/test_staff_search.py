"""Finding customers: the instant search box (/staff/customers/search/) and the
customer list with its filters (/staff/customers/)."""

from __future__ import annotations

import re

import pytest

from praho.customers.services.customers import create_customer, delete_customer

pytestmark = pytest.mark.django_db

SEARCH_URL = "/staff/customers/search/"
LIST_URL = "/staff/customers/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def company(actor, name: str, tax_id: str, **fields):
    address = fields.pop("address", None) or {
        "street": "Str. Mare 1",
        "city": "Constanța",
        "county": "RO-CT",
        "country": "RO",
    }
    return create_customer(
        actor=actor, kind="company", name=name, country="RO", tax_id=tax_id, address=address, **fields
    )


def person(actor, name: str, **fields):
    return create_customer(
        actor=actor,
        kind="individual",
        name=name,
        country=fields.pop("country", "RO"),
        address={"street": "Str. Mică 2", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"},
        **fields,
    )


def names(response) -> list[str]:
    return [customer.name for customer in response.context["results"]]


@pytest.fixture
def support(staff_client, sue_support):
    return staff_client(sue_support)


@pytest.fixture
def customers(alice_admin, carol_customer, dave_customer):
    """Carol (RO18547290, VAT payer), Dave (RO14399840) and three more."""
    return {
        "constanta": company(
            alice_admin,
            "Constanța Soft SRL",
            "33034700",
            trade_name="Marea Neagră",
            email="office@constanta-soft.test",
            phone="+40 721 234 567",
        ),
        "ion": person(alice_admin, "Ion Popescu", email="ion.popescu@mail.test", phone="0744 111 222"),
        "maria": person(alice_admin, "Maria Ionescu", email="maria@mail.test"),
    }


def test_a_name_typed_without_diacritics_finds_the_customer(support, customers):
    response = support.get(SEARCH_URL, {"q": "Constanta"}, **HTMX)

    assert response.status_code == 200
    assert names(response) == ["Constanța Soft SRL"]


def test_diacritics_in_the_query_match_too(support, customers):
    assert names(support.get(SEARCH_URL, {"q": "marea neagră"}, **HTMX)) == ["Constanța Soft SRL"]
    assert names(support.get(SEARCH_URL, {"q": "MAREA NEAGRA"}, **HTMX)) == ["Constanța Soft SRL"]


@pytest.mark.parametrize("query", ["18547290", "RO18547290", "RO 18547290", "1854"])
def test_the_cui_digits_find_the_company(support, customers, query):
    assert names(support.get(SEARCH_URL, {"q": query}, **HTMX)) == ["Carol Hosting SRL"]


def test_an_email_finds_the_customer(support, customers):
    assert names(support.get(SEARCH_URL, {"q": "ion.popescu@mail"}, **HTMX)) == ["Ion Popescu"]


def test_a_phone_typed_the_national_way_finds_the_stored_international_number(support, customers):
    assert names(support.get(SEARCH_URL, {"q": "0721 234 567"}, **HTMX)) == ["Constanța Soft SRL"]
    assert names(support.get(SEARCH_URL, {"q": "0744111222"}, **HTMX)) == ["Ion Popescu"]


def test_every_word_must_match(support, customers):
    assert names(support.get(SEARCH_URL, {"q": "ion"}, **HTMX)) == ["Ion Popescu", "Maria Ionescu"]
    assert names(support.get(SEARCH_URL, {"q": "ion maria"}, **HTMX)) == ["Maria Ionescu"]


def test_an_empty_or_punctuation_only_query_finds_nothing(support, customers):
    empty = support.get(SEARCH_URL, {"q": "  "}, **HTMX)
    dots = support.get(SEARCH_URL, {"q": "..."}, **HTMX)

    assert (names(empty), names(dots)) == ([], [])
    assert empty.content.strip() == b""


def test_deleted_customers_are_not_found(support, alice_admin, customers):
    delete_customer(actor=alice_admin, customer=customers["constanta"])

    response = support.get(SEARCH_URL, {"q": "constanta"}, **HTMX)

    assert names(response) == []
    assert b"No customer matches." in response.content


def test_a_result_shows_name_trade_name_tax_id_country_email_and_phone(support, customers, carol_customer):
    response = support.get(SEARCH_URL, {"q": "constanta"}, **HTMX)

    html = response.content.decode()
    customer = customers["constanta"]
    assert f'<a href="/staff/customers/{customer.pk}/">' in html
    assert (
        '<span class="search-name">Constanța Soft SRL</span> <span class="help">(Marea Neagră)</span>' in html
    )
    # Not a VAT payer: the bare CUI; a VAT payer's shows with the RO prefix.
    assert '<span class="mono">33034700</span>' in html
    assert "<span>RO</span>" in html
    assert "<span>office@constanta-soft.test</span>" in html
    assert '<span class="mono">+40721234567</span>' in html
    assert '<p class="help search-count">1 customer found</p>' in html
    carol = support.get(SEARCH_URL, {"q": "carol"}, **HTMX).content.decode()
    assert '<span class="mono">RO 18547290</span>' in carol


def test_htmx_gets_only_the_results_partial_and_a_browser_the_whole_page(support, customers):
    partial = support.get(SEARCH_URL, {"q": "constanta"}, **HTMX)
    page = support.get(SEARCH_URL, {"q": "constanta"})

    assert [template.name for template in partial.templates] == ["customers/staff/_search_results.html"]
    assert b"<html" not in partial.content
    assert partial.content.decode().lstrip().startswith('<p class="help search-count">')
    assert page.templates[0].name == "customers/staff/search.html"
    assert b"<!DOCTYPE html>" in page.content
    assert b'value="constanta"' in page.content
    assert b'<span class="search-name">Constan\xc8\x9ba Soft SRL</span>' in page.content


def test_the_search_box_asks_as_one_types_and_announces_the_results(support):
    page = support.get("/staff/").content.decode()

    box = re.search(r'<input type="search" id="quick-search"[^>]*>', page, re.S).group(0)
    assert 'hx-get="/staff/search/"' in box
    assert 'hx-trigger="input changed delay:150ms, search"' in box
    assert 'hx-target="#quick-search-results"' in box
    assert 'aria-controls="quick-search-results"' in box
    assert '<div id="quick-search-results" aria-live="polite"></div>' in page
    # Without JavaScript the box is a plain form that opens the search page.
    assert '<form method="get" action="/staff/search/" role="search"' in page


def test_the_search_stops_at_its_limit(support, alice_admin):
    for n in range(25):
        person(alice_admin, f"Popa {n:02d}")

    response = support.get(SEARCH_URL, {"q": "popa"}, **HTMX)

    assert names(response) == [f"Popa {n:02d}" for n in range(20)]
    assert b"20 customers found (the first ones; refine the search)" in response.content


def test_the_search_runs_a_fixed_number_of_queries(support, alice_admin, django_assert_num_queries):
    for n in range(30):
        person(alice_admin, f"Popa {n:02d}", email=f"popa{n}@mail.test")
    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions,
    # 6 the matching customers, 7 their newest tax profiles, 8 their billing addresses
    with django_assert_num_queries(8):
        response = support.get(SEARCH_URL, {"q": "popa"}, **HTMX)
    assert len(response.context["results"]) == 20


def test_staff_who_may_not_view_customers_are_refused(staff_client, carol_customer):
    from praho.accounts.tests.factories import UserFactory, add_totp

    nobody = UserFactory(email="norole@staff.test", is_staff=True)
    add_totp(nobody)

    assert staff_client(nobody).get(SEARCH_URL, {"q": "carol"}, **HTMX).status_code == 403


# --- the list page ------------------------------------------------------------------------------


def test_the_list_shows_customers_by_name_with_their_facts(support, customers, carol_customer):
    response = support.get(LIST_URL)

    assert response.status_code == 200
    assert [customer.name for customer in response.context["page_obj"]] == [
        "Carol Hosting SRL",
        "Constanța Soft SRL",
        "Dave Web SRL",
        "Ion Popescu",
        "Maria Ionescu",
    ]
    html = response.content.decode()
    assert f'<td><a href="/staff/customers/{carol_customer.pk}/">Carol Hosting SRL</a>' in html
    assert '<td class="mono">RO 18547290</td>' in html
    assert "<td>Constanța</td>" in html
    assert '<p class="help">5 customers</p>' in html


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "individual"}, ["Ion Popescu", "Maria Ionescu"]),
        ({"kind": "company", "q": "srl"}, ["Carol Hosting SRL", "Constanța Soft SRL", "Dave Web SRL"]),
        ({"country": "DE"}, ["Beispiel GmbH"]),
        ({"vies_status": "valid"}, ["Beispiel GmbH"]),
        ({"q": "0744 111 222"}, ["Ion Popescu"]),
        ({"q": "constanta", "kind": "individual"}, []),
    ],
)
def test_the_list_filters_by_kind_country_vies_status_and_search(
    support, alice_admin, customers, filters, expected
):
    german = create_customer(
        actor=alice_admin,
        kind="company",
        name="Beispiel GmbH",
        country="DE",
        tax_id="DE136695976",
        address={"street": "Hauptstraße 1", "city": "Berlin", "country": "DE"},
    )
    type(german).objects.filter(pk=german.pk).update(vies_status="valid")

    response = support.get(LIST_URL, filters, **HTMX)

    assert [customer.name for customer in response.context["page_obj"]] == expected


def test_an_unknown_filter_value_shows_the_error_and_no_customers(support, customers):
    response = support.get(LIST_URL, {"kind": "robot"})

    assert response.context["form"].errors == {
        "kind": ["Select a valid choice. robot is not one of the available choices."]
    }
    assert list(response.context["page_obj"]) == []


def test_the_list_answers_htmx_with_the_results_and_pushes_the_url(support, customers):
    page = support.get(LIST_URL).content.decode()
    partial = support.get(LIST_URL, {"q": "ion"}, **HTMX)

    form = re.search(r'<form method="get" action="/staff/customers/"[^>]*>', page, re.S).group(0)
    assert 'hx-target="#customer-results"' in form
    assert 'hx-push-url="true"' in form
    search = re.search(r'<input type="search" name="q"[^>]*>', page, re.S).group(0)
    assert 'hx-get="/staff/customers/"' in search
    assert 'hx-trigger="input changed delay:150ms, search"' in search
    assert 'hx-include="closest form"' in search
    assert '<div id="customer-results" aria-live="polite">' in page
    assert partial.templates[0].name == "customers/staff/_results.html"
    assert b"<html" not in partial.content
    assert [customer.name for customer in partial.context["page_obj"]] == ["Ion Popescu", "Maria Ionescu"]


def test_the_list_pages_keep_the_filters(support, alice_admin):
    for n in range(30):
        person(alice_admin, f"Popa {n:02d}")

    first = support.get(LIST_URL, {"kind": "individual"})
    second = support.get(LIST_URL, {"kind": "individual", "page": 2})

    assert len(first.context["page_obj"]) == 25
    assert b'href="?kind=individual&amp;page=2"' in first.content
    assert [customer.name for customer in second.context["page_obj"]] == [
        f"Popa {n:02d}" for n in range(25, 30)
    ]


@pytest.mark.parametrize("count", [5, 30])
def test_the_list_runs_the_same_number_of_queries_for_5_or_30_customers(
    support, alice_admin, django_assert_num_queries, count
):
    for n in range(count):
        person(alice_admin, f"Popa {n:02d}", email=f"popa{n}@mail.test", phone=f"07441112{n:02d}")
    # 1 session, 2 user, 3 authenticators (staff gate), 4 user permissions, 5 group permissions,
    # 6 count of customers, 7 the page of customers, 8 their newest tax profiles,
    # 9 their billing addresses
    with django_assert_num_queries(9):
        response = support.get(LIST_URL)
    assert len(response.context["page_obj"]) == min(count, 25)
