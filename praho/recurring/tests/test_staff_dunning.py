"""Dunning's staff pages: the queue (with its filters and a fixed number of queries), the
terminations to confirm, the schedule editor and the exemptions; who may see and who may change
them, and bad input answered next to its field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from praho.audit.models import AuditEvent
from praho.orders.models import ServiceStatus
from praho.recurring.models import BillingPreference, DunningNotice, DunningStep, NoticeStatus
from praho.recurring.tests.dunning_support import (
    DUE,
    dun,
    renewal_document,
    service,
)
from praho.recurring.web.staff import dunning_views

pytestmark = pytest.mark.django_db

BASE = "/staff/recurring/dunning/"
QUEUE, TERMINATIONS, SCHEDULE, EXEMPTIONS = (
    BASE,
    f"{BASE}terminations/",
    f"{BASE}schedule/",
    f"{BASE}exemptions/",
)
HTMX = {"HTTP_HX_REQUEST": "true"}


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def billing(staff_client, bill_billing):
    return staff_client(bill_billing)


@pytest.fixture
def support(staff_client, sue_support):
    return staff_client(sue_support)


@pytest.fixture
def overdue(shop, bill_billing, carol_customer):
    """A renewal proforma 30 days overdue: its service suspended, termination awaiting."""
    one = service(shop, carol_customer)
    document = renewal_document(bill_billing, carol_customer, [one])
    dun(10)
    dun(30)
    return document, one


# --- who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, TERMINATIONS, SCHEDULE, EXEMPTIONS, f"{BASE}customers/"])
def test_support_sees_the_pages(support, url):
    assert support.get(url).status_code == 200


@pytest.mark.parametrize("url", [QUEUE, TERMINATIONS, SCHEDULE, EXEMPTIONS])
def test_the_staff_area_does_not_exist_for_customers_users(client, carol, url):
    client.force_login(carol)
    assert client.get(url).status_code == 404


def test_visitors_are_sent_to_log_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_support_cannot_change_anything(support, overdue, carol_customer):
    document, _one = overdue
    notice = DunningNotice.objects.get(document=document, action="terminate")
    step = DunningStep.objects.first()

    assert support.post(f"{TERMINATIONS}{notice.pk}/confirm/").status_code == 403
    assert support.post(SCHEDULE, {"days": "5", "action": "remind"}).status_code == 403
    assert support.post(f"{SCHEDULE}{step.pk}/delete/").status_code == 403
    assert support.post(EXEMPTIONS, {"customer": carol_customer.pk, "reason": "x"}).status_code == 403
    assert support.post(f"{EXEMPTIONS}{carol_customer.pk}/lift/").status_code == 403
    page = support.get(TERMINATIONS).content.decode()
    assert "Confirm the termination" not in page
    assert DunningStep.objects.count() == 6
    assert not BillingPreference.objects.exists()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.AWAITING_CONFIRMATION


def test_sales_staff_without_the_permission_get_403(staff_client, sam_sales):
    assert staff_client(sam_sales).get(QUEUE).status_code == 403


# --- the queue ----------------------------------------------------------------------------------------


def test_the_queue_shows_each_unpaid_renewal_and_its_steps(billing, overdue):
    document, one = overdue
    response = billing.get(QUEUE)
    row = response.context["rows"][0]
    assert (row.document, row.amount, row.suspended) == (document, document.total, [one.pk])
    assert row.last.action == "terminate"
    assert row.next is None
    page = response.content.decode()
    assert document.number in page
    assert "Carol Hosting SRL" in page
    assert f"#{one.pk}" in page


def test_the_queue_filters(billing, overdue, shop, bill_billing, dave_customer):
    document, _one = overdue
    upcoming = renewal_document(bill_billing, dave_customer, [service(shop, dave_customer)])

    def listed(**query):
        return [row.document for row in billing.get(QUEUE, query).context["rows"]]

    assert listed() == [document, upcoming] or listed() == [upcoming, document]
    assert listed(customer=dave_customer.pk) == [upcoming]
    assert listed(state="suspended") == [document]
    assert listed(state="awaiting") == [document]
    bad = billing.get(QUEUE, {"state": "everything"})
    assert bad.context["rows"] == []
    assert "Select a valid choice" in bad.content.decode()


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize(("htmx", "expected"), [(False, 10), (True, 10)])
def test_the_queue_runs_a_fixed_number_of_queries(
    billing, shop, bill_billing, carol_customer, django_assert_num_queries, monkeypatch, count, htmx, expected
):
    for _n in range(count):
        renewal_document(bill_billing, carol_customer, [service(shop, carol_customer)])
    dun(10)
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions, 6 count,
    # 7 the page with customers, their preferences and converted invoices, 8 the schedule,
    # 9 the page's notices, 10 its services suspended for non-payment
    monkeypatch.setattr(dunning_views, "fiscal_today", lambda: DUE + timedelta(days=10))
    with django_assert_num_queries(expected):
        response = billing.get(QUEUE, {"state": "overdue"}, **(HTMX if htmx else {}))
    assert len(response.context["rows"]) == count


def test_the_queue_is_paginated(billing, shop, bill_billing, carol_customer):
    services = [service(shop, carol_customer) for _n in range(26)]
    for one in services:
        renewal_document(bill_billing, carol_customer, [one])
    assert len(billing.get(QUEUE).context["rows"]) == 25
    assert len(billing.get(QUEUE, {"page": 2}).context["rows"]) == 1


# --- terminations ---------------------------------------------------------------------------------------


def test_staff_confirm_a_termination(billing, overdue, bill_billing):
    document, one = overdue
    notice = DunningNotice.objects.get(document=document, action="terminate")
    assert billing.get(TERMINATIONS).context["notices"] == [notice]

    response = billing.post(f"{TERMINATIONS}{notice.pk}/confirm/", follow=True)

    assert f"Termination confirmed for {document}" in " ".join(messages_of(response))
    one.refresh_from_db()
    assert one.status == ServiceStatus.TERMINATED
    assert response.context["notices"] == []
    assert AuditEvent.objects.get(action="recurring.dunning_termination_confirmed").actor == bill_billing


def test_confirming_twice_says_so(billing, overdue):
    document, _one = overdue
    notice = DunningNotice.objects.get(document=document, action="terminate")
    billing.post(f"{TERMINATIONS}{notice.pk}/confirm/")
    again = billing.post(f"{TERMINATIONS}{notice.pk}/confirm/", follow=True)
    assert "not waiting for confirmation" in " ".join(messages_of(again))


def test_confirming_what_does_not_exist_is_404(billing, db):
    assert billing.post(f"{TERMINATIONS}999999/confirm/").status_code == 404
    assert billing.get(f"{TERMINATIONS}1/confirm/").status_code == 405


# --- the schedule -----------------------------------------------------------------------------------------


def test_staff_add_and_remove_a_step(billing, bill_billing):
    response = billing.post(SCHEDULE, {"days": "14", "action": "remind"}, follow=True)
    step = DunningStep.objects.get(days=14, action="remind")
    assert step in response.context["steps"]
    assert AuditEvent.objects.get(action="recurring.dunning_step_added").data == {
        "days": 14,
        "action": "remind",
    }

    billing.post(f"{SCHEDULE}{step.pk}/delete/")

    assert not DunningStep.objects.filter(pk=step.pk).exists()
    event = AuditEvent.objects.get(action="recurring.dunning_step_deleted")
    assert event.actor == bill_billing
    assert event.data == {"days": 14, "action": "remind"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"days": "soon", "action": "remind"}, "days", "Enter a whole number of days"),
        ({"days": "", "action": "remind"}, "days", "This field is required."),
        ({"days": "400", "action": "remind"}, "days", "from -60 (before the due date) to 365"),
        ({"days": "-61", "action": "remind"}, "days", "from -60 (before the due date) to 365"),
        ({"days": "7", "action": "remind"}, "days", "This step is in the schedule already."),
        ({"days": "5", "action": "explode"}, "action", "Select a valid choice."),
        ({"days": "5", "action": ""}, "action", "This field is required."),
        ({"days": "0", "action": "suspend"}, "days", "only after the due date"),
        ({"days": "-3", "action": "terminate"}, "days", "only after the due date"),
    ],
)
def test_a_bad_step_is_refused_next_to_its_field(billing, data, field, message):
    response = billing.post(SCHEDULE, data)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert DunningStep.objects.count() == 6
    assert not AuditEvent.objects.filter(action="recurring.dunning_step_added").exists()


def test_removing_a_step_removed_already_says_so(billing):
    step = DunningStep.objects.first()
    billing.post(f"{SCHEDULE}{step.pk}/delete/")
    again = billing.post(f"{SCHEDULE}{step.pk}/delete/", follow=True)
    assert "not in the schedule" in " ".join(messages_of(again))


# --- exemptions ---------------------------------------------------------------------------------------------


def test_staff_exempt_a_customer_and_lift_it(billing, bill_billing, carol_customer):
    response = billing.post(
        EXEMPTIONS, {"customer": carol_customer.pk, "reason": "Pays quarterly"}, follow=True
    )

    preference = BillingPreference.objects.get(customer=carol_customer)
    assert (preference.dunning_exempt, preference.exempt_reason, preference.exempt_by) == (
        True,
        "Pays quarterly",
        bill_billing,
    )
    assert [p.customer for p in response.context["exempt"]] == [carol_customer]
    assert AuditEvent.objects.get(action="recurring.dunning_exemption_set").data["reason"] == "Pays quarterly"

    billing.post(f"{EXEMPTIONS}{carol_customer.pk}/lift/")

    preference.refresh_from_db()
    assert not preference.dunning_exempt
    assert (
        AuditEvent.objects.get(action="recurring.dunning_exemption_lifted").data["reason"] == "Pays quarterly"
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": "Pays quarterly"}, "customer", "Choose the customer."),
        ({"customer": "999999", "reason": "Pays quarterly"}, "customer", "Choose the customer."),
        ({"customer": "{carol}", "reason": ""}, "reason", "Say why the customer is exempt."),
        ({"customer": "{carol}", "reason": "x" * 501}, "reason", "at most 500 characters"),
        ({"customer": "{carol}", "reason": "two\nlines"}, "reason", ""),
    ],
)
def test_a_bad_exemption_is_refused_next_to_its_field(billing, carol_customer, data, field, message):
    data = {key: value.replace("{carol}", str(carol_customer.pk)) for key, value in data.items()}
    response = billing.post(EXEMPTIONS, data)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert not BillingPreference.objects.exists()


def test_lifting_an_exemption_that_is_not_there_says_so(billing, carol_customer):
    response = billing.post(f"{EXEMPTIONS}{carol_customer.pk}/lift/", follow=True)
    assert "not exempt" in " ".join(messages_of(response))
    assert billing.post(f"{EXEMPTIONS}999999/lift/").status_code == 404


def test_the_picker_finds_customers(billing, carol_customer):
    response = billing.get(f"{BASE}customers/", {"customer_q": "Carol"})
    assert "Carol Hosting SRL" in response.content.decode()
