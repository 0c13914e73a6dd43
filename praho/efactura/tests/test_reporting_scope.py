"""Which documents go to e-Factura (issue 11, item 12): supplies in Romania only. A consumer abroad
taxed where they live (in another EU state under OSS, or outside the EU) is not reported through
/uploadb2c; one in another EU state charged Romanian VAT (under the threshold) is."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from praho.billing.services import seller
from praho.customers.services.customers import create_customer
from praho.efactura import submissions
from praho.efactura.models import Submission
from praho.efactura.submissions.rules import is_reported
from praho.efactura.tests.ubl_builders import (
    HOSTING,
    issued_invoice,
    require_validation_artifacts,
    start_billing,
)


@pytest.fixture
def billing(db):
    require_validation_artifacts()
    billing = start_billing()
    for key, country, city in (("fr_person", "FR", "Paris"), ("us_person", "US", "Austin")):
        billing.customers[key] = create_customer(
            actor=billing.admin,
            kind="individual",
            name=f"Consumer in {country}",
            country=country,
            address={"street": "1 Main Street", "city": city, "country": country},
        )
    return billing


def _taken_in(documents) -> list[bool]:
    submissions.submit_new_documents()
    return [Submission.objects.filter(document=document).exists() for document in documents]


def test_a_consumer_abroad_taxed_there_is_not_reported(billing, anaf_connected, fake_anaf_efactura):
    fake_anaf_efactura.decide("ok", polls=0)
    seller.update_seller_profile(actor=billing.admin, oss_registered=True)
    romanian = issued_invoice(billing, "ro_person", (HOSTING,))
    french_oss = issued_invoice(billing, "fr_person", (HOSTING,), "EUR")
    american = issued_invoice(billing, "us_person", (HOSTING,), "USD")

    assert _taken_in([romanian, french_oss, american]) == [True, False, False]
    assert [is_reported(document) for document in (romanian, french_oss, american)] == [True, False, False]
    with pytest.raises(ValidationError) as refused:
        submissions.submit(document=french_oss, actor=billing.admin)
    assert refused.value.message_dict == {
        "document": [
            f"{french_oss.number} is not reported to e-Factura: its place of supply is outside Romania "
            "(a consumer abroad, taxed there)."
        ]
    }


def test_a_consumer_in_another_eu_state_charged_romanian_vat_is_reported_as_b2c(
    billing, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.decide("ok", polls=0)
    french = issued_invoice(billing, "fr_person", (HOSTING,), "EUR")  # the seller is not registered for OSS

    assert _taken_in([french]) == [True]
    assert len(fake_anaf_efactura.requests_to("uploadb2c")) == 1
    assert fake_anaf_efactura.requests_to("upload") == []
