"""Cancelling a service (praho.recurring.services.cancellation): at the end of the paid period
(customers too; taken back with resume; ended by the daily end_cancelled), or at once by staff with
a credit note for the unused days; refusals with their codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from praho.audit.models import AuditEvent
from praho.billing.models import DocumentStatus
from praho.orders.models import Service, ServiceStatus
from praho.recurring.services.cancellation import cancel, end_cancelled, resume
from praho.recurring.tests.proration_fixtures import ON, billed_period, running_service

D = Decimal


def test_cancel_at_period_end_keeps_it_to_the_last_paid_day_then_ends_it(shop, carol, carol_customer):
    service = running_service(shop, carol_customer, "backup")
    done = cancel(actor=carol, service_id=service.pk, when="period_end", on=ON)
    assert (done.cancel_at, done.credit_note, done.credit) == (date(2026, 12, 30), None, D("0.00"))
    service.refresh_from_db()
    assert (service.cancel_at, service.auto_renew, service.status) == (date(2026, 12, 30), False, "active")
    event = AuditEvent.objects.get(action="recurring.service_cancelled")
    assert (event.actor_id, event.data["when"], event.data["cancel_at"]) == (
        carol.pk,
        "period_end",
        "2026-12-30",
    )

    assert end_cancelled(on=date(2026, 12, 30)) == []  # its last day: it still runs
    assert end_cancelled(on=date(2026, 12, 31)) == [service.pk]
    service.refresh_from_db()
    assert service.status == ServiceStatus.TERMINATED
    assert AuditEvent.objects.filter(action="recurring.cancellation_ended").count() == 1
    assert end_cancelled(on=date(2027, 1, 1)) == []  # once


def test_a_period_end_cancellation_can_be_taken_back(shop, carol, carol_customer):
    service = running_service(shop, carol_customer)
    cancel(actor=carol, service_id=service.pk, when="period_end", on=ON)
    with pytest.raises(ValidationError) as twice:
        cancel(actor=carol, service_id=service.pk, when="period_end", on=ON)
    assert twice.value.error_list[0].code == "already_cancelled"

    resume(actor=carol, service_id=service.pk)
    service.refresh_from_db()
    assert (service.cancel_at, service.auto_renew) == (None, True)
    assert AuditEvent.objects.filter(action="recurring.cancellation_withdrawn").count() == 1
    with pytest.raises(ValidationError) as again:
        resume(actor=carol, service_id=service.pk)
    assert again.value.error_list[0].code == "not_cancelled"
    assert end_cancelled(on=date(2027, 6, 1)) == []


def test_the_next_periods_unpaid_proforma_is_cancelled_with_it(shop, carol, carol_customer, alice_admin):
    service = running_service(shop, carol_customer)
    upcoming = billed_period(service, 2, actor=alice_admin, kind="proforma", paid=False)
    done = cancel(actor=carol, service_id=service.pk, when="period_end", on=ON)
    upcoming.document.refresh_from_db()
    assert upcoming.document.status == DocumentStatus.CANCELLED
    assert done.cancelled_renewal == upcoming.document_id


def test_staff_cancel_now_with_a_credit_note_for_the_unused_days(shop, carol_customer, alice_admin):
    service = running_service(shop, carol_customer)
    renewal = billed_period(service, 1, actor=alice_admin, other_lines=1)

    done = cancel(actor=alice_admin, service_id=service.pk, when="now", on=ON)

    # 21 of 31 days unused: 100 x 21/31 = 67.74
    assert done.credit == D("67.74")
    note = done.credit_note
    assert note is not None
    assert (note.document_type, note.credited_document_id, note.net_total) == (
        "credit_note",
        renewal.document_id,
        D("67.74"),
    )
    [line] = note.lines.all()
    assert "10.12.2026 \u2013 30.12.2026, 21 din 31 zile" in line.description  # carol's language: ro
    assert line.credited_line.description.startswith("VPS S #")
    service.refresh_from_db()
    assert (service.status, service.cancel_at) == (ServiceStatus.TERMINATED, date(2026, 12, 9))
    event = AuditEvent.objects.get(action="recurring.service_cancelled")
    assert (event.data["when"], event.data["credit"], event.data["credit_note"]) == ("now", "67.74", note.pk)


def test_cancel_now_credits_nothing_when_the_period_was_not_paid(shop, carol_customer, alice_admin):
    unpaid = running_service(shop, carol_customer, "backup", next_due_date=ON)  # due today, unpaid
    done = cancel(actor=alice_admin, service_id=unpaid.pk, when="now", on=ON)
    assert (done.credit, done.credit_note) == (D("0.00"), None)
    assert Service.objects.get(pk=unpaid.pk).status == ServiceStatus.TERMINATED
    unbilled = running_service(shop, carol_customer, "backup")  # made by staff, no invoice
    assert cancel(actor=alice_admin, service_id=unbilled.pk, when="now", on=ON).credit_note is None
    assert not carol_customer.documents.filter(document_type="credit_note").exists()


def test_only_staff_cancel_now_and_only_billing_members_cancel(
    shop, carol, erin_viewer, carol_customer, sam_sales
):
    service = running_service(shop, carol_customer)
    with pytest.raises(PermissionDenied):
        cancel(actor=carol, service_id=service.pk, when="now", on=ON)
    with pytest.raises(PermissionDenied):
        cancel(actor=erin_viewer, service_id=service.pk, when="period_end", on=ON)
    with pytest.raises(PermissionDenied):
        cancel(actor=sam_sales, service_id=service.pk, when="period_end", on=ON)
    with pytest.raises(PermissionDenied):
        resume(actor=erin_viewer, service_id=service.pk)
    service.refresh_from_db()
    assert (service.status, service.cancel_at) == (ServiceStatus.ACTIVE, None)


@pytest.mark.parametrize(
    ("fields", "when", "code"),
    [
        ({"cycle": "one_time"}, "period_end", "one_time"),
        ({"status": ServiceStatus.TERMINATED}, "period_end", "not_active"),
        ({"status": ServiceStatus.PENDING}, "now", "not_active"),
        ({"next_due_date": None}, "period_end", "no_period"),
    ],
)
def test_refusals_have_clear_codes(shop, carol_customer, alice_admin, fields, when, code):
    service = running_service(shop, carol_customer, **fields)
    with pytest.raises(ValidationError) as refused:
        cancel(actor=alice_admin, service_id=service.pk, when=when, on=ON)
    assert refused.value.error_list[0].code == code
    assert Service.objects.get(pk=service.pk).cancel_at is None


def test_an_unknown_when_names_the_field(shop, carol_customer, alice_admin):
    service = running_service(shop, carol_customer)
    with pytest.raises(ValidationError) as refused:
        cancel(actor=alice_admin, service_id=service.pk, when="tomorrow", on=ON)
    assert refused.value.error_dict["when"][0].code == "invalid_choice"
