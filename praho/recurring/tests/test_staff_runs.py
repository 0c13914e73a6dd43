"""Staff pages of billing runs: the history with "run now" and its progress, one run, the
forecast of the next 30/90 days, and leaving a service out of runs."""

from __future__ import annotations

# ruff: noqa: RUF001 (the en dash of the periods)
from datetime import date
from decimal import Decimal

import pytest

from praho.audit.models import AuditEvent
from praho.recurring.forecast import forecast
from praho.recurring.models import BillingRun, Renewal, RunStatus
from praho.recurring.services.runs import run_billing
from praho.recurring.tests.conftest import renewing_service
from praho.recurring.tests.test_runs import at

pytestmark = pytest.mark.django_db


def test_the_history_lists_runs_with_their_summary_in_a_fixed_number_of_queries(
    shop, carol_customer, staff_client, bill_billing, django_assert_num_queries
):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    with at("2026-12-20"):
        run = run_billing(on=date(2026, 12, 20))
    for day in range(1, 20):
        BillingRun.objects.create(run_date=date(2026, 11, day), trigger="schedule", status="completed")
    client = staff_client(bill_billing)
    with django_assert_num_queries(7):
        page = client.get("/staff/recurring/runs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-run="{run.pk}" data-status="completed"' in html
    assert "every 2s" not in html  # nothing under way: no polling


def test_run_now_starts_a_run_on_a_worker_and_the_page_follows_a_run_under_way(
    shop, carol_customer, staff_client, bill_billing, django_capture_on_commit_callbacks
):
    renewing_service(shop, carol_customer, started=date(2026, 11, 10))  # due 10 December
    client = staff_client(bill_billing)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/staff/recurring/runs/now/")
    assert response.status_code == 302
    run = BillingRun.objects.get()
    assert (run.status, run.trigger, run.started_by) == (RunStatus.RUNNING, "staff", bill_billing)
    page = client.get("/staff/recurring/runs/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "<progress" in page
    assert client.post("/staff/recurring/runs/now/").status_code == 302  # refused: one at a time
    assert BillingRun.objects.count() == 1
    for callback in queued:
        callback()  # the worker (eager in tests) runs it
    run.refresh_from_db()
    assert (run.status, run.errors, run.documents, run.planned) == (RunStatus.COMPLETED, [], 1, 1)
    assert AuditEvent.objects.filter(action="recurring.billing_run_started").exists()


def test_support_sees_runs_but_may_not_start_one_and_customers_are_refused(
    staff_client, sue_support, carol, db
):
    assert staff_client(sue_support).get("/staff/recurring/runs/").status_code == 200
    assert staff_client(sue_support).post("/staff/recurring/runs/now/").status_code == 403
    assert staff_client(carol).get("/staff/recurring/runs/").status_code in (302, 403, 404)


def test_a_run_page_shows_its_renewals_and_errors(
    shop, carol_customer, dave_customer, staff_client, bill_billing
):
    renewing_service(shop, carol_customer, started=date(2026, 12, 1), price="999999999999.99")
    renewing_service(shop, dave_customer, started=date(2026, 12, 1), domain="dave.ro")
    with at("2026-12-20"):
        run = run_billing(on=date(2026, 12, 20))
    html = staff_client(bill_billing).get(f"/staff/recurring/runs/{run.pk}/").content.decode()
    assert "01.01.2027 – 31.01.2027" in html
    assert "dave.ro" in html
    assert f"#{carol_customer.pk}" in html  # the customer not billed, with why
    assert staff_client(bill_billing).get("/staff/recurring/runs/999999/").status_code == 404


def test_the_forecast_counts_each_period_starting_in_the_window_at_its_price(shop, carol_customer):
    renewing_service(shop, carol_customer, started=date(2026, 11, 10))  # due 10 Dec, then 10 Jan, 10 Feb
    renewing_service(shop, carol_customer, started=date(2026, 11, 10), currency="EUR", price="2.00")
    renewing_service(
        shop, carol_customer, started=date(2026, 11, 10), cancel_at=date(2027, 1, 9)
    )  # 10 Dec only
    renewing_service(shop, carol_customer, started=date(2026, 11, 10), renewals_excluded=True)
    found = forecast(today=date(2026, 12, 7), days=90)
    assert found.totals == {"RON": Decimal("40.00"), "EUR": Decimal("6.00")}
    assert found.renewals == 7
    assert forecast(today=date(2026, 12, 7), days=30).totals == {
        "RON": Decimal("20.00"),
        "EUR": Decimal("2.00"),
    }


def test_the_forecast_page_draws_a_chart_per_currency(shop, carol_customer, staff_client, bill_billing):
    renewing_service(shop, carol_customer, started=date(2026, 11, 10))
    with at("2026-12-07"):
        html = staff_client(bill_billing).get("/staff/recurring/forecast/?days=90").content.decode()
    assert 'data-currency="RON"' in html
    assert html.count('class="chart-bar"') == 13
    assert 'data-total="RON"' in html


def test_staff_leave_a_service_out_of_runs_with_a_reason_and_take_it_back(
    shop, carol_customer, staff_client, bill_billing, sue_support
):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    url = f"/staff/recurring/services/{service.pk}/exclusion/"
    client = staff_client(bill_billing)
    client.post(url, {"excluded": "1", "reason": ""})
    service.refresh_from_db()
    assert service.renewals_excluded is False  # a reason is required
    client.post(url, {"excluded": "1", "reason": "Disputed invoice"})
    service.refresh_from_db()
    assert (service.renewals_excluded, service.renewals_excluded_reason) == (True, "Disputed invoice")
    with at("2026-12-20"):
        assert run_billing(on=date(2026, 12, 20)).documents == 0
    client.post(url, {"excluded": "0"})
    service.refresh_from_db()
    assert service.renewals_excluded is False
    assert list(
        AuditEvent.objects.filter(action__startswith="recurring.service_")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "recurring.service_excluded",
        "recurring.service_included",
    ]
    assert staff_client(sue_support).post(url, {"excluded": "1", "reason": "x"}).status_code == 403
    assert not Renewal.objects.exists()


def test_the_dashboard_shows_overdue_renewals_and_the_last_run(
    shop, carol_customer, staff_client, bill_billing
):
    renewing_service(shop, carol_customer, started=date(2026, 11, 1))
    with at("2026-11-28"):
        run = run_billing(on=date(2026, 11, 28))  # due 1 December: overdue on the 7th
    with at("2026-12-07"):
        html = staff_client(bill_billing).get("/staff/").content.decode()
    assert 'data-panel="renewals-waiting"' in html
    assert '<span class="figure" data-count="overdue">1</span>' in html
    assert f"/staff/recurring/runs/{run.pk}/" in html


def test_the_service_page_offers_leaving_it_out_of_runs_and_says_why_it_is(
    shop, carol_customer, staff_client, bill_billing, sue_support
):
    service = renewing_service(shop, carol_customer, started=date(2026, 12, 1))
    page = staff_client(bill_billing).get(f"/staff/orders/services/{service.pk}/").content.decode()
    assert f'action="/staff/recurring/services/{service.pk}/exclusion/"' in page
    assert (
        "exclusion"
        not in staff_client(sue_support).get(f"/staff/orders/services/{service.pk}/").content.decode()
    )
    service.renewals_excluded, service.renewals_excluded_reason = True, "Disputed <invoice>"
    service.save()
    page = staff_client(bill_billing).get(f"/staff/orders/services/{service.pk}/").content.decode()
    assert "Left out of billing runs: Disputed &lt;invoice&gt;" in page
