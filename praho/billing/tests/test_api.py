"""/api/v1/invoices/, /api/v1/proformas/ and /api/v1/credit-notes/: happy paths.

Also: test_api_lists.py (filters), test_api_bad_input.py (item 14 refusals),
test_api_payments.py (payments, balances), test_api_access.py (isolation, roles,
query budgets, schema). Their shared helpers live here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from praho.accounts.models import User
from praho.audit.models import AuditEvent
from praho.billing.models import Document, DocumentLine, LedgerTransaction, Payment
from praho.billing.services import fx
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.customers.models import Customer
from praho.testing.api import NOT_FOUND, bearer, error_of, refused

pytestmark = pytest.mark.django_db

D = Decimal
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # 12:00 in Bucharest
NOW_LOCAL = "2026-03-10T12:00:00+02:00"
TODAY = dt.date(2026, 3, 10)

HOSTING = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}
DOMAINS = {"description": "Domain example.ro", "quantity": "12", "unit_code": "ANN", "unit_price": "49.99"}


# --- Helpers (also used by the other test_api_* modules; the generic ones are praho.testing.api)


def stored_rows() -> tuple[int, ...]:
    """Everything a billing write can leave behind."""
    return (
        Document.objects.count(),
        DocumentLine.objects.count(),
        Payment.objects.count(),
        LedgerTransaction.objects.count(),
        AuditEvent.objects.count(),
    )


def draft(actor: User, customer: Customer, *lines: dict[str, Any], document_type: str = "invoice", **values):
    return create_document(
        actor=actor, document_type=document_type, customer=customer, lines=list(lines or [HOSTING]), **values
    )


def issued(actor: User, customer: Customer, *lines: dict[str, Any], document_type: str = "invoice", **values):
    return issue_document(
        actor=actor, document=draft(actor, customer, *lines, document_type=document_type, **values)
    )


def line_json(line: DocumentLine, **expected: Any) -> dict[str, Any]:
    """A line as the API shows it; `expected` gives the values the test states."""
    return {
        "id": line.pk,
        "position": line.position,
        "vat_override_reason": "",
        "vat_exemption_reason_code": "",
        "vat_exemption_reason": "",
        "credited_line": None,
        "discount": "0.00",
        **expected,
    }


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Invoices: create, read, change ----------------------------------------------------


def test_staff_create_a_draft_invoice_and_get_it_back_with_vat_and_totals(
    billing_ready, bill_billing, carol_customer
):
    payload = {"customer": carol_customer.pk, "currency": "RON", "lines": [HOSTING]}

    response = bearer(bill_billing).post("/api/v1/invoices/", payload, format="json")

    assert response.status_code == 201
    invoice = Document.objects.get()
    expected = {
        "id": invoice.pk,
        "document_type": "invoice",
        "status": "draft",
        "number": "",
        "customer": carol_customer.pk,
        "customer_name": "Carol Hosting SRL",
        "currency": "RON",
        "issue_date": "2026-03-10",
        "tax_point_date": None,
        "due_date": "2026-03-24",
        "valid_until": None,
        "notes": "",
        "lines": [
            line_json(
                invoice.lines.get(),
                description="Web hosting Business",
                quantity="1.0000",
                unit_code="MON",
                unit_price="100.0000",
                net_amount="100.00",
                vat_category="S",
                vat_rate="21.00",
            )
        ],
        "vat_breakdown": [
            {"category": "S", "rate": "21.00", "taxable_amount": "100.00", "vat_amount": "21.00"}
        ],
        "net_total": "100.00",
        "vat_total": "21.00",
        "total": "121.00",
        "exchange_rate": None,
        "vat_total_ron": None,
        "mentions": [],
        "buyer": {},
        "converted_from": None,
        "converted_to": None,
        "credited_document": None,
        "payment_status": None,
        "outstanding": None,
        "issued_at": None,
        "created_at": NOW_LOCAL,
    }
    assert response.json() == expected
    assert response["Content-Type"] == "application/json"
    assert bearer(bill_billing).get(f"/api/v1/invoices/{invoice.pk}/").json() == expected
    event = AuditEvent.objects.get(action="billing.invoice_drafted")
    assert (event.actor, event.object_id, event.data["total"]) == (bill_billing, str(invoice.pk), "121.00")


def test_the_vat_breakdown_has_one_row_per_rate_with_discounts_and_an_override(
    billing_ready, bill_billing, carol_customer
):
    payload = {
        "customer": carol_customer.pk,
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "tax_point_date": "2026-03-01",
        "notes": "Contract 12/2026",
        "lines": [
            {
                "description": "Hosting",
                "quantity": "2",
                "unit_code": "mon",
                "unit_price": "49.99",
                "discount": "9.98",
            },
            {
                "description": "Printed manual",
                "quantity": "1",
                "unit_price": "45",
                "vat_rate": "11",
                "vat_override_reason": "Book: reduced rate",
            },
        ],
    }

    response = bearer(bill_billing).post("/api/v1/invoices/", payload, format="json")

    assert response.status_code == 201
    body = response.json()
    first, second = DocumentLine.objects.order_by("position")
    assert body["lines"] == [
        line_json(
            first,
            description="Hosting",
            quantity="2.0000",
            unit_code="MON",
            unit_price="49.9900",
            discount="9.98",
            net_amount="90.00",
            vat_category="S",
            vat_rate="21.00",
        ),
        line_json(
            second,
            description="Printed manual",
            quantity="1.0000",
            unit_code="H87",
            unit_price="45.0000",
            net_amount="45.00",
            vat_category="S",
            vat_rate="11.00",
            vat_override_reason="Book: reduced rate",
        ),
    ]
    assert body["vat_breakdown"] == [
        {"category": "S", "rate": "21.00", "taxable_amount": "90.00", "vat_amount": "18.90"},
        {"category": "S", "rate": "11.00", "taxable_amount": "45.00", "vat_amount": "4.95"},
    ]
    assert (body["net_total"], body["vat_total"], body["total"]) == ("135.00", "23.85", "158.85")
    assert (body["issue_date"], body["due_date"], body["tax_point_date"], body["notes"]) == (
        "2026-03-02",
        "2026-04-01",
        "2026-03-01",
        "Contract 12/2026",
    )


def test_an_eur_invoice_shows_its_vat_in_ron_at_the_bnr_rate_once_issued(
    billing_ready, bill_billing, carol_customer
):
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=TODAY, rate="4.9750")
    client = bearer(bill_billing)
    created = client.post(
        "/api/v1/invoices/",
        {"customer": carol_customer.pk, "currency": "EUR", "lines": [HOSTING]},
        format="json",
    ).json()

    response = client.post(f"/api/v1/invoices/{created['id']}/issue/")

    assert (created["currency"], created["exchange_rate"], created["vat_total_ron"]) == ("EUR", None, None)
    assert response.status_code == 200
    body = response.json()
    # 21.00 EUR x 4.9750 = 104.475 RON, rounded half-up once.
    assert (body["total"], body["vat_total"], body["exchange_rate"], body["vat_total_ron"]) == (
        "121.00",
        "21.00",
        "4.9750",
        "104.48",
    )


def test_staff_patch_a_draft_to_replace_its_lines_and_dates(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)
    payload = {"due_date": "2026-04-30", "notes": "Annual plan", "lines": [DOMAINS]}

    response = bearer(bill_billing).patch(f"/api/v1/invoices/{invoice.pk}/", payload, format="json")

    assert response.status_code == 200
    body = response.json()
    line = DocumentLine.objects.get()
    assert body["lines"] == [
        line_json(
            line,
            description="Domain example.ro",
            quantity="12.0000",
            unit_code="ANN",
            unit_price="49.9900",
            net_amount="599.88",
            vat_category="S",
            vat_rate="21.00",
        )
    ]
    # 599.88 x 21% = 125.9748 -> 125.97
    assert (body["net_total"], body["vat_total"], body["total"]) == ("599.88", "125.97", "725.85")
    assert (body["status"], body["issue_date"], body["due_date"], body["notes"]) == (
        "draft",
        "2026-03-10",
        "2026-04-30",
        "Annual plan",
    )
    event = AuditEvent.objects.get(action="billing.invoice_changed")
    assert event.data == {"fields": ["due_date", "notes"], "lines": True, "total": "725.85"}


def test_patch_without_lines_keeps_them(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)
    line = invoice.lines.get()

    response = bearer(bill_billing).patch(
        f"/api/v1/invoices/{invoice.pk}/", {"currency": "USD"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["currency"], response.json()["total"]) == ("USD", "121.00")
    assert [item["id"] for item in response.json()["lines"]] == [line.pk]


def test_the_customer_of_a_document_cannot_be_changed(
    billing_ready, bill_billing, carol_customer, dave_customer
):
    invoice = draft(bill_billing, carol_customer)
    before = stored_rows()

    response = bearer(bill_billing).patch(
        f"/api/v1/invoices/{invoice.pk}/", {"customer": dave_customer.pk}, format="json"
    )

    assert response.status_code == 400
    assert error_of(response) == refused(
        "customer_fixed",
        {"customer": ["The customer of a document cannot be changed; create a new document instead."]},
    )
    assert stored_rows() == before


def test_documents_cannot_be_deleted_through_the_api(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)

    response = bearer(bill_billing).delete(f"/api/v1/invoices/{invoice.pk}/")

    assert response.status_code == 405
    assert Document.objects.filter(pk=invoice.pk).exists()


# --- Invoices: issue, credit, PDF --------------------------------------------------------


def test_issuing_numbers_the_invoice_and_shows_what_is_owed(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)

    response = bearer(bill_billing).post(f"/api/v1/invoices/{invoice.pk}/issue/")

    assert response.status_code == 200
    body = response.json()
    assert (
        body["status"],
        body["number"],
        body["payment_status"],
        body["outstanding"],
        body["issued_at"],
    ) == (
        "issued",
        "PRH-2026-000001",
        "issued",
        "121.00",
        NOW_LOCAL,
    )
    assert body["buyer"] == {
        "kind": "company",
        "name": "Carol Hosting SRL",
        "tax_id": "RO18547290",
        "trade_register_number": "",
        "email": "",
        "street": "Str. Lungă 10",
        "city": "Cluj-Napoca",
        "county": "RO-CJ",
        "postal_code": "",
        "country": "RO",
    }
    assert AuditEvent.objects.filter(action="billing.invoice_issued", object_id=str(invoice.pk)).count() == 1


def test_staff_credit_a_whole_invoice_with_an_empty_body(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    client = bearer(bill_billing)

    response = client.post(f"/api/v1/invoices/{invoice.pk}/credit-note/")

    assert response.status_code == 201
    note = Document.objects.get(document_type="credit_note")
    body = response.json()
    assert (body["id"], body["document_type"], body["status"], body["number"]) == (
        note.pk,
        "credit_note",
        "issued",
        "PRC-2026-000001",
    )
    assert (body["credited_document"], body["total"], body["payment_status"], body["outstanding"]) == (
        invoice.pk,
        "121.00",
        None,
        None,
    )
    assert [line["credited_line"] for line in body["lines"]] == [invoice.lines.get().pk]
    # The call that issued it also says what issuing found; reading it later shows the document alone.
    assert (body.pop("vat_changes"), body.pop("warnings")) == ([], [])
    assert client.get(f"/api/v1/credit-notes/{note.pk}/").json() == body
    credited = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (credited["payment_status"], credited["outstanding"]) == ("credited", "0.00")


def test_staff_credit_chosen_lines_and_quantities(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer, HOSTING, DOMAINS)
    domains = invoice.lines.get(position=2)

    response = bearer(bill_billing).post(
        f"/api/v1/invoices/{invoice.pk}/credit-note/",
        {"lines": [{"line": domains.pk, "quantity": "2"}]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    # 2 x 49.99 = 99.98; VAT 20.9958 -> 21.00
    assert [(line["description"], line["quantity"], line["net_amount"]) for line in body["lines"]] == [
        ("Domain example.ro", "2.0000", "99.98")
    ]
    assert (body["net_total"], body["vat_total"], body["total"]) == ("99.98", "21.00", "120.98")
    invoice_now = bearer(bill_billing).get(f"/api/v1/invoices/{invoice.pk}/").json()
    # 699.88 + 146.97 VAT = 846.85 invoiced, less 120.98 credited
    assert invoice_now["outstanding"] == "725.87"


def test_the_pdf_of_an_invoice_is_named_after_its_number(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)

    response = bearer(bill_billing).get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="PRH-2026-000001.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_a_pdf_error_keeps_the_json_shape_for_a_client_that_accepts_only_pdf(billing_ready, bill_billing):
    response = bearer(bill_billing).get("/api/v1/invoices/999999/pdf/", HTTP_ACCEPT="application/pdf")

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert error_of(response) == NOT_FOUND
