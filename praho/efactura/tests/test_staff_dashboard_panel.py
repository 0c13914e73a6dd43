"""e-Factura's panel on the staff dashboard (/staff/): how many documents need attention, each
count linking to its section of /staff/efactura/ (issue 12, stumble 5)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from praho.billing.tests.factories import issued_invoice
from praho.efactura.dashboard import Attention
from praho.efactura.models import SubmissionState
from praho.efactura.tests.test_dashboard import NOW, TODAY, TOMORROW, YESTERDAY, tracked

pytestmark = pytest.mark.django_db
State = SubmissionState


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def one_of_each(carol_customer):
    """As the e-Factura page's tests: one document in each situation (test_dashboard.one_of_each)."""
    later = dt.date(2026, 3, 13)
    return [
        tracked(carol_customer, State.UPLOADED, YESTERDAY),  # past the deadline
        tracked(carol_customer, State.ACCEPTED, YESTERDAY),
        tracked(carol_customer, State.PROCESSING, TODAY),  # near
        tracked(carol_customer, State.VALIDATED, TOMORROW),  # near
        tracked(carol_customer, State.ACCEPTED, TOMORROW),
        tracked(carol_customer, State.NOT_SUBMITTED, dt.date(2026, 3, 12)),
        tracked(carol_customer, State.REJECTED, later),
        tracked(carol_customer, State.INVALID, later),
        issued_invoice(carol_customer, issue_date=dt.date(2026, 3, 2), post=False),  # not tracked
    ]


def panel(response) -> str:
    match = re.search(r'<section [^>]*data-panel="efactura">(.*?)</section>', response.content.decode(), re.S)
    return match.group(1) if match else ""


def attention(response) -> Attention:
    (found,) = [p for p in response.context["panels"] if p.template == "efactura/dashboard/_attention.html"]
    return found.data["attention"]


def test_the_panel_counts_what_needs_attention_once_each(staff_client, bill_billing, one_of_each):
    response = staff_client(bill_billing).get("/staff/")

    assert attention(response) == Attention(
        tracked=5, past_deadline=1, near_deadline=2, rejected=1, invalid=1, untracked=1
    )
    html = panel(response)
    assert (
        '<span class="figure figure-warn" data-figure="attention">6</span> documents need attention' in html
    )
    assert (
        '<a href="/staff/efactura/#overdue-title" data-figure="past-deadline">'
        "1 past the deadline, not accepted</a>" in html
    )
    assert (
        '<a href="/staff/efactura/#near-title" data-figure="near-deadline">'
        "2 with at most one working day left</a>" in html
    )
    assert '<a href="/staff/efactura/#rejected-title" data-figure="rejected">1 rejected by ANAF</a>' in html
    assert '<a href="/staff/efactura/#invalid-title" data-figure="invalid">1 failed validation</a>' in html
    assert (
        '<a href="/staff/efactura/#untracked-title" data-figure="untracked">1 issued, not tracked yet</a>'
        in html
    )


def test_with_nothing_to_do_the_panel_says_so(staff_client, bill_billing):
    html = panel(staff_client(bill_billing).get("/staff/"))

    assert "Nothing needs attention: every document is accepted or on its way." in html


def test_sales_staff_who_do_not_follow_submissions_see_no_panel(staff_client, sam_sales, one_of_each):
    response = staff_client(sam_sales).get("/staff/")

    assert 'data-panel="efactura"' not in response.content.decode()
    assert [p.template for p in response.context["panels"]] == [
        "billing/dashboard/_receivables.html",
        "billing/dashboard/_invoiced.html",
        "orders/dashboard/_orders_waiting.html",
        "billing/dashboard/_recent_payments.html",
        "provisioning/dashboard/_attention.html",
        "provisioning/dashboard/_over_limits.html",
    ]
