"""`manage.py demo` issues billing documents that cover every VAT case, with payments."""

import datetime as dt
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from praho.audit.models import AuditEvent
from praho.billing import ledger_queries
from praho.billing.demo import DEMO_SELLER, NOTE
from praho.billing.ledger_queries import PaymentStatus
from praho.billing.models import (
    Document,
    DocumentLine,
    DocumentType,
    ExchangeRate,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    SellerProfile,
)
from praho.billing.services import seller
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.customers.models import Customer

D = Decimal
pytestmark = pytest.mark.django_db
# A fixed day, so the dates counted back from today are always the same.
TODAY = date(2026, 3, 2)


@pytest.fixture
def today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        yield TODAY


def run_demo() -> str:
    output = StringIO()
    call_command("demo", stdout=output)
    return output.getvalue()


def issued(document_type=DocumentType.INVOICE):
    """Billing's own demo documents: the demo orders' proformas and invoices (orders.demo) say
    their order's number (ORD-...) in their notes."""
    return (
        Document.objects.filter(document_type=document_type)
        .exclude(status="draft")
        .exclude(notes__contains="ORD-")
        .exclude(converted_from__notes__contains="ORD-")
    )


def lines_of(customer_name):
    return {
        (line.vat_category, line.vat_rate)
        for line in DocumentLine.objects.filter(
            document__customer__name=customer_name, document__document_type=DocumentType.INVOICE
        )
    }


def test_the_demo_covers_every_vat_case_currency_and_payment_state(today):
    output = run_demo()

    assert "Billing: 15 demo scenarios added now (demo seller created now)." in output
    assert "Skipped" not in output
    invoices = issued()
    # Every VAT category, on issued invoices.
    categories = set(
        DocumentLine.objects.filter(document__in=invoices).values_list("vat_category", flat=True)
    )
    assert categories == {"S", "E", "AE", "O"}
    assert lines_of("Acme Hosting SRL") == {("S", D("21.00"))}  # Romanian company
    assert lines_of("Andrei Georgescu") == {("S", D("21.00"))}  # Romanian individual
    assert lines_of("Sofia Web EOOD") == {("AE", D("0.00"))}  # EU business, VIES not asked (offline)
    assert lines_of("Klaus Becker") == {("S", D("21.00"))}  # EU consumer: Romanian VAT
    assert lines_of("Camille Dubois") == {("S", D("20.00"))}  # EU consumer once we use OSS: French VAT
    assert lines_of("Example Shop Ltd") == {("O", D("0.00"))}  # outside the EU
    assert {("S", D("11.00")), ("S", D("21.00"))} in [lines_of(c.name) for c in Customer.objects.all()]
    exempt = DocumentLine.objects.get(vat_category="E")
    assert (exempt.vat_rate, exempt.vat_exemption_reason_code) == (D("0.00"), "VATEX-EU-132-1I")
    assert exempt.vat_exemption_reason.startswith("Scutit de TVA conform art. 292")
    # The exempt line's legal basis is printed among the document's mentions.
    assert any("art. 292" in mention for mention in exempt.document.mentions)
    before = invoices.get(issue_date=date(2025, 7, 15))
    assert (before.number, set(before.lines.values_list("vat_rate", flat=True))) == (
        "PRH-2025-000001",
        {D("19.00")},
    )
    assert any("Taxare inversă" in m for m in invoices.get(customer__name="Sofia Web EOOD").mentions)
    assert any("OSS" in m for m in invoices.get(customer__name="Camille Dubois").mentions)
    assert invoices.get(customer__name="Camille Dubois").seller.oss_registered
    assert not invoices.get(customer__name="Klaus Becker").seller.oss_registered

    # RON, EUR and USD; a foreign invoice shows its VAT in RON at the (manual, offline) rate.
    assert set(invoices.values_list("currency", flat=True)) == {"RON", "EUR", "USD"}
    klaus = invoices.get(customer__name="Klaus Becker")
    rate = ExchangeRate.objects.get(currency="EUR", date=klaus.issue_date)
    assert (rate.source, klaus.exchange_rate, klaus.vat_total_ron) == (
        "manual",
        rate.rate,
        (klaus.vat_total * rate.rate).quantize(D("0.01")),
    )
    assert not invoices.filter(currency__in=["EUR", "USD"], vat_total_ron=None).exists()

    # Payment states as of today.
    states = defaultdict(list)
    for invoice in invoices:
        states[ledger_queries.payment_status(invoice)].append(invoice.customer.name)
    assert {PaymentStatus.PAID, PaymentStatus.PARTIALLY_PAID, PaymentStatus.OVERDUE} <= set(states)
    assert sorted(states[PaymentStatus.OVERDUE]) == ["Acme Hosting SRL", "Example Shop Ltd"]
    assert ledger_queries.document_amounts(invoices.get(customer__name="Example Shop Ltd")).paid == D("40.00")


