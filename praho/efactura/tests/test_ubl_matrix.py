"""Every VAT case billing produces x RON/EUR/USD x buyer x invoice and credit note: the
e-Factura XML passes the UBL 2.1 XSD and ANAF's CIUS-RO 1.0.9 rules, and carries the
document's own totals, RON VAT, county and credited invoice.

The documents are issued once for the module (through billing's services, on a frozen day)
inside a transaction rolled back at its end; each test generates and validates one XML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from praho.billing.models import Document, DocumentType
from praho.efactura.selectors import with_xml_data
from praho.efactura.tests.ubl_builders import (
    BUYER_PLACES,
    CASES,
    CURRENCIES,
    DAY,
    Billing,
    credited,
    issued_invoice,
    parse,
    require_validation_artifacts,
    start_billing,
    stop_vat_registration,
    text,
    texts,
)
from praho.efactura.ubl.document import document_xml
from praho.efactura.ubl.validation import validate_xml

# Each test runs in a savepoint of the module's transaction (and makes the test database exist).
pytestmark = pytest.mark.django_db

MATRIX = [
    (case, buyer, currency, kind)
    for case, (_lines, buyers) in CASES.items()
    for buyer in buyers
    for currency in CURRENCIES
    for kind in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE)
]


def _issue_case(billing: Billing, case: str, built: dict[tuple[str, str, str, str], Document]) -> None:
    lines, buyers = CASES[case]
    for buyer in buyers:
        for currency in CURRENCIES:
            invoice = issued_invoice(billing, buyer, lines, currency)
            built[case, buyer, currency, DocumentType.INVOICE] = invoice
            built[case, buyer, currency, DocumentType.CREDIT_NOTE] = credited(billing, invoice)


def _build() -> dict[tuple[str, str, str, str], Document]:
    billing = start_billing()
    built: dict[tuple[str, str, str, str], Document] = {}
    for case in CASES:
        if case != "not_registered":
            _issue_case(billing, case, built)
    # Last: the seller stops being a VAT payer, so the documents above keep their VAT payer version.
    stop_vat_registration(billing)
    _issue_case(billing, "not_registered", built)
    fetched = with_xml_data(Document.objects.filter(pk__in=[document.pk for document in built.values()]))
    by_pk = {document.pk: document for document in fetched}
    return {key: by_pk[document.pk] for key, document in built.items()}


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker) -> Iterator[dict[tuple[str, str, str, str], Document]]:
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False):
            built = _build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def artifacts() -> None:
    require_validation_artifacts()


def test_the_matrix_covers_every_vat_case_currency_buyer_and_document_type(matrix):
    categories = {
        case: {line.vat_category for line in matrix[case, buyers[0], "RON", DocumentType.INVOICE].lines.all()}
        for case, (_lines, buyers) in CASES.items()
    }

    assert len(matrix) == len(MATRIX) == 96
    assert categories == {
        "standard": {"S"},
        "two_rates": {"S"},
        "exempt": {"S", "E"},
        "reverse_charge": {"AE"},
        "outside_scope": {"O"},
        "not_registered": {"O"},
    }
    assert {line.vat_rate for line in matrix["two_rates", "ro_company", "RON", "invoice"].lines.all()} == {
        Decimal("21.00"),
        Decimal("11.00"),
    }


@pytest.mark.parametrize(("case", "buyer", "currency", "kind"), MATRIX, ids=["-".join(key) for key in MATRIX])
def test_each_document_of_the_matrix_is_valid_e_factura_with_its_own_values(
    matrix, artifacts, django_assert_num_queries, case, buyer, currency, kind
):
    document = matrix[case, buyer, currency, kind]

    with django_assert_num_queries(0):  # everything was fetched with the document
        xml = document_xml(document)
    result = validate_xml(xml)

    assert [(f.rule_id, f.flag, f.text, f.location) for f in result.errors()] == []
    assert result.state == "valid"
    root = parse(xml)
    assert root.tag.endswith("}Invoice" if kind == DocumentType.INVOICE else "}CreditNote")
    assert text(root, "cbc:ID") == document.number
    assert text(root, "cbc:DocumentCurrencyCode") == currency
    assert text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == str(document.net_total)
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == str(document.total)
    assert texts(root, "cac:TaxTotal/cbc:TaxAmount") == (
        [str(document.vat_total)]
        if currency == "RON"
        else [str(document.vat_total), str(document.vat_total_ron)]
    )
    assert text(root, "cbc:TaxCurrencyCode") == (None if currency == "RON" else "RON")
    assert set(texts(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID")) == {
        line.vat_category for line in document.lines.all()
    }
    buyer_address = "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/"
    assert (
        text(root, buyer_address + "cbc:CountrySubentity"),
        text(root, buyer_address + "cbc:CityName"),
    ) == (BUYER_PLACES[buyer])
    invoice = document.credited_document
    assert [
        text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate"),
    ] == ([None, None] if invoice is None else [invoice.number, DAY.isoformat()])
