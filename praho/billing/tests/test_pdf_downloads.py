"""Every place that serves a PDF serves the stored copy (issue 11, item 15): the API, the staff pages,
the customer area and the emails; a draft is rendered on demand, within a rate of renders per user
(429 in the API's error shape, a page saying so in the UI); outsiders still get 404.

Renders are counted with pdf.renders_so_far(), the process's own count of PDFs it rendered.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from praho.billing.models import DocumentPdf
from praho.billing.pdf import archive as pdf_archive
from praho.billing.pdf import rendering as pdf
from praho.billing.services.delivery import send_document
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.customers.services.customers import change_tax_profile
from praho.testing.api import bearer, error_of

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def invoice(billing_ready, bill_billing, carol_customer, settings, django_capture_on_commit_callbacks):
    """Carol's invoice PRH-2026-000001, issued and committed: its PDF stored by the task."""
    settings.BILLING_STORE_PDF_ON_ISSUE = True
    with django_capture_on_commit_callbacks(execute=True):
        return issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))


def _draft(actor, customer, document_type="invoice"):
    return create_document(actor=actor, document_type=document_type, customer=customer, lines=[HOSTING])


def _api(document) -> str:
    kind = {"invoice": "invoices", "proforma": "proformas", "credit_note": "credit-notes"}[
        document.document_type
    ]
    return f"/api/v1/{kind}/{document.pk}/pdf/"


def _staff(document) -> str:
    return reverse("billing:document-pdf", args=[document.pk])


def _area(document) -> str:
    return reverse("billing:area-document-pdf", args=[document.pk])


# --- the stored copy everywhere ------------------------------------------------------------------


def test_the_api_the_staff_page_and_the_area_serve_the_stored_pdf_without_rendering_again(
    invoice, bill_billing, carol, client
):
    stored = DocumentPdf.objects.get(document=invoice)
    renders = pdf.renders_so_far()

    api = [bearer(carol).get(_api(invoice)), bearer(bill_billing).get(_api(invoice))]
    client.force_login(bill_billing)
    staff = client.get(_staff(invoice))
    client.force_login(carol)
    area = client.get(_area(invoice))

    assert pdf.renders_so_far() == renders
    for response in (*api, staff, area):
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        assert response.content == bytes(stored.content)
        assert response["ETag"] == f'"{stored.sha256}"'
    assert api[0]["Content-Disposition"] == 'attachment; filename="PRH-2026-000001.pdf"'
    assert area["Content-Disposition"] == 'inline; filename="PRH-2026-000001.pdf"'
    assert DocumentPdf.objects.count() == 1


def test_the_first_download_of_a_document_without_its_copy_stores_it_and_later_ones_serve_it(
    billing_ready, bill_billing, carol, carol_customer
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    renders = pdf.renders_so_far()

    first = bearer(carol).get(_api(invoice))
    second = bearer(carol).get(_api(invoice))

    assert pdf.renders_so_far() - renders == 1
    assert first.content == second.content == bytes(DocumentPdf.objects.get(is_archive=True).content)


def test_an_email_carries_the_stored_pdf(
    invoice, bill_billing, mailoutbox, django_capture_on_commit_callbacks
):
    renders = pdf.renders_so_far()

    with django_capture_on_commit_callbacks(execute=True):
        send_document(actor=bill_billing, document=invoice, recipient="facturi@carol.test")

    [(filename, content, mimetype)] = mailoutbox[0].attachments
    assert (filename, mimetype) == ("PRH-2026-000001.pdf", "application/pdf")
    assert content == bytes(DocumentPdf.objects.get(document=invoice).content)
    assert pdf.renders_so_far() == renders


def test_emailing_a_document_without_its_copy_stores_it_first(
    billing_ready, bill_billing, carol_customer, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))

    with django_capture_on_commit_callbacks(execute=True):
        send_document(actor=bill_billing, document=invoice, recipient="facturi@carol.test")

    stored = DocumentPdf.objects.get(document=invoice, is_archive=True)
    assert mailoutbox[0].attachments[0][1] == bytes(stored.content)


# --- isolation -----------------------------------------------------------------------------------


def test_an_outsider_gets_404_and_nothing_is_rendered_or_stored(
    billing_ready, bill_billing, carol_customer, dave, dave_customer, client
):
    invoice = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer))
    renders = pdf.renders_so_far()
    client.force_login(dave)

    assert bearer(dave).get(_api(invoice)).status_code == 404
    assert client.get(_area(invoice)).status_code == 404
    assert pdf.renders_so_far() == renders
    assert DocumentPdf.objects.count() == 0


