"""Recurring billing in a browser. Staff (billing): "Billing runs" from the staff menu, "Run now"
(Celery is eager in tests: the run is done by the time the page comes back, else the page polls it
to its end), the completed run's row with its documents and totals, the run's page with each
renewed service and its period; the renewals forecast for 30 and 90 days with its chart and table.
The customer area: carol's "Renewals" page lists her upcoming renewals with date and amount;
auto-pay without a saved card is refused in place, saying why; a viewer sees the page without the
toggle. Each page is checked for the accessibility basics and the customer's page at 375 px."""

# ruff: noqa: RUF001 (the en dash of the periods)
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from praho.core.validation import fiscal_today
from praho.e2e.recurring_steps import (
    PHONE,
    SIDEWAYS_SCROLL,
    accessibility_problems,
    day,
    money,
    open_from_menu,
)
from praho.e2e.steps import log_in
from praho.orders.models import Service
from praho.recurring.models import BillingPreference, BillingRun, Renewal, RunStatus
from praho.recurring.pricing import next_period
from praho.recurring.tests.conftest import renewing_service
from praho.recurring.tests.renewal_steps import renewal_document
from praho.testing.shop import Shop, build_shop

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]

DUE_IN = 5  # days: within the lead time (14 days), so today's run bills it


@pytest.fixture
def shop(billing_ready) -> Shop:
    return build_shop()


def due_in(shop: Shop, customer, days: int, **fields) -> Service:
    """A monthly service whose first month is paid and whose next one starts in `days` days."""
    due = fiscal_today() + timedelta(days=days)
    return renewing_service(shop, customer, started=due - relativedelta(months=1), **fields)


def period_text(service: Service) -> str:
    period = next_period(service)
    assert period is not None
    return f"{period.start:%d.%m.%Y} – {period.end:%d.%m.%Y}"


# --- staff: billing runs --------------------------------------------------------------------------


def test_billing_staff_run_billing_now_and_open_the_run(
    web, bill_billing, shop, carol_customer, dave_customer
):
    hosting = due_in(shop, carol_customer, DUE_IN, price="100.00", domain="carol.ro")
    backup = due_in(shop, dave_customer, DUE_IN, plan="backup", price="20.00")
    periods = {hosting.pk: period_text(hosting), backup.pk: period_text(backup)}
    log_in(web, bill_billing)
    page = web.page

    open_from_menu(web, "Billing runs")
    assert web.path() == "/staff/recurring/runs/"
    assert page.locator("h1").inner_text() == "Billing runs"
    assert "No billing run yet." in page.locator("#runs-table").inner_text()
    assert accessibility_problems(web) == []

    with page.expect_navigation():
        page.get_by_role("button", name="Run now").click()

    run = BillingRun.objects.get()
    assert web.path() == "/staff/recurring/runs/"
    assert f"Billing run #{run.pk} started; this page follows it." in page.locator("main").inner_text()
    # Done already (an eager worker), or followed every 2 s until it is.
    row = page.locator(f"#runs-table tr[data-run='{run.pk}'][data-status='completed']")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    # Run, billed as of, started, status, documents, services, totals, errors.
    assert cells[0] == f"#{run.pk}"
    assert cells[1] == day(fiscal_today())
    assert bill_billing.email in cells[2]
    assert cells[3:] == ["Completed", "2", "2", money("145.20"), "0"]  # (100 + 20) + 21% VAT
    run.refresh_from_db()
    assert (run.status, run.documents, run.services, run.errors) == (RunStatus.COMPLETED, 2, 2, [])
    assert page.locator("#runs-table[hx-trigger]").count() == 0  # nothing under way: no polling

    with page.expect_navigation():
        row.get_by_role("link", name=f"#{run.pk}").click()
    assert web.path() == f"/staff/recurring/runs/{run.pk}/"
    assert page.locator("h1").inner_text() == f"Billing run #{run.pk}"
    assert page.locator("dd[data-status]").inner_text() == "Completed"
    assert page.locator("dd[data-figure='documents']").inner_text() == "2"
    assert accessibility_problems(web) == []
    for renewal in Renewal.objects.select_related("document"):
        line = page.locator(f"tr[data-renewal='{renewal.pk}']").locator("td").all_inner_texts()
        service = hosting if renewal.service_id == hosting.pk else backup
        assert line[0] == renewal.document.number
        assert line[1] == service.customer.name
        assert str(service) in line[2]
        assert line[3] == periods[service.pk]
        assert line[4] == money(service.price)
    assert page.locator("tbody tr[data-renewal]").count() == 2

    # The renewed service's link leads to its page.
    with page.expect_navigation():
        page.get_by_role("link", name=str(hosting)).click()
    assert web.path() == f"/staff/orders/services/{hosting.pk}/"


