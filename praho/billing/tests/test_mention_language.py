"""Legal mentions and exemption reasons are in the customer's document language, whatever
language the staff member who drafts or issues the document works in: they are printed on the
PDF and sent to ANAF as e-Factura notes and exemption reasons (BT-22, BT-120)."""

import datetime

import pytest
import time_machine
from django.utils import translation

from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.issuing_batch import issue_documents
from praho.customers.services.customers import create_customer

HOSTING = {"description": "Web hosting Business", "quantity": "1", "unit_code": "MON", "unit_price": "100"}
ROMANIAN = "În afara sferei de aplicare a TVA din România"
ENGLISH = "Outside the scope of Romanian VAT"


@pytest.fixture
def frozen_day():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC), tick=False):
        yield


def us_company(actor, name, language):
    return create_customer(
        actor=actor,
        kind="company",
        name=name,
        country="US",
        tax_id="",
        document_language=language,
        address={"street": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
    )


def drafted_in(ui_language, actor, customer):
    with translation.override(ui_language):
        return create_document(
            actor=actor, document_type="invoice", customer=customer, currency="RON", lines=[HOSTING]
        )


@pytest.mark.parametrize(
    ("ui_language", "document_language", "expected"), [("en", "ro", ROMANIAN), ("ro", "en", ENGLISH)]
)
def test_a_document_speaks_its_customers_language_not_the_staff_members(
    billing_ready, frozen_day, bill_billing, alice_admin, ui_language, document_language, expected
):
    customer = us_company(alice_admin, "Example Inc", document_language)
    draft = drafted_in(ui_language, bill_billing, customer)

    with translation.override(ui_language):
        invoice = issue_document(actor=bill_billing, document=draft)

    assert [line.vat_exemption_reason for line in invoice.lines.all()] == [expected]
    assert len(invoice.mentions) == 1
    assert invoice.mentions[0].startswith(expected)


def test_a_batch_gives_each_customer_their_own_language(billing_ready, frozen_day, bill_billing, alice_admin):
    romanian, english = us_company(alice_admin, "Alpha Inc", "ro"), us_company(alice_admin, "Beta Inc", "en")
    drafts = [drafted_in("en", bill_billing, romanian), drafted_in("en", bill_billing, english)]

    with translation.override("en"):
        issued = issue_documents(actor=bill_billing, documents=drafts)

    assert [document.mentions[0].split(" (")[0] for document in issued] == [ROMANIAN, ENGLISH]
