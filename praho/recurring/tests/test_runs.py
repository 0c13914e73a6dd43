"""The billing run: what it bills, once, grouped, at which price, and what paying does."""
# ruff: noqa: RUF001 (the en dash of the periods on the lines)

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from praho.billing.models import Document, DocumentStatus, DocumentType, ExchangeRate
from praho.billing.services.corrections import cancel_proforma
from praho.billing.services.payments import record_payment
from praho.orders.models import ServiceStatus
from praho.recurring.models import BillingRun, Renewal, RenewalStatus, RunStatus
from praho.recurring.services.runs import run_billing
from praho.recurring.tests.conftest import renewing_service

pytestmark = pytest.mark.django_db

NOON = "T10:00:00+00:00"


def at(day: str) -> time_machine.travel:
    return time_machine.travel(datetime.fromisoformat(day + NOON), tick=False)


def pay(document: Document, actor=None) -> None:
    """Pay what the document still asks (all of a proforma)."""
    document.refresh_from_db()
    owed = document.total if document.document_type == DocumentType.PROFORMA else document.outstanding_amount
    record_payment(
        actor=actor,
        invoice=document,
        amount=owed,
        currency=document.currency,
        method="bank_transfer",
        reference="test",
        received_on=timezone.localdate(),
    )


def renewals_of(service):
    return list(Renewal.objects.filter(service=service).order_by("period_number"))


def test_a_service_due_within_the_lead_time_is_billed_once_on_a_proforma(shop, carol_customer):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))  # due 2027-01-01
    with at("2026-12-20"):
        run = run_billing(on=date(2026, 12, 20))
        again = run_billing(on=date(2026, 12, 20))

    (renewal,) = renewals_of(service)
    assert (renewal.period_number, renewal.period_start, renewal.period_end) == (
        1,
        date(2027, 1, 1),
        date(2027, 1, 31),
    )
    document = renewal.document
    assert document.document_type == DocumentType.PROFORMA
    assert document.status == DocumentStatus.ISSUED
    assert document.due_date == date(2027, 1, 1)
    (line,) = document.lines.all()
    assert line.description.endswith("01.01.2027 – 31.01.2027")
    assert line.net_amount == Decimal("10.00")
    assert (run.status, run.documents, run.services, run.errors) == (RunStatus.COMPLETED, 1, 1, [])
    assert run.totals == {"RON": str(document.total)}
    assert (again.documents, again.services) == (0, 0)


def test_nothing_is_billed_before_the_lead_time_and_a_plan_may_bill_earlier(shop, carol_customer):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    with at("2026-12-10"):
        assert run_billing(on=date(2026, 12, 10)).documents == 0  # 22 days ahead, lead 14
        service.plan.renewal_lead_days = 30
        service.plan.save()
        assert run_billing(on=date(2026, 12, 10)).documents == 1


def test_services_due_together_share_a_document_per_currency(shop, carol_customer, dave_customer):
    a = renewing_service(shop, carol_customer, started=date(2026, 12, 5), domain="a.ro")
    b = renewing_service(shop, carol_customer, started=date(2026, 12, 5), plan="backup", price="3.00")
    eur = renewing_service(shop, carol_customer, started=date(2026, 12, 5), currency="EUR", price="2.00")
    later = renewing_service(shop, carol_customer, started=date(2026, 12, 9))
    other = renewing_service(shop, dave_customer, started=date(2026, 12, 5))
    ExchangeRate.objects.create(currency="EUR", date=date(2026, 12, 24), rate=Decimal("5.0900"), source="bnr")
    with at("2026-12-26"):
        run = run_billing(on=date(2026, 12, 26))

    assert (run.documents, run.services) == (4, 5)
    assert renewals_of(a)[0].document == renewals_of(b)[0].document
    assert renewals_of(a)[0].document.lines.count() == 2
    assert renewals_of(eur)[0].document.currency == "EUR"
    assert renewals_of(later)[0].document.due_date == date(2027, 1, 9)
    assert renewals_of(other)[0].document.customer == dave_customer
    assert set(run.totals) == {"RON", "EUR"}


@pytest.mark.parametrize(
    "change",
    [
        {"renewals_excluded": True, "renewals_excluded_reason": "dispute"},
        {"cancel_at": date(2026, 12, 31)},
        {"status": ServiceStatus.TERMINATED},
        {"status": ServiceStatus.PENDING},
        {"cycle": "one_time", "next_due_date": None},
    ],
)
def test_services_that_do_not_renew_are_left_out(shop, carol_customer, change):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1), **change)
    with at("2026-12-28"):
        assert run_billing(on=date(2026, 12, 28)).documents == 0
    assert not Renewal.objects.exists()


def test_a_service_cancelled_later_still_renews_until_then(shop, carol_customer):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1), cancel_at=date(2027, 1, 31))
    with at("2026-12-28"):
        assert run_billing(on=date(2026, 12, 28)).services == 1


def test_a_suspended_service_is_billed_too(shop, carol_customer):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1), status=ServiceStatus.SUSPENDED)
    with at("2026-12-28"):
        assert run_billing(on=date(2026, 12, 28)).services == 1


def test_paying_moves_the_due_date_one_cycle_and_the_next_run_bills_the_next_period(shop, carol_customer):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    with at("2026-12-20"):
        run_billing(on=date(2026, 12, 20))
        pay(renewals_of(service)[0].document)
    service.refresh_from_db()
    assert service.next_due_date == date(2027, 2, 1)
    first = renewals_of(service)[0]
    assert first.status == RenewalStatus.PAID
    assert first.paid_at is not None
    with at("2027-01-20"):
        run_billing(on=date(2027, 1, 20))
    assert [(r.period_number, r.period_start) for r in renewals_of(service)] == [
        (1, date(2027, 1, 1)),
        (2, date(2027, 2, 1)),
    ]


