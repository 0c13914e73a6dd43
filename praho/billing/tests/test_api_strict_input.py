"""The billing API reads its input strictly (issue 11, item 19): numbers only in ASCII digits,
and keys an endpoint does not take are refused (unknown_field) instead of silently ignored.
Each refusal is a 400 naming the field, with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from praho.accounts.models import User
from praho.billing.models import Document
from praho.billing.tests.test_api import HOSTING, NOW, draft, issued, stored_rows
from praho.billing.tests.test_api_payments import payment_payload
from praho.testing.api import bearer, error_of, invalid

pytestmark = pytest.mark.django_db

NOT_A_NUMBER = ["A valid number is required."]
NOT_AN_INTEGER = ["A valid integer is required."]
UNKNOWN = ["This field is not accepted here; remove it."]
# Python's Decimal() and int() read all of these; no client means them as numbers.
LOOSE_NUMBERS = ["1_000", "\uff11\uff12", "\u0663", "1e3", "12.0.0", "+-1", "Infinity"]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def unknown(fields: dict[str, Any]) -> dict[str, Any]:
    return {"status": 400, "code": "unknown_field", "message": "Some fields are not valid.", "fields": fields}


def _create(actor: User, **overrides: Any) -> Any:
    payload = {"customer": overrides.pop("customer"), "currency": "RON", "lines": [HOSTING], **overrides}
    return bearer(actor).post("/api/v1/invoices/", payload, format="json")


# --- Numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("number", LOOSE_NUMBERS)
@pytest.mark.parametrize("field", ["quantity", "unit_price", "discount", "vat_rate"])
def test_a_line_number_that_is_not_plain_ascii_is_refused(
    billing_ready, bill_billing, carol_customer, field, number
):
    before = stored_rows()

    response = _create(bill_billing, customer=carol_customer.pk, lines=[{**HOSTING, field: number}])

    assert response.status_code == 400
    assert error_of(response) == invalid({"lines": {"0": {field: NOT_A_NUMBER}}})
    assert stored_rows() == before


@pytest.mark.parametrize("customer", ["\uff11", "\u0663", "1_0", "1.0", True])
def test_an_id_that_is_not_a_plain_integer_is_refused(billing_ready, bill_billing, carol_customer, customer):
    before = stored_rows()

    response = _create(bill_billing, customer=customer)

    assert response.status_code == 400
    assert error_of(response) == invalid({"customer": NOT_AN_INTEGER})
    assert stored_rows() == before


@pytest.mark.parametrize("amount", LOOSE_NUMBERS)
def test_a_payment_amount_that_is_not_plain_ascii_is_refused(
    billing_ready, bill_billing, carol_customer, amount
):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, amount=amount), format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == invalid({"amount": NOT_A_NUMBER})
    assert stored_rows() == before


def test_plain_numbers_as_json_numbers_and_strings_are_taken(billing_ready, bill_billing, carol_customer):
    line = {**HOSTING, "quantity": 2, "unit_price": " 49.5 ", "discount": 1.5}

    response = _create(bill_billing, customer=str(carol_customer.pk), lines=[line])

    assert response.status_code == 201
    assert response.json()["net_total"] == "97.50"


def test_a_credit_note_quantity_that_is_not_plain_ascii_is_refused(
    billing_ready, bill_billing, carol_customer
):
    invoice = issued(bill_billing, carol_customer)
    line = invoice.lines.get()
    before = stored_rows()

    response = bearer(bill_billing).post(
        f"/api/v1/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": f"{line.pk}", "quantity": "\u0661"}]},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response) == invalid({"lines": {"0": {"quantity": NOT_A_NUMBER}}})
    assert stored_rows() == before


def test_a_list_filter_id_that_is_not_a_plain_integer_is_refused(billing_ready, bill_billing):
    response = bearer(bill_billing).get("/api/v1/invoices/", {"customer": "\uff11"})

    assert response.status_code == 400
    assert error_of(response) == invalid({"customer": NOT_AN_INTEGER})


# --- Unknown fields --------------------------------------------------------------------------


def test_a_create_naming_fields_it_does_not_take_is_refused(billing_ready, bill_billing, carol_customer):
    before = stored_rows()

    response = _create(bill_billing, customer=carol_customer.pk, number="PRH-2026-999999", status="issued")

    assert response.status_code == 400
    assert error_of(response) == unknown({"number": UNKNOWN, "status": UNKNOWN})
    assert stored_rows() == before


def test_an_unknown_field_in_a_line_is_refused_at_its_index(billing_ready, bill_billing, carol_customer):
    before = stored_rows()

    response = _create(
        bill_billing, customer=carol_customer.pk, lines=[HOSTING, {**HOSTING, "net_amount": "1.00"}]
    )

    assert response.status_code == 400
    assert error_of(response) == unknown({"lines": {"1": {"net_amount": UNKNOWN}}})
    assert stored_rows() == before


def test_a_change_naming_fields_it_does_not_take_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).patch(
        f"/api/v1/invoices/{invoice.pk}/", {"notes": "changed", "total": "1.00"}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == unknown({"total": UNKNOWN})
    assert stored_rows() == before
    assert Document.objects.get(pk=invoice.pk).notes == ""


def test_changing_the_customer_keeps_its_own_explanation(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)

    response = bearer(bill_billing).patch(f"/api/v1/invoices/{invoice.pk}/", {"customer": 2}, format="json")

    assert error_of(response)["fields"] == {
        "customer": ["The customer of a document cannot be changed; create a new document instead."]
    }


def test_a_payment_naming_fields_it_does_not_take_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, customer=carol_customer.pk), format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == unknown({"customer": UNKNOWN})
    assert stored_rows() == before


def test_a_credit_note_line_naming_fields_it_does_not_take_is_refused(
    billing_ready, bill_billing, carol_customer
):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        f"/api/v1/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": invoice.lines.get().pk, "unit_price": "1"}], "reason": "wrong price"},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response) == unknown({"lines": {"0": {"unit_price": UNKNOWN}}, "reason": UNKNOWN})
    assert stored_rows() == before


def test_a_batch_issue_naming_fields_it_does_not_take_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/invoices/issue/", {"invoices": [invoice.pk], "dry_run": True}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == unknown({"dry_run": UNKNOWN})
    assert stored_rows() == before


def test_unknown_fields_and_invalid_ones_together_are_refused_for_the_unknown_first(
    billing_ready, bill_billing, carol_customer
):
    response = _create(bill_billing, customer=carol_customer.pk, currency="GBP", number="1")

    assert error_of(response) == unknown({"number": UNKNOWN})


def test_list_filters_ignore_pagination_and_other_query_parameters(billing_ready, bill_billing):
    response = bearer(bill_billing).get("/api/v1/invoices/", {"page": "1", "format": "json", "x": "1"})

    assert response.status_code == 200


def test_unknown_keys_that_look_like_paths_are_refused_not_a_server_error(
    billing_ready, bill_billing, carol_customer
):
    # Found by schemathesis: "x" and "x.y" both unknown nested "x"'s errors under a list (a 500).
    invoice = issued(bill_billing, carol_customer)
    line = invoice.lines.get().pk

    response = bearer(bill_billing).post(
        f"/api/v1/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": line, "x": 1, "x.y": 2}]},
        format="json",
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "lines": {"0": {"x": {"non_field_errors": UNKNOWN, "y": UNKNOWN}}}
    }