def test_the_history_follows_a_run_under_way_until_it_is_done(web, bill_billing):
    """A run a worker is still making (made here as the worker leaves it midway): its progress
    shows, "Run now" is refused meanwhile, and the page's polling shows the run done."""
    run = BillingRun.objects.create(
        run_date=fiscal_today(), trigger="schedule", status=RunStatus.RUNNING, planned=4, documents=1
    )
    log_in(web, bill_billing)
    page = web.page
    web.go("/staff/recurring/runs/")
    row = page.locator(f"#runs-table tr[data-run='{run.pk}']")
    assert row.get_attribute("data-status") == "running"
    progress = row.get_by_role("progressbar", name="Running")
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("1", "4")
    assert row.locator("td.num").first.inner_text() == "1 / 4"
    assert accessibility_problems(web) == []

    with page.expect_navigation():
        page.get_by_role("button", name="Run now").click()
    assert "A billing run is under way; wait for it to finish." in page.locator("main").inner_text()
    assert BillingRun.objects.count() == 1

    BillingRun.objects.filter(pk=run.pk).update(
        status=RunStatus.COMPLETED,
        documents=4,
        services=5,
        totals={"RON": "605.00"},
        finished_at=timezone.now(),
    )
    done = page.locator(f"#runs-table tr[data-run='{run.pk}'][data-status='completed']")
    done.wait_for(timeout=10_000)  # the next poll, 2 s apart
    assert done.locator("td").all_inner_texts()[3:] == ["Completed", "4", "5", money("605.00"), "0"]
    # Polling stops once nothing is under way.
    assert page.locator("#runs-table[hx-trigger]").count() == 0


def test_staff_see_the_renewals_forecast_for_30_and_90_days(web, bill_billing, shop, carol_customer):
    due_in(shop, carol_customer, DUE_IN, price="100.00")
    due_in(shop, carol_customer, DUE_IN, plan="backup", price="2.50", currency="EUR")
    log_in(web, bill_billing)
    page = web.page
    open_from_menu(web, "Billing runs")
    with page.expect_navigation():
        page.get_by_role("link", name="Renewals forecast").click()

    assert web.path() == "/staff/recurring/forecast/"
    assert page.locator("h1").inner_text() == "Renewals forecast"
    windows = page.get_by_role("navigation", name="Window")
    assert windows.locator("[aria-current='page']").inner_text() == "Next 30 days"
    # One month each in 30 days; the currencies in alphabetical order.
    assert page.locator("[data-figure='renewals']").inner_text() == (
        f"2 renewals · {money('2.50', 'EUR')} · {money('100.00')}"
    )
    bars_30 = chart_bars(web, "RON")
    assert accessibility_problems(web) == []

    with page.expect_navigation():
        windows.get_by_role("link", name="Next 90 days").click()

    assert web.path() == "/staff/recurring/forecast/?days=90"
    assert windows.locator("[aria-current='page']").inner_text() == "Next 90 days"
    # Three months each in 90 days (due in 5, 35 or 36, and 66 or 67 days).
    assert page.locator("[data-total='RON']").inner_text() == money("300.00")
    assert page.locator("[data-total='EUR']").inner_text() == money("7.50", "EUR")
    bars_90 = chart_bars(web, "RON")
    assert len(bars_90) > len(bars_30)
    assert sum(bars_90) == Decimal("300.00")
    assert sum(chart_bars(web, "EUR")) == Decimal("7.50")
    # The chart is an image named by its title; the table says the same per week.
    assert page.get_by_role("img", name="Renewals per week in RON, the next 90 days").count() == 1
    table = page.get_by_role("table", name="Renewals per week")
    assert table.locator("thead th").all_inner_texts() == ["Week of", "Renewals", "EUR", "RON"]
    assert table.locator("tbody tr").count() == len(bars_90)
    weeks = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert sum(int(count) for count in weeks) == 6
    assert accessibility_problems(web) == []

    with page.expect_navigation():
        windows.get_by_role("link", name="Next 30 days").click()
    assert web.path() == "/staff/recurring/forecast/?days=30"
    assert chart_bars(web, "RON") == bars_30