@pytest.mark.parametrize(
    ("started", "expected"),
    [
        # Leap year: 31 Jan → 29 Feb → 31 Mar → 30 Apr.
        (
            date(2028, 1, 31),
            [("2028-02-29", "2028-03-30"), ("2028-03-31", "2028-04-29"), ("2028-04-30", "2028-05-30")],
        ),
        # Common year: 31 Jan → 28 Feb → 31 Mar.
        (
            date(2027, 1, 31),
            [("2027-02-28", "2027-03-30"), ("2027-03-31", "2027-04-29"), ("2027-04-30", "2027-05-30")],
        ),
    ],
)
def test_month_end_services_keep_their_day_across_months(shop, carol_customer, started, expected):
    service = renewing_service(shop, carol_customer, started=started)
    for start, end in expected:
        day = date.fromisoformat(start) - timedelta(days=10)
        with at(str(day)):
            run_billing(on=day)
            renewal = Renewal.objects.get(service=service, status=RenewalStatus.BILLED)
            assert (str(renewal.period_start), str(renewal.period_end)) == (start, end)
            pay(renewal.document)
    service.refresh_from_db()
    assert service.next_due_date == date.fromisoformat(expected[-1][1]) + timedelta(days=1)


def test_an_annual_service_started_on_29_february_renews_on_28_february(shop, carol_customer):
    service = renewing_service(
        shop, carol_customer, started=date(2028, 2, 29), cycle="annual", price="120.00"
    )
    with at("2029-02-20"):
        run_billing(on=date(2029, 2, 20))
    (renewal,) = renewals_of(service)
    assert (renewal.period_start, renewal.period_end) == (date(2029, 2, 28), date(2030, 2, 27))


def test_a_recurring_coupon_lasts_its_periods_then_the_list_price(shop, carol_customer):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1), discounted_periods=1)
    service.price, service.list_price = Decimal("8.00"), Decimal("10.00")
    service.save()
    with at("2026-12-20"):
        run_billing(on=date(2026, 12, 20))
        pay(renewals_of(service)[0].document)
    with at("2027-01-20"):
        run_billing(on=date(2027, 1, 20))
    assert [r.net_amount for r in renewals_of(service)] == [Decimal("8.00"), Decimal("10.00")]


def test_following_the_list_price_bills_the_catalog_price_of_the_day(shop, carol_customer):
    service = renewing_service(
        shop, carol_customer, started=date(2026, 12, 1), follow_list_price=True, quantity=2
    )
    with at("2026-12-20"):
        run_billing(on=date(2026, 12, 20))
    (renewal,) = renewals_of(service)
    assert renewal.net_amount == Decimal("40.00")  # web-start monthly RON 20.00 x 2
    (line,) = renewal.document.lines.all()
    assert (line.quantity, line.unit_price) == (Decimal("2"), Decimal("20.00"))


def test_a_cancelled_proforma_frees_its_periods_for_the_next_run(shop, carol_customer, alice_admin):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    with at("2026-12-20"):
        run_billing(on=date(2026, 12, 20))
        cancel_proforma(actor=alice_admin, proforma=renewals_of(service)[0].document)
        assert renewals_of(service)[0].status == RenewalStatus.VOID
        assert run_billing(on=date(2026, 12, 20)).services == 1
    assert [r.status for r in renewals_of(service)] == [RenewalStatus.VOID, RenewalStatus.BILLED]


def test_the_invoice_setting_issues_invoices(shop, carol_customer, settings):
    settings.RECURRING_DOCUMENT = "invoice"
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    with at("2026-12-20"):
        run_billing(on=date(2026, 12, 20))
        document = renewals_of(service)[0].document
        assert document.document_type == DocumentType.INVOICE
        assert document.number
        pay(document)
    service.refresh_from_db()
    assert service.next_due_date == date(2027, 2, 1)


def test_a_customer_that_cannot_be_billed_is_an_error_in_the_summary_and_the_run_goes_on(
    shop, carol_customer, dave_customer
):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1), price="999999999999.99")
    fine = renewing_service(shop, dave_customer, started=date(2026, 12, 1))
    with at("2026-12-20"):
        run = run_billing(on=date(2026, 12, 20))
    assert (run.status, run.documents) == (RunStatus.COMPLETED, 1)
    assert [error["customer"] for error in run.errors] == [carol_customer.pk]
    assert renewals_of(fine)
    assert Renewal.objects.count() == 1


def test_the_command_bills_and_its_dry_run_writes_nothing(shop, carol_customer):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1), domain="shop.ro")
    out = StringIO()
    with at("2026-12-20"):
        call_command("billing_run", "--date", "2026-12-20", "--dry-run", stdout=out)
        assert "shop.ro" in out.getvalue()
        assert "01.01.2027 – 31.01.2027" in out.getvalue()
        assert "1 documents for 1 services, 10.00 RON" in out.getvalue()
        assert not BillingRun.objects.exists()
        assert not Document.objects.exists()
        out = StringIO()
        call_command("billing_run", stdout=out)
    assert "1 documents for 1 services" in out.getvalue()
    assert Renewal.objects.count() == 1


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--date"):
        call_command("billing_run", "--date", "2026-02-30")


def test_a_due_date_edited_off_its_periods_is_reported_not_billed(shop, carol_customer):
    service = renewing_service(
        shop, carol_customer, started=date(2026, 12, 1), next_due_date=date(2026, 12, 20)
    )
    with at("2026-12-15"):
        run = run_billing(on=date(2026, 12, 15))
    assert run.documents == 0
    (error,) = run.errors
    assert f"Service #{service.pk}" in error["message"]
    assert not Renewal.objects.exists()
