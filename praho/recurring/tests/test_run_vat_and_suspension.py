"""Renewals across the VAT change of 2025-08-01, and a payment resuming what non-payment suspended."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from praho.billing.models import DocumentType
from praho.orders.models import ServiceStatus
from praho.provisioning.models import Account, SuspensionCause
from praho.recurring.models import Renewal
from praho.recurring.services.runs import run_billing
from praho.recurring.tests.conftest import renewing_service
from praho.recurring.tests.test_runs import at, pay

pytestmark = pytest.mark.django_db


def test_a_renewal_proforma_billed_before_the_vat_change_is_invoiced_at_the_new_rate_when_paid_after(
    shop, carol_customer
):
    """The proforma is not a fiscal document: the invoice issued on payment (after 1 August 2025)
    charges the rate in force then (21%), though the proforma showed 19%."""
    service = renewing_service(shop, carol_customer, started=date(2025, 7, 1))  # due 2025-08-01
    with at("2025-07-25"):
        run_billing(on=date(2025, 7, 25))
    proforma = Renewal.objects.get(service=service).document
    assert proforma.lines.get().vat_rate == Decimal("19.00")
    assert proforma.total == Decimal("11.90")
    with at("2025-08-02"):
        pay(proforma)
    proforma.refresh_from_db()
    invoice = proforma.converted_to
    assert invoice.document_type == DocumentType.INVOICE
    assert invoice.lines.get().vat_rate == Decimal("21.00")
    assert invoice.total == Decimal("12.10")
    service.refresh_from_db()
    assert service.next_due_date == date(2025, 8, 1)  # 0.20 still owed: not renewed yet
    invoice.refresh_from_db()
    assert invoice.outstanding_amount == Decimal("0.20")
    with at("2025-08-03"):
        pay(invoice)
    service.refresh_from_db()
    assert service.next_due_date == date(2025, 9, 1)


def test_a_renewal_invoice_issued_before_the_vat_change_keeps_the_rate_of_its_issue_day(
    shop, carol_customer, settings
):
    """An invoice issued before the service period (art. 282(2)(a) Codul fiscal: VAT is due when
    an advance invoice is issued) charges the rate of its issue day; one issued after, the new rate."""
    settings.RECURRING_DOCUMENT = "invoice"
    before = renewing_service(shop, carol_customer, started=date(2025, 7, 1))
    after = renewing_service(shop, carol_customer, started=date(2025, 7, 10))  # due 2025-08-10
    with at("2025-07-25"):
        run_billing(on=date(2025, 7, 25))
    with at("2025-08-01"):
        run_billing(on=date(2025, 8, 1))
    assert Renewal.objects.get(service=before).document.lines.get().vat_rate == Decimal("19.00")
    assert Renewal.objects.get(service=after).document.lines.get().vat_rate == Decimal("21.00")


def suspend(service, cause):
    service.status = ServiceStatus.SUSPENDED
    service.save(update_fields=["status"])
    Account.objects.create(service=service, suspension_cause=cause, suspension_reason="test")


def test_paying_resumes_a_service_suspended_for_non_payment_but_not_one_staff_suspended(shop, carol_customer):
    plan = shop.plans["backup"]  # no panel: resumed at once
    unpaid = renewing_service(shop, carol_customer, started=date(2026, 11, 1), plan=plan.code)
    staff = renewing_service(shop, carol_customer, started=date(2026, 11, 1), plan=plan.code)
    with at("2026-11-25"):
        run_billing(on=date(2026, 11, 25))
    suspend(unpaid, SuspensionCause.UNPAID)
    suspend(staff, SuspensionCause.STAFF)
    with at("2026-12-05"):
        pay(Renewal.objects.get(service=unpaid).document)
    unpaid.refresh_from_db()
    staff.refresh_from_db()
    assert unpaid.status == ServiceStatus.ACTIVE
    assert staff.status == ServiceStatus.SUSPENDED
    assert staff.next_due_date == date(2027, 1, 1)  # paid all the same
