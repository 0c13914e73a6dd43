"""Keys the customer endpoints do not take are refused, not ignored (issue 11, item 19)."""

from __future__ import annotations

import pytest

from praho.customers.models import Customer
from praho.customers.tests.test_api import LIST_URL, ROMANIAN_COMPANY, detail_url, stored_rows, users_url
from praho.testing.api import bearer, error_of

pytestmark = pytest.mark.django_db

UNKNOWN = ["This field is not accepted here; remove it."]


def unknown(fields: dict) -> dict:
    return {"status": 400, "code": "unknown_field", "message": "Some fields are not valid.", "fields": fields}


def test_a_create_naming_fields_it_does_not_take_is_refused(bill_billing):
    before = stored_rows()
    payload = {**ROMANIAN_COMPANY, "id": 7, "address": {**ROMANIAN_COMPANY["address"], "is_billing": False}}

    response = bearer(bill_billing).post(LIST_URL, payload, format="json")

    assert response.status_code == 400
    assert error_of(response) == unknown({"id": UNKNOWN, "address": {"is_billing": UNKNOWN}})
    assert stored_rows() == before


def test_a_change_naming_fields_it_does_not_take_is_refused(bill_billing, carol_customer):
    response = bearer(bill_billing).patch(
        detail_url(carol_customer.pk), {"name": "Renamed SRL", "deleted_at": None}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == unknown({"deleted_at": UNKNOWN})
    assert Customer.objects.get(pk=carol_customer.pk).name == "Carol Hosting SRL"


def test_an_invitation_naming_fields_it_does_not_take_is_refused(carol, carol_customer):
    response = bearer(carol).post(
        users_url(carol_customer.pk),
        {"email": "new@customer.test", "role": "billing", "user": 1},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response) == unknown({"user": UNKNOWN})


def test_the_list_takes_its_filters_with_the_pagination_parameters(bill_billing):
    response = bearer(bill_billing).get(LIST_URL, {"search": "x", "page": "1", "page_size": "10"})

    assert response.status_code == 200
