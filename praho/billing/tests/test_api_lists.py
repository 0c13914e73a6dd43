"""Lists of invoices and proformas with their filters (/api/v1/invoices/?status=...)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from praho.billing.models import Document
from praho.billing.services import fx
from praho.billing.services.corrections import cancel_proforma
from praho.billing.services.payments import record_payment
from praho.billing.tests.test_api import NOW, TODAY, draft, issued
from praho.testing.api import bearer, error_of, invalid

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def invoices_in_every_state(billing_ready, bill_billing, carol_customer, dave_customer):
    """A draft, an unpaid, a partially paid, a paid and an overdue invoice of carol's, and an
    EUR invoice of dave's issued in February."""
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=dt.date(2026, 2, 2), rate="4.9750")

    def paid(invoice: Document, amount: str) -> Document:
        record_payment(
            actor=bill_billing,
            invoice=invoice,
            amount=D(amount),
            currency=invoice.currency,
            method="bank_transfer",
            reference="OP 1",
            received_on=TODAY,
        )
        return invoice

    # Issued in date order, as a series' numbers follow its documents' dates.
    february = {
        "overdue": issued(
            bill_billing, carol_customer, issue_date=dt.date(2026, 2, 2), due_date=dt.date(2026, 2, 16)
        ),
        "eur": issued(
            bill_billing, dave_customer, currency="EUR", issue_date=dt.date(2026, 2, 3), due_date=TODAY
        ),
    }
    return {
        "draft": draft(bill_billing, carol_customer),
        "unpaid": issued(bill_billing, carol_customer),
        "partially_paid": paid(issued(bill_billing, carol_customer), "21.00"),
        "paid": paid(issued(bill_billing, carol_customer), "121.00"),
        **february,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["paid", "partially_paid", "unpaid", "draft", "eur", "overdue"]),
        ({"status": "draft"}, ["draft"]),
        ({"status": "issued"}, ["paid", "partially_paid", "unpaid", "eur", "overdue"]),
        ({"status": "unpaid"}, ["unpaid", "eur", "overdue"]),
        ({"status": "partially_paid"}, ["partially_paid"]),
        ({"status": "paid"}, ["paid"]),
        ({"status": "overdue"}, ["overdue"]),
        ({"overdue": "true"}, ["overdue"]),
        ({"currency": "EUR"}, ["eur"]),
        ({"issued_from": "2026-02-03", "issued_to": "2026-02-28"}, ["eur"]),
        ({"issued_to": "2026-02-02"}, ["overdue"]),
    ],
)
def test_staff_filter_invoices(invoices_in_every_state, bill_billing, query, expected):
    response = bearer(bill_billing).get("/api/v1/invoices/", query)

    assert response.status_code == 200
    by_id = {invoice.pk: name for name, invoice in invoices_in_every_state.items()}
    assert [by_id[item["id"]] for item in response.json()["results"]] == expected


def test_the_pages_of_a_list_read_their_rows_through_their_ids_in_the_same_queries(
    invoices_in_every_state, bill_billing, django_assert_num_queries
):
    client = bearer(bill_billing)
    by_id = {invoice.pk: name for name, invoice in invoices_in_every_state.items()}

    pages = []
    for page in ("1", "2", "3"):
        # 1 the user (JWT), 2 the TOTP authenticator, 3-4 the user's and the groups' permissions,
        # 5 COUNT, 6 the page's rows (after the first, through a subquery of their ids:
        # praho.core.paginator), 7 their lines, 8 their VAT breakdowns
        with django_assert_num_queries(8):
            response = client.get("/api/v1/invoices/", {"page_size": 2, "page": page})
        pages.append([by_id[item["id"]] for item in response.json()["results"]])

    assert pages == [["paid", "partially_paid"], ["unpaid", "draft"], ["eur", "overdue"]]
    assert response.json()["next"] is None
    assert client.get("/api/v1/invoices/", {"page_size": 2, "page": "4"}).status_code == 404


def test_staff_filter_invoices_by_customer(invoices_in_every_state, bill_billing, dave_customer):
    response = bearer(bill_billing).get("/api/v1/invoices/", {"customer": dave_customer.pk})

    assert [item["id"] for item in response.json()["results"]] == [invoices_in_every_state["eur"].pk]


def test_the_invoice_list_shows_the_payment_state_of_each_invoice(invoices_in_every_state, bill_billing):
    results = bearer(bill_billing).get("/api/v1/invoices/").json()["results"]

    by_id = {invoice.pk: name for name, invoice in invoices_in_every_state.items()}
    assert {by_id[item["id"]]: (item["payment_status"], item["outstanding"]) for item in results} == {
        "draft": (None, None),
        "unpaid": ("issued", "121.00"),
        "partially_paid": ("partially_paid", "100.00"),
        "paid": ("paid", "0.00"),
        "overdue": ("overdue", "121.00"),
        "eur": ("issued", "121.00"),
    }


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"status": "cancelled"}, {"status": ['"cancelled" is not a valid choice.']}),
        ({"currency": "GBP"}, {"currency": ['"GBP" is not a valid choice.']}),
        (
            {"issued_from": "10.03.2026"},
            {"issued_from": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"customer": "carol"}, {"customer": ["A valid integer is required."]}),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(billing_ready, bill_billing, query, fields):
    response = bearer(bill_billing).get("/api/v1/invoices/", query)

    assert response.status_code == 400
    assert error_of(response) == invalid(fields)


def test_proformas_filter_by_their_own_states(billing_ready, bill_billing, carol_customer):
    kept = draft(bill_billing, carol_customer, document_type="proforma")
    cancelled = cancel_proforma(
        actor=bill_billing, proforma=draft(bill_billing, carol_customer, document_type="proforma")
    )
    client = bearer(bill_billing)

    assert [
        item["id"] for item in client.get("/api/v1/proformas/", {"status": "cancelled"}).json()["results"]
    ] == [cancelled.pk]
    assert [
        item["id"] for item in client.get("/api/v1/proformas/", {"status": "draft"}).json()["results"]
    ] == [kept.pk]
    assert client.get("/api/v1/proformas/", {"status": "paid"}).status_code == 400
