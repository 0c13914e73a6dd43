"""/api/v1/payments/ and /api/v1/customers/{id}/balance/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from praho.audit.models import AuditEvent
from praho.billing.models import Document, Payment
from praho.billing.services import fx
from praho.billing.services.corrections import cancel_proforma
from praho.billing.services.payments import record_payment
from praho.billing.tests.test_api import DOMAINS, NOW, TODAY, draft, issued, stored_rows
from praho.testing.api import bearer, error_of, invalid, refused

pytestmark = pytest.mark.django_db

D = Decimal
NOW_LOCAL = "2026-03-10T12:00:00+02:00"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def payment_payload(document: Document, **overrides: Any) -> dict[str, Any]:
    return {
        "invoice": document.pk,
        "amount": "21.00",
        "currency": document.currency,
        "method": "bank_transfer",
        "reference": "OP 123",
        "date": "2026-03-05",
    } | overrides


def pay(actor, invoice: Document, amount: str, *, currency: str | None = None, **values: Any) -> Payment:
    return record_payment(
        actor=actor,
        invoice=invoice,
        amount=D(amount),
        currency=currency or invoice.currency,
        method=values.pop("method", "bank_transfer"),
        reference=values.pop("reference", "OP 1"),
        received_on=values.pop("received_on", TODAY),
        **values,
    )


# --- Recording ----------------------------------------------------------------------------


def test_staff_record_a_partial_payment_and_the_invoice_shows_the_rest(
    billing_ready, bill_billing, carol_customer
):
    invoice = issued(bill_billing, carol_customer)  # 121.00 RON
    client = bearer(bill_billing)

    response = client.post("/api/v1/payments/", payment_payload(invoice), format="json")

    assert response.status_code == 201
    payment = Payment.objects.get()
    expected = {
        "id": payment.pk,
        "customer": carol_customer.pk,
        "invoice": invoice.pk,
        "invoice_number": "PRH-2026-000001",
        "amount": "21.00",
        "currency": "RON",
        "method": "bank_transfer",
        "reference": "OP 123",
        "date": "2026-03-05",
        "external_id": "",
        "created_at": NOW_LOCAL,
    }
    assert response.json() == expected
    assert client.get(f"/api/v1/payments/{payment.pk}/").json() == expected
    after = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (after["payment_status"], after["outstanding"]) == ("partially_paid", "100.00")
    event = AuditEvent.objects.get(action="billing.payment_recorded")
    assert (event.actor, event.object_id, event.data["amount"]) == (bill_billing, str(payment.pk), "21.00")


def test_paying_the_rest_marks_the_invoice_paid(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    pay(bill_billing, invoice, "21.00")

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, amount="100", method="card"), format="json"
    )

    assert (response.status_code, response.json()["amount"], response.json()["method"]) == (
        201,
        "100.00",
        "card",
    )
    after = bearer(bill_billing).get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (after["payment_status"], after["outstanding"]) == ("paid", "0.00")


def test_a_payment_on_an_issued_proforma_converts_it_and_pays_the_invoice(
    billing_ready, bill_billing, carol_customer
):
    proforma = issued(bill_billing, carol_customer, document_type="proforma")

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(proforma, amount="121.00"), format="json"
    )

    assert response.status_code == 201
    invoice = Document.objects.get(document_type="invoice")
    assert (invoice.converted_from_id, invoice.number) == (proforma.pk, "PRH-2026-000001")
    assert (response.json()["invoice"], response.json()["invoice_number"]) == (invoice.pk, "PRH-2026-000001")
    assert Document.objects.get(pk=proforma.pk).status == "converted"


def test_the_same_gateway_payment_is_recorded_once(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    client = bearer(bill_billing)
    payload = payment_payload(invoice, external_id="pi_3NxYz")

    first = client.post("/api/v1/payments/", payload, format="json")
    second = client.post("/api/v1/payments/", payload, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert first.json()["external_id"] == "pi_3NxYz"
    assert Payment.objects.count() == 1


# --- Listing ------------------------------------------------------------------------------


@pytest.fixture
def payments(billing_ready, bill_billing, carol_customer, dave_customer):
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=TODAY, rate="4.9750")
    carols = issued(bill_billing, carol_customer, DOMAINS)
    eur = issued(bill_billing, carol_customer, currency="EUR")
    daves = issued(bill_billing, dave_customer)
    return {
        "early": pay(bill_billing, carols, "100.00", received_on=dt.date(2026, 3, 1)),
        "card": pay(bill_billing, carols, "50.00", method="card", received_on=dt.date(2026, 3, 5)),
        "eur": pay(bill_billing, eur, "121.00", received_on=dt.date(2026, 3, 6)),
        "dave": pay(bill_billing, daves, "121.00", method="cash", received_on=dt.date(2026, 3, 9)),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["dave", "eur", "card", "early"]),
        ({"currency": "EUR"}, ["eur"]),
        ({"method": "card"}, ["card"]),
        ({"method": "cash"}, ["dave"]),
        ({"received_from": "2026-03-05"}, ["dave", "eur", "card"]),
        ({"received_to": "2026-03-05"}, ["card", "early"]),
        ({"received_from": "2026-03-02", "received_to": "2026-03-06"}, ["eur", "card"]),
    ],
)
def test_staff_filter_payments(payments, bill_billing, query, expected):
    response = bearer(bill_billing).get("/api/v1/payments/", query)

    assert response.status_code == 200
    by_id = {payment.pk: name for name, payment in payments.items()}
    assert [by_id[item["id"]] for item in response.json()["results"]] == expected


def test_staff_filter_payments_by_customer(payments, bill_billing, dave_customer):
    response = bearer(bill_billing).get("/api/v1/payments/", {"customer": dave_customer.pk})

    assert [item["id"] for item in response.json()["results"]] == [payments["dave"].pk]


def test_a_bad_payment_filter_is_a_400_naming_it(billing_ready, bill_billing):
    response = bearer(bill_billing).get("/api/v1/payments/", {"method": "cheque"})

    assert error_of(response) == invalid({"method": ['"cheque" is not a valid choice.']})


# --- Bad input: each a 400 naming the field, nothing saved ---------------------------------


def test_a_payment_in_another_currency_than_the_invoice_is_refused(
    billing_ready, bill_billing, carol_customer
):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, currency="EUR"), format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == refused(
        "currency_mismatch", {"currency": ["The payment must be in the invoice's currency (RON)."]}
    )
    assert stored_rows() == before


def test_paying_a_cancelled_proforma_is_refused(billing_ready, bill_billing, carol_customer):
    proforma = issued(bill_billing, carol_customer, document_type="proforma")
    cancel_proforma(actor=bill_billing, proforma=proforma)
    before = stored_rows()

    response = bearer(bill_billing).post("/api/v1/payments/", payment_payload(proforma), format="json")

    assert response.status_code == 400
    message = "Proforma PRF-2026-000001 was cancelled and cannot be paid; issue a new proforma or an invoice."
    assert error_of(response) == refused("proforma_cancelled", {"invoice": [message]})
    assert stored_rows() == before


def test_paying_a_draft_invoice_is_refused(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post("/api/v1/payments/", payment_payload(invoice), format="json")

    assert error_of(response) == refused(
        "not_issued", {"invoice": ["Issue the invoice before recording a payment."]}
    )
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"amount": "12,5O"}, {"amount": ["A valid number is required."]}),
        ({"amount": "1.234"}, {"amount": ["Ensure that there are no more than 2 decimal places."]}),
        ({"amount": "0"}, {"amount": ["The amount must be greater than zero."]}),
        ({"amount": "-5.00"}, {"amount": ["The amount must be greater than zero."]}),
        ({"currency": "GBP"}, {"currency": ['"GBP" is not a valid choice.']}),
        ({"method": "cheque"}, {"method": ['"cheque" is not a valid choice.']}),
        ({"date": "2026-03-11"}, {"date": ["A payment cannot be received in the future."]}),
        (
            {"date": "5 March"},
            {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"invoice": 999_999}, {"invoice": ["There is no such invoice."]}),
        ({"reference": "x" * 141}, {"reference": ["Ensure this field has no more than 140 characters."]}),
    ],
)
def test_bad_payments_are_refused_naming_the_field(
    billing_ready, bill_billing, carol_customer, overrides, fields
):
    invoice = issued(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, **overrides), format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == invalid(fields)
    assert stored_rows() == before


def test_a_credit_note_cannot_be_paid(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    note_id = bearer(bill_billing).post(f"/api/v1/invoices/{invoice.pk}/credit-note/").json()["id"]
    before = stored_rows()

    response = bearer(bill_billing).post(
        "/api/v1/payments/", payment_payload(invoice, invoice=note_id), format="json"
    )

    assert error_of(response) == invalid(
        {"invoice": ["Payments are recorded on invoices; a credit note cannot be paid."]}
    )
    assert stored_rows() == before


# --- Balance ------------------------------------------------------------------------------


def test_the_balance_shows_receivable_credit_and_overdue_per_currency(
    billing_ready, bill_billing, carol_customer
):
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=dt.date(2026, 2, 2), rate="4.9750")
    issued(
        bill_billing, carol_customer, issue_date=dt.date(2026, 2, 2), due_date=dt.date(2026, 2, 16)
    )  # overdue
    overpaid = issued(bill_billing, carol_customer, currency="EUR", issue_date=dt.date(2026, 2, 2))
    pay(bill_billing, overpaid, "150.00")  # 29.00 EUR beyond the invoice: customer credit
    partly_paid = issued(bill_billing, carol_customer)  # 121.00 RON, due 24 March
    pay(bill_billing, partly_paid, "21.00")

    response = bearer(bill_billing).get(f"/api/v1/customers/{carol_customer.pk}/balance/")

    assert response.status_code == 200
    assert response.json() == [
        {"currency": "EUR", "receivable": "0.00", "credit": "29.00", "overdue": "0.00"},
        {"currency": "RON", "receivable": "221.00", "credit": "0.00", "overdue": "121.00"},
    ]


def test_a_customer_without_ledger_entries_has_an_empty_balance(billing_ready, bill_billing, carol_customer):
    draft(bill_billing, carol_customer)

    response = bearer(bill_billing).get(f"/api/v1/customers/{carol_customer.pk}/balance/")

    assert (response.status_code, response.json()) == (200, [])


def test_a_customers_owner_reads_their_balance(billing_ready, bill_billing, carol, carol_customer):
    issued(bill_billing, carol_customer)

    response = bearer(carol).get(f"/api/v1/customers/{carol_customer.pk}/balance/")

    assert response.json() == [
        {"currency": "RON", "receivable": "121.00", "credit": "0.00", "overdue": "0.00"}
    ]


def test_the_balance_of_an_unknown_customer_is_not_found(billing_ready, bill_billing):
    response = bearer(bill_billing).get("/api/v1/customers/999999/balance/")

    assert response.status_code == 404
