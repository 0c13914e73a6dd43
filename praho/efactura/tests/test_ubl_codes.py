"""The e-Factura XML: every document of the demo is valid, and the code lists and text limits of
CIUS-RO (counties, Bucharest sectors, shortened texts), split from test_ubl.py."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from praho.billing.models import Document, DocumentType
from praho.efactura.selectors import with_xml_data
from praho.efactura.tests.ubl_builders import (
    require_validation_artifacts,
)
from praho.efactura.ubl import codes
from praho.efactura.ubl.document import document_xml
from praho.efactura.ubl.validation import validate_xml

pytestmark = pytest.mark.django_db


# --- the demo -----------------------------------------------------------------------------


def test_every_invoice_and_credit_note_of_the_demo_is_valid_e_factura():
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        call_command("demo", stdout=StringIO())
    documents = list(
        with_xml_data(
            Document.objects.filter(
                document_type__in=[DocumentType.INVOICE, DocumentType.CREDIT_NOTE]
            ).exclude(status="draft")
        ).order_by("number")
    )
    require_validation_artifacts()

    failures = {
        document.number: [f.rule_id for f in validate_xml(document_xml(document)).errors()]
        for document in documents
    }

    # Billing's 14 and the invoice of the demo's paid order (orders.demo).
    assert (len(documents), sum(d.document_type == DocumentType.CREDIT_NOTE for d in documents)) == (17, 1)
    assert failures == {document.number: [] for document in documents}
    categories = {line.vat_category for document in documents for line in document.lines.all()}
    assert categories == {"S", "E", "AE", "O"}
    assert {document.currency for document in documents} == {"RON", "EUR", "USD"}


# --- codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "code"),
    [
        ("RO-CJ", "RO-CJ"),
        ("cj", "RO-CJ"),
        ("Argeș", "RO-AG"),
        ("Judetul Arges", "RO-AG"),
        ("București", "RO-B"),
    ],
)
def test_a_romanian_county_is_its_iso_3166_2_code(stored, code):
    assert codes.romanian_county(stored, field="buyer.county") == code


def test_an_unknown_county_or_a_bucharest_city_that_is_no_sector_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as county:
        codes.romanian_county("Atlantis", field="buyer.county")
    with pytest.raises(ValidationError) as sector:
        codes.bucharest_sector("Pipera", field="buyer.city")

    assert county.value.message_dict == {
        "buyer.county": [
            "e-Factura needs the county of a Romanian address as an ISO 3166-2:RO code "
            "(such as RO-CJ, or RO-B for Bucharest); 'Atlantis' is not one."
        ]
    }
    assert sector.value.message_dict == {
        "buyer.city": ["e-Factura needs a Bucharest address's city to be a sector (Sector 1 to Sector 6)."]
    }
    assert [codes.bucharest_sector(city, field="x") for city in ("Sector 1", "sectorul 6", "SECTOR3")] == [
        "SECTOR1",
        "SECTOR6",
        "SECTOR3",
    ]


def test_texts_are_shortened_and_split_between_words():
    assert codes.shorten("  Găzduire   web  ", 100) == "Găzduire web"
    assert codes.shorten("unu doi trei patru cinci", 15) == "unu doi trei…"
    assert codes.split_text("unu doi trei patru cinci", 9) == ["unu doi", "trei", "patru", "cinci"]
    assert codes.split_text("a" * 12, 5) == ["aaaaa", "aaaaa", "aa"]
    assert codes.exemption_code(" vatex-eu-ae ") == "VATEX-EU-AE"
    assert codes.exemption_code("ART292") == ""
