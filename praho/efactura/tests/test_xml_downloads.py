"""The e-Factura XML as a download: GET /api/v1/invoices/{id}/efactura.xml and
/api/v1/credit-notes/{id}/efactura.xml, and the staff document page's button and its view
/staff/efactura/documents/{id}/xml/. Whoever may see the document downloads it, as its PDF."""

from __future__ import annotations

from html import unescape

import pytest
import time_machine

from praho.billing.services.corrections import credit_note
from praho.billing.tests.conftest import billing_ready  # noqa: F401 (a fixture)
from praho.billing.tests.test_api import DOMAINS, HOSTING, NOW, draft, issued
from praho.efactura.tests.ubl_builders import ready
from praho.efactura.ubl.document import document_xml
from praho.testing.api import NOT_FOUND, bearer, error_of

# billing_ready: seeded VAT rates and series and a configured seller (billing's fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("billing_ready")]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def carols(bill_billing, carol_customer):
    invoice = issued(bill_billing, carol_customer, HOSTING, DOMAINS)
    note = credit_note(
        actor=bill_billing, invoice=invoice, lines=[{"line": invoice.lines.get(position=1).pk}]
    )
    return {"invoice": invoice, "credit_note": note, "draft": draft(bill_billing, carol_customer)}


def _disposition(number: str) -> str:
    return f'attachment; filename="{number}.xml"'


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "url"), [("invoice", "invoices"), ("credit_note", "credit-notes")])
def test_staff_download_the_xml_named_after_the_number(carols, bill_billing, kind, url):
    document = carols[kind]

    response = bearer(bill_billing).get(f"/api/v1/{url}/{document.pk}/efactura.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == _disposition(document.number)
    assert response.content == document_xml(ready(document))


def test_a_client_accepting_only_xml_gets_it(carols, bill_billing):
    invoice = carols["invoice"]

    response = bearer(bill_billing).get(
        f"/api/v1/invoices/{invoice.pk}/efactura.xml", HTTP_ACCEPT="application/xml"
    )

    assert (response.status_code, response.content) == (200, document_xml(ready(invoice)))


def test_a_customers_user_downloads_their_own_customers_xml(carols, carol):
    invoice = carols["invoice"]

    response = bearer(carol).get(f"/api/v1/invoices/{invoice.pk}/efactura.xml")

    assert response.status_code == 200
    assert response["Content-Disposition"] == _disposition(invoice.number)
    assert response.content == document_xml(ready(invoice))


@pytest.mark.parametrize(("kind", "url"), [("invoice", "invoices"), ("credit_note", "credit-notes")])
def test_an_outsider_gets_404(carols, dave, dave_customer, kind, url):
    response = bearer(dave).get(f"/api/v1/{url}/{carols[kind].pk}/efactura.xml")

    assert response.status_code == 404
    assert error_of(response) == NOT_FOUND


def test_an_id_of_the_other_kind_is_404(carols, bill_billing):
    response = bearer(bill_billing).get(f"/api/v1/credit-notes/{carols['invoice'].pk}/efactura.xml")

    assert response.status_code == 404


def test_a_draft_has_no_xml_staff_are_told_why(carols, bill_billing):
    document = carols["draft"]

    response = bearer(bill_billing).get(
        f"/api/v1/invoices/{document.pk}/efactura.xml", HTTP_ACCEPT="application/xml"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["code"] == "not_issued"
    assert error["message"] == (
        f"Only an issued invoice or credit note has an e-Factura XML; {document} is not one."
    )


def test_a_customers_user_never_sees_a_draft(carols, carol):
    response = bearer(carol).get(f"/api/v1/invoices/{carols['draft'].pk}/efactura.xml")

    assert response.status_code == 404


def test_anonymous_clients_are_refused(carols, client):
    response = client.get(f"/api/v1/invoices/{carols['invoice'].pk}/efactura.xml")

    assert response.status_code == 401


# --- staff page and view ----------------------------------------------------------------------


def test_the_staff_document_page_offers_the_xml(carols, bill_billing, staff_client):
    invoice = carols["invoice"]

    page = unescape(
        staff_client(bill_billing).get(f"/staff/billing/documents/{invoice.pk}/").content.decode()
    )

    assert f'href="/staff/efactura/documents/{invoice.pk}/xml/" download>e-Factura XML</a>' in page


def test_a_drafts_page_offers_no_xml(carols, bill_billing, staff_client):
    document = carols["draft"]

    page = staff_client(bill_billing).get(f"/staff/billing/documents/{document.pk}/").content.decode()

    assert "e-Factura XML" not in page


def test_staff_download_the_xml_from_the_staff_view(carols, sam_sales, staff_client):
    note = carols["credit_note"]

    response = staff_client(sam_sales).get(f"/staff/efactura/documents/{note.pk}/xml/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == _disposition(note.number)
    assert response.content == document_xml(ready(note))


def test_the_staff_view_sends_a_draft_back_to_its_page(carols, bill_billing, staff_client):
    document = carols["draft"]

    response = staff_client(bill_billing).get(f"/staff/efactura/documents/{document.pk}/xml/", follow=True)

    assert response.redirect_chain == [(f"/staff/billing/documents/{document.pk}/", 302)]
    assert [str(message) for message in response.context["messages"]] == [
        f"Only an issued invoice or credit note has an e-Factura XML; {document} is not one."
    ]


def test_the_staff_view_is_404_for_an_unknown_id(carols, bill_billing, staff_client):
    response = staff_client(bill_billing).get("/staff/efactura/documents/999999/xml/")

    assert response.status_code == 404


def test_a_customers_user_cannot_use_the_staff_view(carols, carol, client):
    client.force_login(carol)

    response = client.get(f"/staff/efactura/documents/{carols['invoice'].pk}/xml/")

    assert response.status_code == 404
