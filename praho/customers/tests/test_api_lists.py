"""REST API v1 for customers: the customer list (filters, ordering, pages, query counts), split from
test_api.py."""

from __future__ import annotations

import pytest

from praho.customers.models import Customer, ViesStatus
from praho.customers.services.customers import create_customer, delete_customer
from praho.customers.tests.test_api import ADDRESS, LIST_URL, detail_url, make_companies, valid_cui
from praho.testing.api import NOT_FOUND, bearer, error_of, invalid

pytestmark = pytest.mark.django_db


# --- List -------------------------------------------------------------------------


def test_staff_list_every_customer_in_a_constant_number_of_queries(alice_admin, django_assert_num_queries):
    make_companies(alice_admin, 30)
    client = bearer(alice_admin)

    # 1 the user (JWT), 2 the user's TOTP authenticator (second factor), 3-4 the
    # user's and the groups' permissions, 5 COUNT for the page, 6 the customers,
    # 7 their newest tax profiles, 8 their billing addresses.
    with django_assert_num_queries(8):
        response = client.get(LIST_URL, {"page_size": 25})

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], len(body["results"])) == (30, 25)
    assert body["next"] == "http://testserver/api/v1/customers/?page=2&page_size=25"
    assert [item["name"] for item in body["results"][:3]] == ["Firma 00 SRL", "Firma 01 SRL", "Firma 02 SRL"]
    first = body["results"][0]
    assert (first["tax_id_display"], first["vat_payer"], first["address"]["county"]) == (
        f"RO {valid_cui(0)}",
        True,
        "RO-CJ",
    )
    assert (body["results"][1]["tax_id_display"], body["results"][1]["vat_payer"]) == (valid_cui(1), False)


def test_a_customer_user_lists_only_their_customers_in_a_constant_number_of_queries(
    alice_admin, carol, carol_customer, dave_customer, django_assert_num_queries
):
    make_companies(alice_admin, 30, member=carol)
    make_companies_outside = create_customer(
        actor=alice_admin, kind="individual", name="Nobody Else", country="RO", address=ADDRESS
    )
    client = bearer(carol)

    # 1 the user (JWT), 2 COUNT for the page, 3 the customers, 4 their newest
    # tax profiles, 5 their billing addresses.
    with django_assert_num_queries(5):
        response = client.get(LIST_URL, {"page_size": 100})

    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["results"]]
    assert len(ids) == 31
    assert carol_customer.pk in ids
    assert dave_customer.pk not in ids
    assert make_companies_outside.pk not in ids


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("carol", ["Carol Hosting SRL"]),
        ("RO 14399840", ["Dave Web SRL"]),
        ("srl", ["Carol Hosting SRL", "Dave Web SRL"]),
        ("srl nowhere", []),
    ],
)
def test_search_uses_the_words_of_the_staff_search(alice_admin, carol_customer, dave_customer, query, names):
    response = bearer(alice_admin).get(LIST_URL, {"search": query})

    assert [item["name"] for item in response.json()["results"]] == names


def test_a_customer_user_searches_only_their_customers(carol, carol_customer, dave_customer):
    response = bearer(carol).get(LIST_URL, {"search": "srl"})

    assert [item["name"] for item in response.json()["results"]] == ["Carol Hosting SRL"]


def test_filters_by_kind_country_and_vies_status(alice_admin, carol_customer, dave_customer):
    german = create_customer(
        actor=alice_admin, kind="company", name="Beispiel GmbH", country="DE", tax_id="DE136695976"
    )
    person = create_customer(actor=alice_admin, kind="individual", name="Ion Popescu", country="RO")
    Customer.objects.filter(pk=dave_customer.pk).update(vies_status=ViesStatus.VALID)
    client = bearer(alice_admin)

    def names(**params):
        response = client.get(LIST_URL, params)
        assert response.status_code == 200
        return [item["name"] for item in response.json()["results"]]

    assert names(kind="individual") == [person.name]
    assert names(kind="company", country="ro") == ["Carol Hosting SRL", "Dave Web SRL"]
    assert names(country="DE") == [german.name]
    assert names(vies_status="valid") == ["Dave Web SRL"]
    assert names(kind="", vies_status="") == [
        "Beispiel GmbH",
        "Carol Hosting SRL",
        "Dave Web SRL",
        "Ion Popescu",
    ]


def test_an_unknown_filter_value_is_a_400_naming_the_parameter(alice_admin):
    response = bearer(alice_admin).get(LIST_URL, {"kind": "robot", "deleted": "maybe"})

    assert response.status_code == 400
    assert error_of(response) == invalid(
        {"kind": ['"robot" is not a valid choice.'], "deleted": ["Must be a valid boolean."]}
    )


def test_only_admins_list_deleted_customers(alice_admin, mike_manager, carol_customer, dave_customer):
    delete_customer(actor=alice_admin, customer=dave_customer)

    admin = bearer(alice_admin).get(LIST_URL, {"deleted": "true"}).json()
    manager = bearer(mike_manager).get(LIST_URL, {"deleted": "true"}).json()

    assert [(item["name"], item["deleted_at"] is not None) for item in admin["results"]] == [
        ("Dave Web SRL", True)
    ]
    assert manager["results"] == []


def test_staff_without_the_view_permission_see_an_empty_list_and_404(bare_staff, carol_customer):
    client = bearer(bare_staff)

    assert client.get(LIST_URL).json()["results"] == []
    response = client.get(detail_url(carol_customer.pk))
    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND
