"""Documents for the PDF tests, built straight through the ORM.

A document is stored as a draft with its lines, then issued in one save that sets
the number, the party snapshots, the totals and the status together (the ORM
guard refuses changes to an issued invoice's fiscal fields afterwards). An issued
invoice is posted to the ledger, as issuing does, so that it owes its total.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from praho.billing.models import Document, DocumentLine, DocumentStatus, DocumentType, SellerProfile
from praho.billing.rules.totals import LineInput, compute_totals
from praho.billing.services import ledger
from praho.customers.models import Customer
from praho.customers.services.customers import create_customer, current_profile

D = Decimal

SELLER = {
    "name": "PRAHO Hosting SRL",
    "tax_id": "RO18547290",
    "trade_register_number": "J12/3456/2019",
    "street": "Str. Ștefan cel Mare 7",
    "city": "Cluj-Napoca",
    "county": "RO-CJ",
    "postal_code": "400001",
    "country": "RO",
    "iban": "RO49AAAA1B31007593840000",
    "bank_name": "Banca Transilvania",
    "email": "facturi@praho.test",
}


def make_seller(*, version: int = 1, **overrides: Any) -> SellerProfile:
    return SellerProfile.objects.create(
        version=version,
        valid_from=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        **(SELLER | overrides),
    )


def make_romanian_customer(actor: Any, **overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "kind": "company",
        "name": "Țară Nouă Soft SRL",
        "country": "RO",
        "tax_id": "RO14399840",
        "trade_register_number": "J40/1234/2015",
        "vat_payer": True,
        "email": "contabilitate@taranoua.test",
        "address": {
            "street": "Bd. Ion Brătianu 12",
            "city": "Sector 3",
            "county": "RO-B",
            "postal_code": "030167",
            "country": "RO",
        },
    }
    return create_customer(actor=actor, **(values | overrides))


def make_eu_customer(actor: Any, **overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "kind": "company",
        "name": "Müller Webdienste GmbH",
        "country": "DE",
        "tax_id": "DE136695976",
        "vat_payer": True,
        "address": {"street": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE"},
    }
    return create_customer(actor=actor, **(values | overrides))


def make_bulgarian_customer(actor: Any, **overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "kind": "company",
        "name": "Балкан Хост ЕООД",
        "country": "BG",
        "tax_id": "BG175074752",
        "vat_payer": True,
        "address": {"street": "ул. Шипка 34", "city": "София", "postal_code": "1504", "country": "BG"},
    }
    return create_customer(actor=actor, **(values | overrides))


def _buyer_snapshot(customer: Customer) -> dict[str, str]:
    address = customer.addresses.get(is_billing=True)
    return {
        "name": customer.name,
        "tax_id": customer.tax_id,
        "trade_register_number": customer.trade_register_number,
        "street": address.street,
        "city": address.city,
        "county": address.county,
        "postal_code": address.postal_code,
        "country": address.country,
        "email": customer.email,
    }


def line(
    description: str,
    quantity: str,
    unit_price: str,
    *,
    rate: str = "21",
    category: str = "S",
    unit_code: str = "MON",
    discount: str = "0",
) -> dict[str, Any]:
    return {
        "description": description,
        "quantity": D(quantity),
        "unit_price": D(unit_price),
        "vat_category": category,
        "vat_rate": D(rate),
        "unit_code": unit_code,
        "discount": D(discount),
    }


def make_document(
    *,
    customer: Customer,
    seller: SellerProfile,
    lines: list[dict[str, Any]],
    document_type: str = DocumentType.INVOICE,
    currency: str = "RON",
    issue_date: datetime.date = datetime.date(2026, 1, 15),
    due_date: datetime.date = datetime.date(2026, 1, 29),
    number: str = "PRH-2026-000001",
    issued: bool = True,
    mentions: list[str] | None = None,
    exchange_rate: Decimal | None = None,
    vat_total_ron: Decimal | None = None,
    credited_document: Document | None = None,
    **extra: Any,
) -> Document:
    """A stored document with its lines; issued (numbered, with snapshots) unless issued=False."""
    document = Document.objects.create(
        document_type=document_type,
        customer=customer,
        currency=currency,
        issue_date=issue_date,
        due_date=due_date,
        **extra,
    )
    totals = compute_totals(
        LineInput(
            item["quantity"], item["unit_price"], item["vat_category"], item["vat_rate"], item["discount"]
        )
        for item in lines
    )
    DocumentLine.objects.bulk_create(
        DocumentLine(document=document, position=index, net_amount=net, **item)
        for index, (item, net) in enumerate(zip(lines, totals.line_net_amounts, strict=True), start=1)
    )
    document.net_total = totals.net_total
    document.vat_total = totals.vat_total
    document.total = totals.tax_inclusive_total
    document.mentions = mentions or []
    document.exchange_rate = exchange_rate
    document.vat_total_ron = vat_total_ron
    document.credited_document = credited_document
    if issued:
        document.number = number
        document.seller = seller
        document.customer_profile = current_profile(customer)
        document.buyer = _buyer_snapshot(customer)
        document.issued_at = timezone.now()
        document.status = DocumentStatus.ISSUED
    document.save()
    if issued and document_type == DocumentType.INVOICE:
        ledger.post_invoice(document)
        document.refresh_from_db()
    return document