def chart_bars(web, currency: str) -> list[Decimal]:
    """The amounts of the forecast chart's bars (one per week) in the currency."""
    bars = web.page.locator(f"figure[data-currency='{currency}'] svg rect.chart-bar")
    return [Decimal(amount or "") for amount in (bar.get_attribute("data-amount") for bar in bars.all())]


# --- the customer area: renewals ------------------------------------------------------------------


@pytest.fixture
def carols_renewals(shop, carol_customer):
    """carol's hosting renewing in 10 days, and a backup she cancelled, ending before its next month."""
    hosting = due_in(shop, carol_customer, 10, price="100.00", domain="carol.ro")
    ending = due_in(shop, carol_customer, 3, plan="backup", price="10.00")
    ending.cancel_at = ending.next_due_date - timedelta(days=1)
    ending.save(update_fields=["cancel_at"])
    return hosting, ending


def test_the_owner_sees_her_upcoming_renewals_and_auto_pay_needs_a_saved_card(
    web, carol, carol_customer, carols_renewals
):
    hosting, ending = carols_renewals
    log_in(web, carol)
    page = web.page

    open_from_menu(web, "Renewals")
    assert web.path() == "/app/renewals/"
    assert page.locator("h1").inner_text() == "Renewals"
    assert page.locator("#customer-menu [aria-current='page']").inner_text() == "Renewals"
    upcoming = page.get_by_role("table", name="Services by next due date")
    rows = upcoming.locator("tbody tr")
    # By next due date: the backup first; it ends, so it has neither period nor price.
    assert rows.nth(0).locator("td").all_inner_texts()[1:] == [
        day(ending.next_due_date),
        "—",
        "—",
        f"Ends after {day(ending.cancel_at)}",
    ]
    period = next_period(hosting)
    assert period is not None
    hosting_cells = rows.nth(1).locator("td").all_inner_texts()
    assert hosting_cells[0].splitlines() == [hosting.plan.name, "carol.ro"]
    assert hosting_cells[1:] == [
        day(hosting.next_due_date),
        f"{day(period.start)} – {day(period.end)}",
        f"{money('100.00')} + VAT",
        "Renews",
    ]
    to_pay = page.get_by_role("region", name="Renewals to pay")
    assert to_pay.inner_text().endswith("Nothing to pay for renewals.")
    assert accessibility_problems(web) == []

    auto_pay = page.get_by_role("region", name="Auto-pay")
    assert "No card is saved." in auto_pay.inner_text()
    url = page.url
    auto_pay.get_by_role("button", name="Turn auto-pay on").click()

    refusal = page.locator("#auto-pay").get_by_role("alert")
    refusal.wait_for()
    assert refusal.inner_text().startswith("Save a card first:")
    assert "then turn auto-pay on" in refusal.inner_text()
    assert page.url == url  # htmx answered in place
    # Still off, and still offering to turn it on (and to save a card).
    assert "Off: you pay each renewal yourself" in page.locator("#auto-pay").inner_text()
    assert page.locator("#auto-pay").get_by_role("button", name="Turn auto-pay on").count() == 1
    assert page.locator("#auto-pay").get_by_role("button", name="Save a card").count() == 1
    assert not BillingPreference.objects.filter(customer=carol_customer, auto_pay=True).exists()


