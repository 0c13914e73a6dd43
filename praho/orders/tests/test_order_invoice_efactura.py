"""An order's discounts reach the invoice that pays it and its e-Factura XML, which passes the UBL
2.1 XSD and ANAF's EN 16931 / CIUS-RO rules: package discounts, a coupon, a free included plan
and a setup fee, as line allowances (BT-136)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from praho.billing.models import Document, ExchangeRate
from praho.billing.services.payments import record_payment
from praho.catalog.models import Coupon
from praho.core.validation import fiscal_today
from praho.efactura.selectors import with_xml_data
from praho.efactura.tests.ubl_builders import parse, require_validation_artifacts, text, texts
from praho.efactura.ubl.document import document_xml
from praho.efactura.ubl.validation import validate_xml
from praho.orders.services.checkout import place_order

pytestmark = pytest.mark.django_db


def test_the_paid_orders_invoice_is_valid_e_factura_with_its_allowances(
    shop, carol, carol_customer, alice_admin
):
    require_validation_artifacts()
    ExchangeRate.objects.create(currency="EUR", date=fiscal_today(), rate=Decimal("5.0900"), source="manual")
    Coupon.objects.create(code="TEN", kind="percent", percent=Decimal(10))
    order = place_order(
        actor=carol,
        customer=carol_customer,
        currency="EUR",
        items=[
            {"plan": "web-start", "cycle": "annual", "domain": "carol.ro", "addons": ["backup", "ssl-basic"]},
            {"plan": "vps-m", "cycle": "monthly", "addons": ["extra-ip"]},
        ],
        coupon="ten",
    )
    payment = record_payment(
        actor=alice_admin,
        invoice=order.document,
        amount=order.document.total,
        currency="EUR",
        method="bank_transfer",
        reference="OP 7",
        received_on=fiscal_today(),
    )
    invoice = with_xml_data(Document.objects.filter(pk=payment.document_id)).get()

    xml = document_xml(invoice)
    result = validate_xml(xml)

    assert [(f.rule_id, f.text) for f in result.errors()] == []
    assert result.state == "valid"
    root = parse(xml)
    allowances = texts(root, "cac:InvoiceLine/cac:AllowanceCharge/cbc:Amount")
    assert sorted(Decimal(a) for a in allowances) == sorted(
        line.discount for line in invoice.lines.all() if line.discount
    )
    assert text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == str(invoice.net_total)
    assert invoice.net_total == order.net_total