def test_the_demo_credits_converts_cancels_and_leaves_customer_credit(today):
    run_demo()

    note = issued(DocumentType.CREDIT_NOTE).get()
    credited = note.credited_document
    assert (note.issue_date, credited.customer.name, ledger_queries.payment_status(credited)) == (
        TODAY,
        "Acme Hosting SRL",
        PaymentStatus.PAID,
    )
    assert note.total < credited.total  # in part
    acme, andrei, sofia = (
        Customer.objects.get(name=name) for name in ("Acme Hosting SRL", "Andrei Georgescu", "Sofia Web EOOD")
    )
    # The credited part was paid already: it became credit. Andrei's overpayment paid his next invoice.
    assert ledger_queries.customer_credit_available(acme, "RON") == note.total
    assert ledger_queries.customer_credit_available(andrei, "RON") == D("50.35")  # 250.00 - 145.20 - 54.45
    assert ledger_queries.customer_credit_available(sofia, "EUR") == D("16.00")
    applied = LedgerTransaction.objects.get(kind="credit_applied")
    assert (applied.customer, ledger_queries.payment_status(applied.document)) == (andrei, PaymentStatus.PAID)

    proformas = issued(DocumentType.PROFORMA).filter(notes__startswith=NOTE)  # not later apps' renewals
    assert sorted(proformas.values_list("customer__name", "status")) == [
        ("Acme Hosting SRL", "converted"),
        ("Andrei Georgescu", "cancelled"),
        ("Sofia Web EOOD", "issued"),
    ]
    converted = proformas.get(status="converted").converted_to
    payment = Payment.objects.get(document=converted)
    assert (converted.issue_date, payment.received_on, payment.amount) == (
        TODAY,
        TODAY - timedelta(days=2),
        converted.total,
    )
    assert ledger_queries.payment_status(converted) == PaymentStatus.PAID


def test_the_ledger_balances_and_documents_are_numbered_in_date_order(today):
    run_demo()

    for txn in LedgerTransaction.objects.all():
        sums = txn.entries.aggregate(debits=Sum("debit"), credits=Sum("credit"))
        assert sums["debits"] == sums["credits"], txn
    totals = LedgerEntry.objects.aggregate(debits=Sum("debit"), credits=Sum("credit"))
    assert totals["debits"] == totals["credits"] > 0
    # Each issued invoice is posted once, each payment once; all through the services (audited).
    invoices = issued()
    everything = Document.objects.filter(document_type=DocumentType.INVOICE).exclude(status="draft")
    assert invoices.count() == 13
    assert LedgerTransaction.objects.filter(kind="invoice_issued").count() == everything.count()
    assert AuditEvent.objects.filter(action="billing.invoice_issued").count() == everything.count()
    assert AuditEvent.objects.filter(action="billing.payment_recorded").count() == Payment.objects.count()
    assert Payment.objects.exclude(reference__contains="ORD-").count() == 11
    for document_type in DocumentType:
        documents = (
            Document.objects.filter(document_type=document_type)
            .exclude(status="draft")
            .order_by("issue_date__year", "sequence")
        )
        by_year = defaultdict(list)
        for document in documents:
            by_year[document.issue_date.year].append((document.sequence, document.issue_date))
        for numbers in by_year.values():
            assert [sequence for sequence, _day in numbers] == list(range(1, len(numbers) + 1))
            assert [day for _sequence, day in numbers] == sorted(day for _sequence, day in numbers)


def test_running_the_demo_twice_adds_nothing(today):
    run_demo()
    counts = [
        model.objects.count()
        for model in (
            Document,
            DocumentLine,
            Payment,
            LedgerTransaction,
            ExchangeRate,
            SellerProfile,
            AuditEvent,
        )
    ]

    output = run_demo()

    assert "Billing: 0 demo scenarios added now (seller unchanged)." in output
    assert [
        model.objects.count()
        for model in (
            Document,
            DocumentLine,
            Payment,
            LedgerTransaction,
            ExchangeRate,
            SellerProfile,
            AuditEvent,
        )
    ] == counts


def test_a_seller_configured_by_an_admin_is_kept_and_so_is_the_series_date_order(
    today, alice_admin, carol_customer
):
    configured = seller.update_seller_profile(
        actor=alice_admin, **(DEMO_SELLER | {"name": "Our Hosting SRL"})
    )
    # An invoice of December 2025 is numbered already: one of July 2025 would come after it.
    later = create_document(
        actor=alice_admin,
        document_type="invoice",
        customer=carol_customer,
        issue_date=date(2025, 12, 1),
        lines=[{"description": "Hosting", "quantity": "1", "unit_price": "10.00"}],
    )
    issue_document(actor=alice_admin, document=later)

    output = run_demo()

    assert list(SellerProfile.objects.all()) == [configured]  # not put on OSS
    assert "Billing: 13 demo scenarios added now (seller unchanged)." in output
    assert "  Skipped 'EU consumer, OSS': the seller is not registered for OSS." in output
    assert (
        "  Skipped 'Invoice before 2025-08-01 (19%)': "
        "a later-dated document is already numbered in its series." in output
    )
    assert not Document.objects.filter(
        notes__in=[f"{NOTE} EU consumer, OSS", f"{NOTE} Invoice before 2025-08-01 (19%)"]
    ).exists()
    assert not Document.objects.filter(issue_date__lt=date(2025, 12, 1)).exists()
