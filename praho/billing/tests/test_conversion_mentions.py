"""An exempt line keeps its legal basis when it is copied: a proforma converted into an invoice,
an invoice credited. The copies go through documents.line_values (used by corrections.py), which
must carry the exemption reason and its code, or the copy loses its printed mention and its
e-Factura exemption reason (BT-120/121)."""

import datetime

import pytest
import time_machine

from praho.billing.services.corrections import convert_proforma, credit_note
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document

REASON = "Scutit de TVA conform art. 292 alin. (1) lit. f) din Codul fiscal"
HOSTING = {"description": "Web hosting Business", "quantity": "12", "unit_code": "MON", "unit_price": "49.99"}
TRAINING = {
    "description": "Linux administration course (2 days)",
    "quantity": "1",
    "unit_price": "800.00",
    "vat_category": "E",
    "vat_rate": "0",
    "vat_override_reason": "Vocational training, exempt from VAT",
    "vat_exemption_reason": REASON,
    "vat_exemption_reason_code": "VATEX-EU-132-1I",
}


@pytest.fixture
def frozen_day():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC), tick=False):
        yield datetime.date(2026, 3, 10)


def exempt_lines(document):
    return [
        (line.vat_category, line.vat_exemption_reason_code, line.vat_exemption_reason)
        for line in document.lines.filter(vat_category="E")
    ]


def test_a_converted_proforma_keeps_the_exemption_reason_and_mention_of_its_exempt_line(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    proforma = create_document(
        actor=bill_billing, document_type="proforma", customer=carol_customer, lines=[HOSTING, TRAINING]
    )
    issue_document(actor=bill_billing, document=proforma)

    invoice = convert_proforma(actor=bill_billing, proforma=proforma)

    assert exempt_lines(invoice) == [("E", "VATEX-EU-132-1I", REASON)]
    assert invoice.mentions == [REASON]


def test_a_credit_note_keeps_the_exemption_reason_and_mention_of_the_exempt_line_it_credits(
    billing_ready, frozen_day, bill_billing, carol_customer
):
    invoice = issue_document(
        actor=bill_billing,
        document=create_document(
            actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING, TRAINING]
        ),
    )
    exempt = invoice.lines.get(vat_category="E")

    note = credit_note(actor=bill_billing, invoice=invoice, lines=[{"line": exempt.pk}])

    assert exempt_lines(note) == [("E", "VATEX-EU-132-1I", REASON)]
    assert note.mentions == [REASON]