def test_a_viewer_sees_the_renewals_but_no_auto_pay_toggle(
    web, erin_viewer, carol_customer, carols_renewals, bill_billing, shop
):
    unpaid = renewal_document(bill_billing, [due_in(shop, carol_customer, 2, plan="vps-s", price="50.00")])
    log_in(web, erin_viewer)
    page = web.page

    open_from_menu(web, "Renewals")
    assert web.path() == "/app/renewals/"
    upcoming = page.get_by_role("table", name="Services by next due date").inner_text()
    assert "carol.ro" in upcoming
    assert f"{money('100.00')} + VAT" in upcoming
    auto_pay = page.get_by_role("region", name="Auto-pay")
    assert "Only the owner and billing users may change auto-pay." in auto_pay.inner_text()
    assert page.get_by_role("button", name="Turn auto-pay on").count() == 0
    assert page.get_by_role("button", name="Save a card").count() == 0
    # Billing's documents are not hers to see: not "nothing to pay" either, which would be untrue.
    to_pay = page.get_by_role("region", name="Renewals to pay").inner_text()
    assert unpaid.number not in to_pay
    assert "Only the owner and billing users see the renewal documents to pay." in to_pay
    assert "Nothing to pay" not in to_pay
    assert page.get_by_role("button", name=re.compile("Pay by card")).count() == 0
    assert accessibility_problems(web) == []


@pytest.mark.parametrize("web_viewport", [PHONE])
def test_the_renewals_page_fits_a_375_px_phone(
    web, carol, carol_customer, carols_renewals, bill_billing, shop
):
    unpaid = renewal_document(bill_billing, [due_in(shop, carol_customer, 2, plan="vps-s", price="50.00")])
    log_in(web, carol)
    web.go("/app/renewals/")

    assert web.page.evaluate("window.innerWidth") == 375
    assert web.page.evaluate(SIDEWAYS_SCROLL) <= 0, "/app/renewals/ scrolls sideways at 375 px"
    pay = web.page.get_by_role("button", name=f"Pay by card {unpaid.number}")
    box = pay.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375


@pytest.mark.parametrize("web_viewport", [PHONE])
def test_the_staff_pages_of_recurring_billing_fit_a_375_px_phone(web, alice_admin, shop, carol_customer):
    due_in(shop, carol_customer, DUE_IN, price="100.00", domain="carol-hosting-and-more.ro")
    run = BillingRun.objects.create(run_date=fiscal_today(), trigger="schedule", status=RunStatus.COMPLETED)
    log_in(web, alice_admin)
    for path in (
        "/staff/recurring/runs/",
        f"/staff/recurring/runs/{run.pk}/",
        "/staff/recurring/forecast/?days=90",
        "/staff/recurring/dunning/",
        "/staff/recurring/dunning/terminations/",
        "/staff/recurring/dunning/schedule/",
        "/staff/recurring/dunning/exemptions/",
        "/staff/recurring/metered/",
        "/staff/recurring/metered/new/",
    ):
        web.go(path)
        assert web.page.evaluate(SIDEWAYS_SCROLL) <= 0, f"{path} scrolls sideways at 375 px"
        if path.startswith("/staff/recurring/forecast/"):
            box = web.page.locator("figure[data-currency='RON'] svg").bounding_box()
            assert box is not None
            assert 0 < box["x"] + box["width"] <= 375, "the forecast's chart is wider than the phone"
