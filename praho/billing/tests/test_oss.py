"""EU distance sales against the €10,000 OSS threshold (issue 11, item 12)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from praho.audit.models import AuditEvent
from praho.billing.rules import oss
from praho.billing.services import fx, seller
from praho.billing.services.corrections import credit_note
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.issuing_batch import issue_documents
from praho.customers.services.customers import create_customer

D = Decimal
TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def rates(bill_billing):
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=dt.date(2025, 6, 2), rate="5.0000")
    fx.set_manual_rate(actor=bill_billing, currency="EUR", on=dt.date(2026, 3, 2), rate="5.0800")


@pytest.fixture
def camille(alice_admin):
    """A consumer in France."""
    return create_customer(
        actor=alice_admin,
        kind="individual",
        name="Camille Dubois",
        country="FR",
        address={"street": "12 rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"},
    )


def _invoice(actor, customer, amount, currency="EUR", issue_date=TODAY):
    line = {"description": "Managed VPS", "quantity": "1", "unit_code": "MON", "unit_price": amount}
    return issue_document(
        actor=actor,
        document=create_document(
            actor=actor,
            document_type="invoice",
            customer=customer,
            lines=[line],
            currency=currency,
            issue_date=issue_date,
        ),
    )


def test_distance_sales_count_eu_consumers_net_of_vat_in_euros_less_credit_notes(
    billing_ready, rates, bill_billing, camille, carol_customer
):
    _invoice(bill_billing, camille, "1000.00", issue_date=dt.date(2025, 6, 2))  # last year
    _invoice(bill_billing, camille, "2000.00")  # EUR, this year
    in_ron = _invoice(bill_billing, camille, "5080.00", currency="RON")  # 1,000 EUR at 5.0800
    _invoice(bill_billing, carol_customer, "9999.00", currency="RON")  # a Romanian buyer: not counted
    credit_note(
        actor=bill_billing, invoice=in_ron, lines=[{"line": in_ron.lines.get().pk, "quantity": "0.5"}]
    )

    sales = oss.distance_sales(2026)

    assert (sales.year, sales.total_eur, sales.previous_year_eur) == (2026, D("2500.00"), D("1000.00"))
    assert (sales.crossed, sales.near) == (False, False)


def test_an_invoice_nearing_the_threshold_is_issued_with_a_warning(
    billing_ready, rates, bill_billing, camille
):
    _invoice(bill_billing, camille, "7000.00")

    invoice = _invoice(bill_billing, camille, "1500.00")

    assert [(w.code, w.message) for w in invoice.warnings] == [
        (
            "oss_threshold_near",
            "EU distance sales reach €8500.00 of the €10000.00 threshold in 2026; past it, the VAT of the "
            "customer's state is due (OSS).",
        )
    ]
    assert AuditEvent.objects.get(object_id=str(invoice.pk), action="billing.invoice_issued").data[
        "warnings"
    ] == ["oss_threshold_near"]


def test_an_invoice_crossing_the_threshold_says_that_the_customers_states_vat_is_due(
    billing_ready, rates, bill_billing, camille
):
    _invoice(bill_billing, camille, "9000.00")

    invoice = _invoice(bill_billing, camille, "1500.00")

    assert [w.code for w in invoice.warnings] == ["oss_threshold_crossed"]
    assert invoice.warnings[0].message.startswith(
        "EU distance sales are past the €10000.00 threshold (€10500.00 in 2026 so far)"
    )


def test_last_years_crossing_counts_this_year_too(billing_ready, rates, bill_billing, camille):
    _invoice(bill_billing, camille, "10500.00", issue_date=dt.date(2025, 6, 2))

    invoice = _invoice(bill_billing, camille, "10.00")

    assert [w.code for w in invoice.warnings] == ["oss_threshold_crossed"]


def test_a_seller_registered_for_oss_is_not_warned(billing_ready, rates, alice_admin, bill_billing, camille):
    seller.update_seller_profile(actor=alice_admin, oss_registered=True)
    _invoice(bill_billing, camille, "9000.00")

    invoice = _invoice(bill_billing, camille, "1500.00")

    assert invoice.warnings == []
    assert [(line.vat_category, line.vat_rate) for line in invoice.lines.all()] == [("S", D("20.00"))]


def test_a_batch_counts_its_own_invoices(billing_ready, rates, bill_billing, camille):
    line = {"description": "Managed VPS", "quantity": "1", "unit_code": "MON", "unit_price": "6000.00"}
    drafts = [
        create_document(
            actor=bill_billing, document_type="invoice", customer=camille, lines=[line], currency="EUR"
        )
        for _ in range(2)
    ]

    issued = issue_documents(actor=bill_billing, documents=drafts)

    assert [[w.code for w in document.warnings] for document in issued] == [
        ["oss_threshold_crossed"],
        ["oss_threshold_crossed"],
    ]


def test_the_seller_page_charts_this_and_last_years_sales_against_the_threshold(
    billing_ready, rates, bill_billing, alice_admin, camille, staff_client
):
    _invoice(bill_billing, camille, "4000.00", issue_date=dt.date(2025, 6, 2))
    _invoice(bill_billing, camille, "8500.00")

    response = staff_client(alice_admin).get("/staff/billing/seller/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "EU distance sales (OSS threshold)" in page
    assert "The threshold is near" in page
    assert response.context["distance_sales"]["bars"] == [
        {"year": 2025, "eur": D("4000.00"), "percent": 40},
        {"year": 2026, "eur": D("8500.00"), "percent": 85},
    ]
    assert page.count('<rect x="0" y="1" width=') == 2
