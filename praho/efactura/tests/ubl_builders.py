"""Issued invoices and credit notes for the e-Factura XML tests, made by billing's own services.

Customers come from praho.customers.services.customers.create_customer, the seller from
praho.billing.services.seller.update_seller_profile, documents from create_document + issue_document and
credit notes from corrections.credit_note, so what the XML is built from is exactly what
billing stores in real use. Shared by test_ubl.py and test_ubl_matrix.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from lxml import etree

from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.accounts.tests.factories import UserFactory
from praho.billing.demo import DEMO_SELLER
from praho.billing.models import Document, SellerProfile
from praho.billing.rules.vat_rates import seed_vat_rates
from praho.billing.services import fx, seller
from praho.billing.services.corrections import credit_note
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.numbering import seed_default_series
from praho.customers.models import Customer
from praho.customers.services.customers import create_customer
from praho.customers.services.lookups import check_vies
from praho.customers.tests.fakes.vies import FakeVies
from praho.efactura.selectors import with_xml_data

D = Decimal
DAY = date(2026, 3, 10)  # a Tuesday; RON rates 21% and 11%
RATES = {"EUR": D("5.0912"), "USD": D("4.3521")}
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}

# The buyers of the matrix: (customer values, billing address).
BUYERS: dict[str, dict[str, Any]] = {
    "ro_company": {
        "kind": "company",
        "name": "Transilvania Soft SRL",
        "country": "RO",
        "tax_id": "RO14399840",
        "vat_payer": True,
        "email": "contabilitate@transilvania-soft.test",
        "address": {
            "street": "Str. Memorandumului nr. 28",
            "city": "Cluj-Napoca",
            "postal_code": "400114",
            "county": "RO-CJ",
            "country": "RO",
        },
    },
    "ro_person_cnp": {
        "kind": "individual",
        "name": "Maria Popescu",
        "country": "RO",
        "tax_id": "2850312123459",
        "address": {
            "street": "Bd. Tineretului nr. 5, bl. 2, ap. 14",
            "city": "Sector 4",
            "postal_code": "040311",
            "county": "RO-B",
            "country": "RO",
        },
    },
    "ro_person": {
        "kind": "individual",
        "name": "Ion Ionescu",
        "country": "RO",
        "address": {"street": "Str. Lăpușneanu nr. 7", "city": "Iași", "county": "RO-IS", "country": "RO"},
    },
    "eu_company": {
        "kind": "company",
        "name": "Berlin Cloud GmbH",
        "country": "DE",
        "tax_id": "DE136695976",
        "vat_payer": True,
        "address": {"street": "Hauptstraße 12", "city": "Berlin", "postal_code": "10115", "country": "DE"},
    },
    "non_eu_company": {
        "kind": "company",
        "name": "Example Shop Inc.",
        "country": "US",
        "tax_id": "12-3456789",
        "address": {
            "street": "350 Fifth Avenue",
            "city": "New York",
            "postal_code": "10118",
            "county": "NY",
            "country": "US",
        },
    },
}
ROMANIAN_BUYERS = ("ro_company", "ro_person_cnp", "ro_person")
# ISO 3166-2:RO county and city each buyer's XML must carry (BR-RO-101/111).
BUYER_PLACES = {
    "ro_company": ("RO-CJ", "Cluj-Napoca"),
    "ro_person_cnp": ("RO-B", "SECTOR4"),
    "ro_person": ("RO-IS", "Iași"),
    "eu_company": (None, "Berlin"),
    "non_eu_company": ("NY", "New York"),
}


def line(description: str, quantity: str, unit_code: str, unit_price: str, **extra: str) -> dict[str, str]:
    return {
        "description": description,
        "quantity": quantity,
        "unit_code": unit_code,
        "unit_price": unit_price,
        **extra,
    }


HOSTING = line("Găzduire web Business", "12", "MON", "49.99", discount="59.99")
DOMAIN = line("Domeniu exemplu.ro", "1", "ANN", "45.00")
EBOOK = line(
    "E-book: Ghidul administratorului Linux",
    "2",
    "H87",
    "50.00",
    vat_rate="11",
    vat_override_reason="Book (e-book): reduced VAT rate, art. 291 of the Romanian Fiscal Code",
)
TRAINING = line(
    "Curs administrare servere Linux (2 zile)",
    "1",
    "H87",
    "800.00",
    vat_category="E",
    vat_rate="0",
    vat_override_reason="Vocational training, exempt from VAT",
    vat_exemption_reason="Scutit de TVA conform art. 292 alin. (1) lit. f) din Codul fiscal",
    vat_exemption_reason_code="VATEX-EU-132-1I",
)

# The VAT cases billing produces, with their lines and the buyers they are possible for.
# The engine computes S (Romanian VAT) for Romanian buyers, AE for an EU company with a VAT
# number, O outside the EU and O for every buyer of a seller not registered for VAT; staff
# override a line to a reduced rate or an exemption (E), with a reason.
CASES: dict[str, tuple[tuple[dict[str, str], ...], tuple[str, ...]]] = {
    "standard": ((HOSTING, DOMAIN), ROMANIAN_BUYERS),
    "two_rates": ((HOSTING, EBOOK), ROMANIAN_BUYERS),
    "exempt": ((HOSTING, TRAINING), ROMANIAN_BUYERS),
    "reverse_charge": ((HOSTING, DOMAIN), ("eu_company",)),
    "outside_scope": ((HOSTING, DOMAIN), ("non_eu_company",)),
    "not_registered": ((HOSTING, DOMAIN), tuple(BUYERS)),
}
CURRENCIES = ("RON", "EUR", "USD")


@dataclass
class Billing:
    admin: User
    clerk: User
    customers: dict[str, Customer]


def start_billing() -> Billing:
    """Seeded rates and series, an admin and a billing clerk, the demo seller (a VAT payer),
    the matrix's buyers and BNR rates for DAY (entered by hand, as offline)."""
    seed_vat_rates()
    seed_default_series()
    admin = UserFactory(email="admin@efactura.test", is_staff=True, roles=[Role.ADMIN])
    clerk = UserFactory(email="clerk@efactura.test", is_staff=True, roles=[Role.BILLING])
    seller.update_seller_profile(actor=admin, **DEMO_SELLER)
    customers = {key: create_customer(actor=admin, **values) for key, values in BUYERS.items()}
    # Reverse charge needs the EU company's VAT number confirmed by VIES (a local fake of it).
    with FakeVies() as vies, override_settings(VIES_API_URL=vies.url, PRAHO_SELLER_VAT_NUMBER="RO18547290"):
        vies.register(BUYERS["eu_company"]["tax_id"])
        customers["eu_company"] = check_vies(actor=admin, customer=customers["eu_company"])
    for currency, rate in RATES.items():
        fx.set_manual_rate(actor=clerk, currency=currency, on=DAY, rate=rate)
    return Billing(admin, clerk, customers)


