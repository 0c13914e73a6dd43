"""Plan changes mid-period (praho.recurring.services.plan_change): the difference billed on one
document (proforma or invoice by setting) or credited against the invoice that paid the period,
the plan changed through provisioning, the price renewals bill, who may do it, what is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from praho.audit.models import AuditEvent
from praho.billing.models import DocumentStatus, DocumentType
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.lifecycle import IllegalTransitionError
from praho.provisioning.models import OperationKind
from praho.recurring.services.plan_change import change_plan, preview
from praho.recurring.tests.proration_fixtures import ON, billed_period, ordered_service, running_service

D = Decimal


@pytest.fixture
def vps(shop, carol_customer, alice_admin):
    """vps-s at 100 RON a month, period 1 (30 Nov - 30 Dec) paid by a renewal invoice."""
    service = running_service(shop, carol_customer)
    billed_period(service, 1, actor=alice_admin, other_lines=2)
    return service


def _codes(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {key: [e.code for e in errors] for key, errors in error.error_dict.items()}
    return {"__all__": [e.code for e in error.error_list]}


def test_an_upgrade_bills_the_rest_of_the_period_on_a_proforma(shop, carol, vps):
    done = change_plan(actor=carol, service_id=vps.pk, plan=shop.plans["vps-m"], on=ON)

    # 21 of 31 days: credit 100 x 21/31 = 67.74, charge 200 x 21/31 = 135.48
    assert (done.days_left, done.days, done.credit, done.charge, done.net) == (
        21,
        31,
        D("67.74"),
        D("135.48"),
        D("67.74"),
    )
    assert (done.period.start, done.period.end) == (date(2026, 11, 30), date(2026, 12, 30))
    document = vps.customer.documents.get(pk=done.document_id)
    assert (document.document_type, document.status, done.document) == ("proforma", "issued", "proforma")
    assert document.due_date == document.issue_date
    [line] = document.lines.all()
    assert (line.quantity, line.unit_price, line.discount, line.net_amount) == (
        D("1"),
        D("135.48"),
        D("67.74"),
        D("67.74"),
    )
    assert "10.12.2026 \u2013 30.12.2026" in line.description
    assert "21 din 31 zile" in line.description  # carol's documents are in Romanian
    assert document.net_total == D("67.74")
    # the plan changes once the panel has the new package; renewals bill the new price from now on
    assert done.operation is not None
    assert done.operation.kind == OperationKind.CHANGE_PACKAGE
    service = Service.objects.get(pk=vps.pk)
    assert (service.plan_id, service.price, service.list_price) == (vps.plan_id, D("200.00"), D("200.00"))
    event = AuditEvent.objects.get(action="recurring.plan_changed")
    assert event.actor_id == carol.pk
    assert (event.data["from"], event.data["to"], event.data["credit"], event.data["charge"]) == (
        "vps-s",
        "vps-m",
        "67.74",
        "135.48",
    )
    assert event.data["document"] == document.pk


def test_by_setting_the_difference_is_invoiced(shop, alice_admin, vps, settings):
    settings.RECURRING_DOCUMENT = "invoice"
    done = change_plan(actor=alice_admin, service_id=vps.pk, plan=shop.plans["vps-m"], on=ON)
    document = vps.customer.documents.get(pk=done.document_id)
    assert (document.document_type, document.status, done.document) == ("invoice", "issued", "invoice")
    assert document.number


@pytest.mark.parametrize(("setting", "kind"), [("credit_note", "credit_note"), ("credit", "credit")])
def test_a_downgrade_credits_the_difference_against_the_invoice_that_paid_the_period(
    shop, carol_customer, alice_admin, settings, setting, kind
):
    settings.RECURRING_NEGATIVE_PRORATION = setting
    service = running_service(shop, carol_customer, "vps-m", price="200.00", list_price="200.00")
    renewal = billed_period(service, 1, actor=alice_admin, other_lines=2)

    done = change_plan(actor=alice_admin, service_id=service.pk, plan=shop.plans["vps-s"], on=ON)

    assert (done.credit, done.charge, done.net, done.document) == (D("135.48"), D("67.74"), D("-67.74"), kind)
    note = carol_customer.documents.get(pk=done.document_id)
    assert (note.document_type, note.status, note.credited_document_id) == (
        "credit_note",
        "issued",
        renewal.document_id,
    )
    [line] = note.lines.all()
    assert line.net_amount == note.net_total == D("67.74")
    assert line.credited_line.description.startswith("VPS M #")  # the service's line, not the others
    assert "10.12.2026 \u2013 30.12.2026, 21 din 31 zile" in line.description  # carol's language: ro
    assert Service.objects.get(pk=service.pk).price == D("100.00")


def test_the_first_period_is_credited_against_the_orders_invoice(shop, carol_customer, alice_admin):
    service = ordered_service(shop, carol_customer, alice_admin, "vps-s")
    # period 0: 31 Oct - 29 Nov (30 days), 20 days left on 10 Nov
    done = change_plan(
        actor=alice_admin, service_id=service.pk, plan=shop.plans["vps-m"], on=date(2026, 11, 10)
    )
    assert (done.days_left, done.days, done.net) == (20, 30, D("66.66"))  # 133.33 - 66.67
    # down again the same day: the credit note goes against the order's invoice, on the VPS line
    Service.objects.filter(pk=service.pk).update(
        plan=shop.plans["vps-m"], price="200.00", list_price="200.00"
    )
    service.refresh_from_db()
    again = change_plan(
        actor=alice_admin, service_id=service.pk, plan=shop.plans["vps-s"], on=date(2026, 11, 10)
    )
    note = carol_customer.documents.get(pk=again.document_id)
    # the order billed 100 for the period: the credit is taken of that line, which has enough left
    assert note.credited_document.document_type == DocumentType.INVOICE
    assert note.lines.get().credited_line.description == "VPS S vps-s.carol.ro"


def test_nothing_is_credited_when_no_invoice_paid_the_period(shop, carol_customer, alice_admin):
    service = running_service(shop, carol_customer, "vps-m", price="200.00", list_price="200.00")
    previewed = preview(service, shop.plans["vps-s"], ON)
    assert (previewed.net, previewed.document) == (D("-67.74"), None)
    done = change_plan(actor=alice_admin, service_id=service.pk, plan=shop.plans["vps-s"], on=ON)
    assert (done.document, done.document_id) == (None, None)


def test_an_even_change_makes_no_document_and_a_plan_without_a_module_changes_at_once(
    shop, carol_customer, alice_admin
):
    service = running_service(shop, carol_customer, "backup", price="15.00", list_price="15.00")
    done = change_plan(actor=alice_admin, service_id=service.pk, plan=shop.plans["extra-ip"], on=ON)
    assert (done.net, done.document, done.document_id, done.operation) == (D("0.00"), None, None, None)
    service.refresh_from_db()
    assert (service.plan.code, service.price) == ("extra-ip", D("15.00"))
    assert not carol_customer.documents.exists()


def test_the_next_periods_unpaid_proforma_is_cancelled_and_an_invoice_left(
    shop, carol_customer, alice_admin, vps
):
    upcoming = billed_period(vps, 2, actor=alice_admin, kind="proforma", paid=False)
    done = change_plan(actor=alice_admin, service_id=vps.pk, plan=shop.plans["vps-m"], on=ON)
    upcoming.document.refresh_from_db()
    assert upcoming.document.status == DocumentStatus.CANCELLED
    assert (done.cancelled_renewal, done.left_invoice) == (upcoming.document_id, None)

    other = running_service(shop, carol_customer, "vps-s")
    billed_period(other, 1, actor=alice_admin)
    invoiced = billed_period(other, 2, actor=alice_admin, paid=False)
    done = change_plan(actor=alice_admin, service_id=other.pk, plan=shop.plans["vps-m"], on=ON)
    assert (done.cancelled_renewal, done.left_invoice) == (None, invoiced.document_id)


def test_the_same_idempotency_key_changes_once(shop, carol, vps):
    first = change_plan(actor=carol, service_id=vps.pk, plan=shop.plans["vps-m"], on=ON, client_key="k-1")
    again = change_plan(actor=carol, service_id=vps.pk, plan=shop.plans["vps-m"], on=ON, client_key="k-1")
    assert (again.document_id, again.operation, again.net) == (first.document_id, first.operation, first.net)
    assert vps.customer.documents.filter(document_type="proforma").count() == 1
    assert AuditEvent.objects.filter(action="recurring.plan_changed").count() == 1


def test_customers_move_only_along_upgrade_paths_and_only_with_the_billing_role(
    shop, carol, carol_customer, erin_viewer, alice_admin, sam_sales
):
    service = running_service(shop, carol_customer, "vps-m", price="200.00", list_price="200.00")
    with pytest.raises(PermissionDenied):  # vps-m → vps-s is no upgrade path
        change_plan(actor=carol, service_id=service.pk, plan=shop.plans["vps-s"], on=ON)
    with pytest.raises(PermissionDenied):
        preview(service, shop.plans["vps-s"], ON, actor=carol)
    small = running_service(shop, carol_customer, "vps-s")
    with pytest.raises(PermissionDenied):  # a viewer may not
        change_plan(actor=erin_viewer, service_id=small.pk, plan=shop.plans["vps-m"], on=ON)
    with pytest.raises(PermissionDenied):  # staff without provisioning.manage_service
        change_plan(actor=sam_sales, service_id=small.pk, plan=shop.plans["vps-m"], on=ON)
    assert not carol_customer.documents.exists()
    assert preview(service, shop.plans["vps-s"], ON, actor=alice_admin).net == D("-67.74")


@pytest.mark.parametrize(
    ("code", "fields", "plan", "expected"),
    [
        ("vps-s", {}, "vps-s", {"plan": ["same_plan"]}),
        ("vps-s", {}, "web-start", {"plan": ["module"]}),
        ("vps-s", {"currency": "USD"}, "vps-m", {"plan": ["no_price"]}),
        ("backup", {}, "ssl-basic", {"plan": ["no_price"]}),  # ssl-basic is annual only
    ],
)
def test_refusals_name_the_field_and_rule(shop, carol_customer, alice_admin, code, fields, plan, expected):
    service = running_service(shop, carol_customer, code, **fields)
    with pytest.raises(ValidationError) as refused:
        change_plan(actor=alice_admin, service_id=service.pk, plan=shop.plans[plan], on=ON)
    assert _codes(refused.value) == expected
    assert not carol_customer.documents.exists()
    assert Service.objects.get(pk=service.pk).price == D("100.00")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"cycle": "one_time"}, "one_time"),
        ({"next_due_date": ON}, "renewal_unpaid"),
        ({"billing_anchor": date(2027, 1, 1)}, "no_period"),
    ],
)
def test_customers_are_refused_a_day_in_no_paid_period(shop, carol, carol_customer, fields, code):
    service = running_service(shop, carol_customer, **fields)
    with pytest.raises(ValidationError) as refused:
        change_plan(actor=carol, service_id=service.pk, plan=shop.plans["vps-m"], on=ON)
    assert _codes(refused.value) == {"__all__": [code]}
    with pytest.raises(ValidationError):
        preview(service, shop.plans["vps-m"], ON, actor=carol)
    assert Service.objects.get(pk=service.pk).price == D("100.00")


def test_staff_move_a_service_in_no_paid_period_without_billing(shop, carol_customer, alice_admin):
    service = running_service(shop, carol_customer, next_due_date=ON)  # its period from today is unpaid
    previewed = preview(service, shop.plans["vps-m"], ON, actor=alice_admin)
    assert (previewed.period, previewed.net, previewed.document) == (None, D("0.00"), None)
    assert previewed.fields()["period_start"] is None
    done = change_plan(actor=alice_admin, service_id=service.pk, plan=shop.plans["vps-m"], on=ON)
    assert (done.document_id, done.days_left) == (None, 0)
    assert done.operation is not None
    assert Service.objects.get(pk=service.pk).price == D("200.00")
    assert not carol_customer.documents.exists()


def test_a_service_not_running_cannot_change_plan(shop, carol_customer, alice_admin):
    service = running_service(shop, carol_customer, status=ServiceStatus.TERMINATED)
    with pytest.raises(IllegalTransitionError):
        change_plan(actor=alice_admin, service_id=service.pk, plan=shop.plans["vps-m"], on=ON)


def test_a_leap_february_on_a_31st_anchor(shop, carol_customer, alice_admin):
    """Anchored on 31 Jan 2028: the period from 29 Feb runs to 30 Mar (31 days)."""
    service = running_service(
        shop, carol_customer, billing_anchor=date(2028, 1, 31), next_due_date=date(2028, 3, 31)
    )
    first_day = preview(service, shop.plans["vps-m"], date(2028, 2, 29))
    assert (first_day.period.start, first_day.period.end, first_day.days_left) == (
        date(2028, 2, 29),
        date(2028, 3, 30),
        31,
    )
    assert (first_day.credit, first_day.charge) == (D("100.00"), D("200.00"))
    last_day = preview(service, shop.plans["vps-m"], date(2028, 3, 30))
    assert (last_day.days_left, last_day.credit, last_day.charge) == (1, D("3.23"), D("6.45"))


def test_a_service_that_follows_the_list_price_is_credited_at_it(shop, carol_customer, alice_admin):
    service = running_service(shop, carol_customer, price="90.00", list_price="90.00", follow_list_price=True)
    previewed = preview(service, shop.plans["vps-m"], ON, actor=alice_admin)
    # the period was billed at the catalog's 100.00, not the 90.00 it was sold at
    assert (previewed.credit, previewed.charge) == (D("67.74"), D("135.48"))
