"""The services API of recurring billing: POST .../cancel/, GET .../change-plan/preview/ and POST
.../change-plan/ (provisioning's contract, with the proration): shapes, isolation (404), staff-only
moves (403), bad input, the Idempotency-Key, the preview's queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext

from praho.core.money import round_money
from praho.core.validation import fiscal_today
from praho.orders.models import Service, ServiceStatus
from praho.recurring.pricing import current_period
from praho.recurring.tests.proration_fixtures import billed_period, running_service
from praho.testing.api import DENIED, NOT_FOUND, bearer, error_of

URL = "/api/v1/services/{}/"
TODAY = fiscal_today()


@pytest.fixture
def vps(shop, carol_customer, alice_admin):
    """vps-s at 100 RON a month started 10 days ago, its first period paid by a renewal invoice."""
    anchor = TODAY - timedelta(days=10)
    service = running_service(
        shop, carol_customer, billing_anchor=anchor, next_due_date=anchor + relativedelta(months=1)
    )
    billed_period(service, 0, actor=alice_admin)
    return service


def test_cancel_at_period_end_answers_with_the_service(shop, carol, vps):
    response = bearer(carol).post(URL.format(vps.pk) + "cancel/", {"when": "period_end"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    detail = bearer(carol).get(URL.format(vps.pk)).json()
    assert body == {**detail, "credit_note": None}
    assert Service.objects.get(pk=vps.pk).cancel_at == vps.next_due_date - timedelta(days=1)

    again = bearer(carol).post(URL.format(vps.pk) + "cancel/", {"when": "period_end"}, format="json")
    error = error_of(again)
    assert (again.status_code, error["code"]) == (400, "already_cancelled")


def test_cancel_now_is_for_staff_and_credits_the_unused_days(shop, carol, alice_admin, vps):
    response = bearer(carol).post(URL.format(vps.pk) + "cancel/", {"when": "now"}, format="json")
    assert (response.status_code, error_of(response)) == (403, DENIED)

    response = bearer(alice_admin).post(URL.format(vps.pk) + "cancel/", {"when": "now"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == ServiceStatus.TERMINATED
    note = vps.customer.documents.get(document_type="credit_note")
    assert body["credit_note"] == note.pk


def test_cancel_refuses_bad_input_and_other_customers(shop, carol, dave, erin_viewer, vps):
    client = bearer(carol)
    response = client.post(URL.format(vps.pk) + "cancel/", {"when": "period_end", "at": "x"}, format="json")
    assert (response.status_code, error_of(response)["code"]) == (400, "unknown_field")
    response = client.post(URL.format(vps.pk) + "cancel/", {"when": "later"}, format="json")
    error = error_of(response)
    assert (response.status_code, list(error["fields"])) == (400, ["when"])
    response = client.post(URL.format(vps.pk) + "cancel/", {}, format="json")
    assert error_of(response)["fields"] == {"when": ["This field is required."]}
    response = bearer(dave).post(URL.format(vps.pk) + "cancel/", {"when": "period_end"}, format="json")
    assert (response.status_code, error_of(response)) == (404, NOT_FOUND)
    response = bearer(erin_viewer).post(URL.format(vps.pk) + "cancel/", {"when": "period_end"}, format="json")
    assert (response.status_code, error_of(response)) == (403, DENIED)
    assert Service.objects.get(pk=vps.pk).cancel_at is None


def test_the_preview_in_a_fixed_number_of_queries(shop, carol, vps, django_assert_num_queries):
    client = bearer(carol)
    client.get(URL.format(vps.pk) + "change-plan/preview/?plan=vps-m")  # warm up (content types...)
    held = current_period(vps, TODAY)
    left = (held.end - TODAY).days + 1
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL.format(vps.pk) + "change-plan/preview/?plan=vps-m")
    assert response.status_code == 200, response.json()
    credit = round_money(vps.price * left / held.days)
    charge = round_money(Decimal("200.00") * left / held.days)
    assert response.json() == {
        "plan": shop.plans["vps-m"].pk,
        "plan_code": "vps-m",
        "period_start": held.start.isoformat(),
        "period_end": held.end.isoformat(),
        "days_left": left,
        "days_in_period": held.days,
        "credit": f"{credit:.2f}",
        "charge": f"{charge:.2f}",
        "net": f"{charge - credit:.2f}",
        "currency": "RON",
        "document": "proforma",
    }
    # user, service, plan, the user's role, the upgrade path, prices
    with django_assert_num_queries(len(queries)):
        client.get(URL.format(vps.pk) + f"change-plan/preview/?plan={shop.plans['vps-m'].pk}")
    assert len(queries) == 6


def test_the_preview_refuses_what_the_change_would(shop, carol, alice_admin, dave, vps):
    client = bearer(alice_admin)
    response = client.get(URL.format(vps.pk) + "change-plan/preview/")
    assert error_of(response)["fields"] == {"plan": ["This field is required."]}
    response = client.get(URL.format(vps.pk) + "change-plan/preview/?plan=nope")
    assert error_of(response)["fields"] == {"plan": ["No plan has this id or code."]}
    response = client.get(URL.format(vps.pk) + "change-plan/preview/?plan=vps-s")
    assert (response.status_code, error_of(response)["code"]) == (400, "same_plan")
    response = client.get(URL.format(vps.pk) + "change-plan/preview/?plan=web-start")
    assert list(error_of(response)["fields"]) == ["plan"]
    response = bearer(carol).get(URL.format(vps.pk) + "change-plan/preview/?plan=backup")
    assert (response.status_code, error_of(response)) == (403, DENIED)
    response = bearer(dave).get(URL.format(vps.pk) + "change-plan/preview/?plan=vps-m")
    assert (response.status_code, error_of(response)) == (404, NOT_FOUND)


def test_an_upgrade_queues_the_panel_change_with_its_proration_once_per_key(shop, carol, vps):
    client = bearer(carol)
    url = URL.format(vps.pk) + "change-plan/"
    response = client.post(url, {"plan": "vps-m"}, format="json", HTTP_IDEMPOTENCY_KEY="up-1")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["kind"], body["state"], body["service"]) == ("change_package", "queued", vps.pk)
    proration = body["proration"]
    document = vps.customer.documents.get(document_type="proforma")
    assert (proration["document"], proration["document_id"], proration["plan_code"]) == (
        "proforma",
        document.pk,
        "vps-m",
    )
    assert document.net_total == Decimal(proration["net"])

    again = client.post(url, {"plan": "vps-m"}, format="json", HTTP_IDEMPOTENCY_KEY="up-1")
    assert (again.status_code, again.json()["id"]) == (202, body["id"])
    assert again.json()["proration"] == proration
    assert vps.customer.documents.filter(document_type="proforma").count() == 1


def test_customers_may_not_leave_the_upgrade_paths(shop, carol, carol_customer, alice_admin, dave, vps):
    response = bearer(carol).post(URL.format(vps.pk) + "change-plan/", {"plan": "extra-ip"}, format="json")
    assert (response.status_code, error_of(response)) == (403, DENIED)
    response = bearer(dave).post(URL.format(vps.pk) + "change-plan/", {"plan": "vps-m"}, format="json")
    assert (response.status_code, error_of(response)) == (404, NOT_FOUND)
    response = bearer(carol).post(
        URL.format(vps.pk) + "change-plan/", {"plan": "vps-m", "x": 1}, format="json"
    )
    assert (response.status_code, error_of(response)["code"]) == (400, "unknown_field")
    assert not carol_customer.documents.exclude(pk=vps.renewals.get().document_id).exists()


def test_staff_move_a_service_without_a_panel_at_once_and_downgrades_credit(
    shop, carol_customer, alice_admin, settings
):
    service = running_service(
        shop,
        carol_customer,
        "backup",
        billing_anchor=TODAY,
        next_due_date=TODAY + relativedelta(months=1),
        price="10.00",
        list_price="10.00",
    )
    billed_period(service, 0, actor=alice_admin)
    response = bearer(alice_admin).post(
        URL.format(service.pk) + "change-plan/", {"plan": "extra-ip"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["plan_code"], body["price"]) == ("extra-ip", "15.00")
    assert body["proration"]["document"] == "proforma"  # 10 → 15 for the whole period
    assert (body["proration"]["credit"], body["proration"]["charge"]) == ("10.00", "15.00")

    settings.RECURRING_NEGATIVE_PRORATION = "credit_note"
    response = bearer(alice_admin).post(
        URL.format(service.pk) + "change-plan/", {"plan": "backup"}, format="json"
    )
    proration = response.json()["proration"]
    # back at once: 15 credited, 10 charged; the credit note goes against the period's invoice
    assert (proration["net"], proration["document"]) == ("-5.00", "credit_note")
    note = carol_customer.documents.get(pk=proration["document_id"])
    assert (note.document_type, note.net_total) == ("credit_note", Decimal("5.00"))


def test_a_terminated_service_is_409(shop, alice_admin, carol_customer):
    service = running_service(shop, carol_customer, status=ServiceStatus.TERMINATED)
    response = bearer(alice_admin).post(
        URL.format(service.pk) + "change-plan/", {"plan": "vps-m"}, format="json"
    )
    assert (response.status_code, error_of(response)["code"]) == (409, "illegal_transition")
    response = bearer(alice_admin).post(URL.format(service.pk) + "cancel/", {"when": "now"}, format="json")
    assert (response.status_code, error_of(response)["code"]) == (400, "not_active")


def test_by_setting_the_upgrade_is_invoiced_and_a_bad_key_refused(shop, carol, vps, settings):
    settings.RECURRING_DOCUMENT = "invoice"
    url = URL.format(vps.pk) + "change-plan/"
    response = bearer(carol).post(url, {"plan": "vps-m"}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 65)
    assert (response.status_code, list(error_of(response)["fields"])) == (400, ["Idempotency-Key"])
    response = bearer(carol).post(url, {"plan": str(shop.plans["vps-m"].pk)}, format="json")
    assert response.status_code == 202, response.json()
    proration = response.json()["proration"]
    invoice = vps.customer.documents.get(pk=proration["document_id"])
    assert (proration["document"], invoice.document_type, invoice.status) == ("invoice", "invoice", "issued")