def stop_vat_registration(billing: Billing) -> SellerProfile:
    """A new seller version that is not registered for VAT: every line is then outside the scope (O)."""
    return seller.update_seller_profile(actor=billing.admin, vat_payer=False)


def issued_invoice(
    billing: Billing, buyer: str, lines: Any, currency: str = "RON", **values: Any
) -> Document:
    draft = create_document(
        actor=billing.clerk,
        document_type="invoice",
        customer=billing.customers[buyer],
        lines=[dict(item) for item in lines],
        currency=currency,
        **values,
    )
    return issue_document(actor=billing.clerk, document=draft)


def credited(billing: Billing, invoice: Document, lines: list[dict[str, Any]] | None = None) -> Document:
    return credit_note(actor=billing.clerk, invoice=invoice, lines=lines)


def ready(document: Document) -> Document:
    """The document as praho.efactura.selectors serves it to ubl.document_xml."""
    return with_xml_data(Document.objects.filter(pk=document.pk)).get()


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=NS)


def texts(root: etree._Element, path: str) -> list[str]:
    return [element.text or "" for element in root.findall(path, namespaces=NS)]


def require_validation_artifacts() -> None:
    """Skip without ANAF's artifacts (a developer machine without them); fail in CI."""
    directory = Path(settings.EFACTURA_VALIDATION_DIR or "/nonexistent-efactura-validation-dir")
    if directory.is_dir():
        return
    reason = f"EFACTURA_VALIDATION_DIR ({directory}) is not a directory; see README, e-Factura validation"
    if os.environ.get("PRAHO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}. PRAHO_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(reason)