def test_a_customer_never_gets_the_pdf_of_a_draft(billing_ready, bill_billing, carol, carol_customer, client):
    draft = _draft(bill_billing, carol_customer)
    renders = pdf.renders_so_far()
    client.force_login(carol)

    assert bearer(carol).get(_api(draft)).status_code == 404
    assert client.get(_area(draft)).status_code == 404
    assert pdf.renders_so_far() == renders


# --- drafts: rendered on demand, within a rate ---------------------------------------------------


@pytest.fixture
def two_renders_a_minute(settings):
    settings.BILLING_PDF_RENDER_RATE = "2/min"


def test_a_draft_rendered_too_often_answers_429_in_the_apis_error_shape(
    billing_ready, two_renders_a_minute, bill_billing, carol_customer
):
    draft = _draft(bill_billing, carol_customer, "proforma")
    client = bearer(bill_billing)
    renders = pdf.renders_so_far()

    answers = [client.get(_api(draft), HTTP_ACCEPT="application/pdf") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert pdf.renders_so_far() - renders == 2
    assert answers[2]["Content-Type"] == "application/json"
    assert answers[2]["Retry-After"] == "60"
    assert error_of(answers[2]) == {
        "status": 429,
        "code": "throttled",
        "message": "Too many PDFs were made for you in a short time; try again in 60 seconds.",
    }
    assert DocumentPdf.objects.count() == 0


def test_a_draft_rendered_too_often_on_the_staff_page_shows_when_to_try_again(
    billing_ready, two_renders_a_minute, bill_billing, carol_customer, client
):
    draft = _draft(bill_billing, carol_customer)
    client.force_login(bill_billing)

    answers = [client.get(_staff(draft)) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"] == "60"
    text = answers[2].content.decode()
    assert "Too many PDFs in a short time" in text
    assert "Try again in 60 seconds." in text
    assert f'href="{reverse("billing:document", args=[draft.pk])}"' in text


def test_stored_pdfs_are_served_when_renders_are_used_up(
    invoice, two_renders_a_minute, bill_billing, carol_customer, client
):
    draft = _draft(bill_billing, carol_customer)
    client.force_login(bill_billing)
    for _ in range(2):
        client.get(_staff(draft))

    assert client.get(_staff(draft)).status_code == 429
    assert client.get(_staff(invoice)).status_code == 200


def test_a_customer_whose_first_downloads_are_used_up_gets_the_area_page_saying_so(
    billing_ready, two_renders_a_minute, alice_admin, bill_billing, carol, carol_customer, client
):
    change_tax_profile(actor=alice_admin, customer=carol_customer, document_language="en")
    invoices = [
        issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer)) for _ in range(3)
    ]
    client.force_login(carol)

    answers = [client.get(_area(invoice)) for invoice in invoices]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert "Try again in 60 seconds." in answers[2].content.decode()
    # Once stored, a PDF is served whatever the rate.
    assert client.get(_area(invoices[0])).status_code == 200
    assert DocumentPdf.objects.count() == 2


def test_rates_are_counted_per_user(
    billing_ready, two_renders_a_minute, bill_billing, mike_manager, carol_customer
):
    draft = _draft(bill_billing, carol_customer)
    for _ in range(2):
        bearer(bill_billing).get(_api(draft))

    assert bearer(bill_billing).get(_api(draft)).status_code == 429
    assert bearer(mike_manager).get(_api(draft)).status_code == 200


def test_the_schema_documents_the_429_of_the_pdf_endpoints(client, db):
    schema = client.get("/api/v1/schema/?format=json").json()

    assert "429" in schema["paths"]["/api/v1/invoices/{invoice_id}/pdf/"]["get"]["responses"]


def test_an_issued_proforma_is_served_from_its_stored_copy(
    billing_ready, bill_billing, carol, carol_customer
):
    proforma = issue_document(actor=bill_billing, document=_draft(bill_billing, carol_customer, "proforma"))
    renders = pdf.renders_so_far()

    answers = [bearer(carol).get(_api(proforma)) for _ in range(2)]

    assert pdf.renders_so_far() - renders == 1
    assert answers[0].content == answers[1].content == pdf_archive.pdf_file(proforma).content
