"""Documents downloaded by a logged-in user are never kept by a cache (issue 11, item 19):
the PDFs and e-Factura XML of the staff pages, the customer area and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from praho.billing.tests.test_api import issued
from praho.testing.api import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def invoice(billing_ready, bill_billing, carol_customer):
    return issued(bill_billing, carol_customer)


def test_a_staff_pdf_and_xml_download_is_not_stored(staff_client, bill_billing, invoice):
    client = staff_client(bill_billing)

    pdf = client.get(f"/staff/billing/documents/{invoice.pk}/pdf/")
    xml = client.get(f"/staff/efactura/documents/{invoice.pk}/xml/")

    assert (pdf.status_code, pdf["Cache-Control"]) == (200, "no-store")
    assert pdf["Content-Type"] == "application/pdf"
    assert (xml.status_code, xml["Cache-Control"]) == (200, "no-store")
    assert xml["Content-Type"].startswith("application/xml")


def test_a_customer_pdf_download_is_not_stored(client, carol, invoice):
    client.force_login(carol)

    response = client.get(f"/app/billing/documents/{invoice.pk}/pdf/")

    assert (response.status_code, response["Cache-Control"]) == (200, "no-store")


def test_an_api_pdf_and_xml_download_is_not_stored(bill_billing, invoice):
    api = bearer(bill_billing)

    pdf = api.get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    xml = api.get(f"/api/v1/invoices/{invoice.pk}/efactura.xml")

    assert (pdf.status_code, pdf["Cache-Control"]) == (200, "no-store")
    assert (xml.status_code, xml["Cache-Control"]) == (200, "no-store")
