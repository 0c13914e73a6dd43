"""The dates and notes of the e-Factura XML (issue 11, items 7 and 9): a cash-basis seller keeps
BT-8 "432" when a tax point date is set, the supply date going to BT-72; the document's notes are
BT-22 notes after the legal mentions; a credit note's breakdown is the one stored with it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from praho.billing.models import Document, DocumentLine
from praho.billing.services import seller
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.efactura.tests.test_ubl import valid_xml
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    HOSTING,
    NS,
    credited,
    issued_invoice,
    parse,
    start_billing,
    text,
    texts,
)
from praho.efactura.ubl.document import document_xml

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def billing():
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False):
        yield start_billing()


def test_a_cash_basis_invoice_with_a_tax_point_keeps_code_432_and_states_the_supply_date(billing):
    seller.update_seller_profile(actor=billing.admin, vat_on_cash_basis=True)
    invoice = issued_invoice(billing, "ro_company", (HOSTING,), tax_point_date=dt.date(2026, 3, 2))

    root = parse(valid_xml(invoice))

    assert text(root, "cac:InvoicePeriod/cbc:DescriptionCode") == "432"
    assert root.find("cbc:TaxPointDate", NS) is None  # BT-7 and BT-8 exclude each other (BR-CO-03)
    assert text(root, "cac:Delivery/cbc:ActualDeliveryDate") == "2026-03-02"


def test_an_invoice_with_a_tax_point_date_states_it_as_bt_7_when_vat_is_not_on_a_cash_basis(billing):
    invoice = issued_invoice(billing, "ro_company", (HOSTING,), tax_point_date=dt.date(2026, 3, 2))

    root = parse(valid_xml(invoice))

    assert text(root, "cbc:TaxPointDate") == "2026-03-02"
    assert root.find("cac:InvoicePeriod", NS) is None
    assert root.find("cac:Delivery", NS) is None


def test_the_documents_notes_follow_the_legal_mentions_as_bt_22(billing):
    seller.update_seller_profile(actor=billing.admin, vat_on_cash_basis=True)
    notes = "Contract 12/2026, anexa 3.\nPlata în 15 zile. " + "x" * 290

    root = parse(valid_xml(issued_invoice(billing, "ro_company", (HOSTING,), notes=notes)))

    assert texts(root, "cbc:Note") == [
        "TVA la încasare",
        "Contract 12/2026, anexa 3. Plata în 15 zile.",
        "x" * 290,
    ]


def test_a_credit_notes_xml_carries_the_breakdown_stored_with_it(billing):
    invoice = issued_invoice(billing, "ro_company", ({**DOMAIN, "quantity": "3", "unit_price": "0.335"},))
    line = invoice.lines.get()
    first = credited(billing, invoice, [{"line": line.pk, "quantity": "1"}])
    second = credited(billing, invoice, [{"line": line.pk, "quantity": "1"}])
    last = credited(billing, invoice, [{"line": line.pk, "quantity": "1"}])

    roots = [parse(valid_xml(note)) for note in (first, second, last)]

    assert [texts(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount") for root in roots] == [
        ["0.34"],
        ["0.34"],
        ["0.33"],
    ]
    assert [text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") for root in roots] == [
        "0.41",
        "0.41",
        "0.40",
    ]


def test_text_stored_before_input_refused_control_characters_is_a_clear_refusal_not_a_server_error(
    billing, alice_admin
):
    draft = create_document(
        actor=billing.clerk,
        document_type="invoice",
        customer=billing.customers["ro_company"],
        lines=[HOSTING],
    )
    # What an older PRAHO stored (input refuses it now), written around the input checks.
    DocumentLine.objects.filter(document=draft).update(description="Hosting\x07 Business")
    invoice = issue_document(actor=billing.clerk, document=draft)

    with pytest.raises(ValidationError) as refused:
        document_xml(Document.objects.get(pk=invoice.pk))

    assert refused.value.message_dict == {
        "Name": [
            "Name holds a character XML cannot carry: Remove the control character U+0007; only tabs and "
            "line breaks are allowed."
        ]
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(alice_admin).access_token}")
    response = client.get(f"/api/v1/invoices/{invoice.pk}/efactura.xml")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == refused.value.message_dict
