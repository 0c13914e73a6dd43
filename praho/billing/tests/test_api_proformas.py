"""The billing API's proformas and credit notes. Split from test_api.py, whose helpers it uses."""

from __future__ import annotations

from praho.audit.models import AuditEvent
from praho.billing.models import Document
from praho.billing.services.corrections import cancel_proforma
from praho.billing.tests.test_api import (  # noqa: F401 (fixtures and helpers of the tests split from it)
    DOMAINS,
    HOSTING,
    _today,
    bearer,
    draft,
    error_of,
    issued,
    refused,
    stored_rows,
)

# --- Proformas ---------------------------------------------------------------------------


def test_staff_create_a_proforma_valid_for_fifteen_days(billing_ready, bill_billing, carol_customer):
    payload = {"customer": carol_customer.pk, "lines": [HOSTING]}

    response = bearer(bill_billing).post("/api/v1/proformas/", payload, format="json")

    assert response.status_code == 201
    body = response.json()
    proforma = Document.objects.get()
    assert (body["id"], body["document_type"], body["status"], body["valid_until"], body["total"]) == (
        proforma.pk,
        "proforma",
        "draft",
        "2026-03-25",
        "121.00",
    )
    assert AuditEvent.objects.filter(action="billing.proforma_drafted").count() == 1


def test_a_proforma_is_numbered_in_its_own_series_and_stays_editable(
    billing_ready, bill_billing, carol_customer
):
    proforma = draft(bill_billing, carol_customer, document_type="proforma")
    client = bearer(bill_billing)

    numbered = client.post(f"/api/v1/proformas/{proforma.pk}/issue/")
    changed = client.patch(f"/api/v1/proformas/{proforma.pk}/", {"lines": [DOMAINS]}, format="json")

    assert numbered.status_code == 200
    assert (numbered.json()["status"], numbered.json()["number"], numbered.json()["payment_status"]) == (
        "issued",
        "PRF-2026-000001",
        None,
    )
    assert changed.status_code == 200
    assert (changed.json()["number"], changed.json()["total"]) == ("PRF-2026-000001", "725.85")


def test_converting_a_proforma_answers_201_with_the_issued_invoice(
    billing_ready, bill_billing, carol_customer
):
    proforma = issued(bill_billing, carol_customer, DOMAINS, document_type="proforma")
    client = bearer(bill_billing)

    response = client.post(f"/api/v1/proformas/{proforma.pk}/convert/")

    assert response.status_code == 201
    invoice = Document.objects.get(document_type="invoice")
    body = response.json()
    assert (body["id"], body["document_type"], body["status"], body["number"], body["converted_from"]) == (
        invoice.pk,
        "invoice",
        "issued",
        "PRH-2026-000001",
        proforma.pk,
    )
    assert (body["total"], body["payment_status"], body["outstanding"]) == ("725.85", "issued", "725.85")
    after = client.get(f"/api/v1/proformas/{proforma.pk}/").json()
    assert (after["status"], after["converted_to"]) == ("converted", invoice.pk)


def test_cancelling_a_proforma_answers_it_cancelled(billing_ready, bill_billing, carol_customer):
    proforma = draft(bill_billing, carol_customer, document_type="proforma")

    response = bearer(bill_billing).post(f"/api/v1/proformas/{proforma.pk}/cancel/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (proforma.pk, "cancelled")
    assert AuditEvent.objects.filter(action="billing.proforma_cancelled").count() == 1


def test_a_cancelled_proforma_cannot_be_converted_or_changed(billing_ready, bill_billing, carol_customer):
    proforma = draft(bill_billing, carol_customer, document_type="proforma")
    cancel_proforma(actor=bill_billing, proforma=proforma)
    before = stored_rows()
    client = bearer(bill_billing)

    converted = client.post(f"/api/v1/proformas/{proforma.pk}/convert/")
    changed = client.patch(f"/api/v1/proformas/{proforma.pk}/", {"notes": "x"}, format="json")

    refusal = refused("closed", {"non_field_errors": ["This proforma is Cancelled and cannot be changed."]})
    assert (converted.status_code, error_of(converted)) == (400, refusal)
    assert (changed.status_code, error_of(changed)) == (400, refusal)
    assert stored_rows() == before


def test_the_pdf_of_a_draft_proforma_is_named_after_its_id(billing_ready, bill_billing, carol_customer):
    proforma = draft(bill_billing, carol_customer, document_type="proforma")

    response = bearer(bill_billing).get(f"/api/v1/proformas/{proforma.pk}/pdf/")

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"] == f'attachment; filename="proforma-{proforma.pk}.pdf"'
    assert response.content.startswith(b"%PDF-")


# --- Credit notes ------------------------------------------------------------------------


def test_credit_notes_are_listed_and_shown_with_their_pdf(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    client = bearer(bill_billing)
    note_id = client.post(f"/api/v1/invoices/{invoice.pk}/credit-note/").json()["id"]

    listed = client.get("/api/v1/credit-notes/")
    pdf = client.get(f"/api/v1/credit-notes/{note_id}/pdf/")

    assert listed.status_code == 200
    assert [(item["id"], item["number"], item["credited_document"]) for item in listed.json()["results"]] == [
        (note_id, "PRC-2026-000001", invoice.pk)
    ]
    assert (pdf.status_code, pdf["Content-Disposition"]) == (
        200,
        'attachment; filename="PRC-2026-000001.pdf"',
    )
    assert pdf.content.startswith(b"%PDF-")


def test_credit_notes_are_only_read(billing_ready, bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer)
    client = bearer(bill_billing)
    note_id = client.post(f"/api/v1/invoices/{invoice.pk}/credit-note/").json()["id"]
    before = stored_rows()

    patched = client.patch(f"/api/v1/credit-notes/{note_id}/", {"notes": "x"}, format="json")
    posted = client.post("/api/v1/credit-notes/", {"customer": carol_customer.pk}, format="json")

    assert (patched.status_code, posted.status_code) == (405, 405)
    assert stored_rows() == before


def test_an_id_of_another_kind_of_document_is_not_found(billing_ready, bill_billing, carol_customer):
    proforma = draft(bill_billing, carol_customer, document_type="proforma")
    invoice = issued(bill_billing, carol_customer)
    client = bearer(bill_billing)

    responses = [
        client.get(f"/api/v1/invoices/{proforma.pk}/"),
        client.post(f"/api/v1/invoices/{proforma.pk}/issue/"),
        client.get(f"/api/v1/proformas/{invoice.pk}/"),
        client.post(f"/api/v1/proformas/{invoice.pk}/cancel/"),
        client.get(f"/api/v1/credit-notes/{invoice.pk}/"),
    ]

    assert [response.status_code for response in responses] == [404] * 5
    assert Document.objects.get(pk=proforma.pk).status == "draft"


def test_options_on_a_pdf_is_not_offered_and_answers_json(billing_ready, bill_billing, carol_customer):
    invoice = draft(bill_billing, carol_customer)

    response = bearer(bill_billing).options(
        f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )

    assert (response.status_code, response["Content-Type"]) == (405, "application/json")
    assert error_of(response)["code"] == "method_not_allowed"
