"""Dunning and metered items in a browser, as staff. Billing staff open "Dunning" from the staff menu
and find an overdue renewal proforma in the queue (and through its filter); dunning runs (here
called directly, on the day past the termination step) and leaves a termination waiting, which
they confirm; they add a step to the schedule after a refused one whose error stands next to its
field; they exempt a customer, the reason being required. A manager adds a metered bandwidth item
with graduated tiers to a plan, is told which tier is wrong, and finds the item in the list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from praho.core.validation import fiscal_today
from praho.e2e.recurring_steps import (
    accessibility_problems,
    day,
    field_error,
    money,
    open_from_menu,
    refused_with_400,
)
from praho.e2e.steps import log_in, submit
from praho.orders.models import ServiceStatus
from praho.recurring.models import (
    BillingPreference,
    DunningNotice,
    DunningStep,
    MeteredItem,
    NoticeStatus,
)
from praho.recurring.services.dunning import run_dunning
from praho.recurring.tests.renewal_steps import renewal_document, service
from praho.testing.shop import Shop, build_shop

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]

OVERDUE = 5  # days
TERMINATION_DAY = 30  # the default schedule's last step: terminate 30 days after the due date


@pytest.fixture
def shop(billing_ready) -> Shop:
    return build_shop()


@pytest.fixture
def overdue(shop, bill_billing, carol_customer):
    """carol's backup (a plan without a panel) and its renewal proforma, due 5 days ago, unpaid."""
    due = fiscal_today() - timedelta(days=OVERDUE)
    backup = service(shop, carol_customer, plan="backup", due=due, price="50.00")
    return renewal_document(bill_billing, [backup], due=due), backup


def dunning_nav(web, link: str) -> None:
    with web.page.expect_navigation():
        web.page.get_by_role("navigation", name="Dunning").get_by_role("link", name=link).click()


# --- the queue and a termination ------------------------------------------------------------------


def test_billing_staff_find_an_overdue_renewal_and_confirm_its_termination(web, bill_billing, overdue):
    document, backup = overdue
    log_in(web, bill_billing)
    page = web.page

    open_from_menu(web, "Dunning")
    assert web.path() == "/staff/recurring/dunning/"
    assert page.locator("h1").inner_text() == "Dunning: unpaid renewals"
    row = page.locator(f"#dunning-results tr[data-document='{document.pk}']")
    cells = row.locator("td").all_inner_texts()
    # Document, customer, amount, due date, days overdue, last step, next step, suspended.
    assert cells[:5] == [
        document.number,
        "Carol Hosting SRL",
        money("60.50"),  # 50 + 21% VAT
        day(document.due_date),
        str(OVERDUE),
    ]
    assert cells[5] == "—"  # dunning has not run
    assert cells[6].splitlines() == ["Send a reminder", day(document.due_date - timedelta(days=7))]
    assert accessibility_problems(web) == []

    # The filter answers in place (htmx) and keeps its choice in the address.
    page.get_by_label("State").select_option(label="Not due yet")
    page.wait_for_url("**/staff/recurring/dunning/?*state=upcoming*")
    page.get_by_text("No unpaid renewal matches these filters.").wait_for()
    page.get_by_label("State").select_option(label="Overdue")
    page.wait_for_url("**/staff/recurring/dunning/?*state=overdue*")
    row.wait_for()

    # The daily dunning, on the day of the termination step: reminded, suspended, and the
    # termination left for staff to confirm.
    run_dunning(on=document.due_date + timedelta(days=TERMINATION_DAY))
    notice = DunningNotice.objects.get(document=document, action="terminate")
    assert notice.status == NoticeStatus.AWAITING_CONFIRMATION

    page.reload()
    cells = row.locator("td").all_inner_texts()
    assert cells[5].splitlines()[:2] == ["Terminate the services (+30)", "Awaiting staff confirmation"]
    assert cells[6] == "None left"

    dunning_nav(web, "Terminations to confirm")
    assert web.path() == "/staff/recurring/dunning/terminations/"
    waiting = page.locator(f"tr[data-notice='{notice.pk}']")
    assert waiting.locator("td").all_inner_texts()[:4] == [
        document.number,
        "Carol Hosting SRL",
        day(document.due_date),
        "30 days after the due date",
    ]
    assert accessibility_problems(web) == []

    submit(web, f"tr[data-notice='{notice.pk}'] form", "Confirm the termination")

    assert web.path() == "/staff/recurring/dunning/terminations/"
    assert f"Termination confirmed for {document.number}." in page.locator("main").inner_text()
    assert "No termination is waiting for confirmation." in page.locator("tbody").inner_text()
    notice.refresh_from_db()
    backup.refresh_from_db()
    assert (notice.status, notice.confirmed_by, backup.status) == (
        NoticeStatus.DONE,
        bill_billing,
        ServiceStatus.TERMINATED,
    )


# --- the schedule and exemptions ------------------------------------------------------------------


def test_billing_staff_add_a_step_to_the_schedule_after_a_refused_one(web, bill_billing):
    steps = DunningStep.objects.count()
    log_in(web, bill_billing)
    page = web.page
    web.go("/staff/recurring/dunning/")
    dunning_nav(web, "Schedule")
    assert web.path() == "/staff/recurring/dunning/schedule/"
    assert page.locator("tbody tr td:first-child").all_inner_texts() == ["-7", "+0", "+3", "+7", "+10", "+30"]
    assert accessibility_problems(web) == []

    # Suspending before the due date is refused, next to the days.
    page.get_by_label("Days after the due date").fill("-3")
    page.get_by_label("Action").select_option(label="Suspend the services")
    submit(web, "form[action='/staff/recurring/dunning/schedule/']", "Add the step")
    refused_with_400(web, "/staff/recurring/dunning/schedule/")
    assert field_error(web, "id_days") == (
        "Services are suspended or terminated only after the due date: enter at least 1 day."
    )
    assert page.get_by_label("Days after the due date").input_value() == "-3"  # kept to correct
    assert DunningStep.objects.count() == steps
    assert accessibility_problems(web) == []

    page.get_by_label("Days after the due date").fill("14")
    page.get_by_label("Action").select_option(label="Send a reminder")
    submit(web, "form[action='/staff/recurring/dunning/schedule/']", "Add the step")

    assert web.path() == "/staff/recurring/dunning/schedule/"
    assert "Step added: Send a reminder, +14 days from the due date." in page.locator("main").inner_text()
    assert page.locator("tbody tr td:first-child").all_inner_texts() == [
        "-7",
        "+0",
        "+3",
        "+7",
        "+10",
        "+14",
        "+30",
    ]
    # Each Remove button says which step it removes.
    assert page.get_by_role("button", name="Remove the step +14: Send a reminder").count() == 1
    assert DunningStep.objects.filter(days=14, action="remind").exists()


def test_billing_staff_exempt_a_customer_giving_a_reason(web, bill_billing, carol_customer, dave_customer):
    log_in(web, bill_billing)
    page = web.page
    web.go("/staff/recurring/dunning/")
    dunning_nav(web, "Exempt customers")
    assert web.path() == "/staff/recurring/dunning/exemptions/"
    assert "No customer is exempt from dunning." in page.locator("tbody").inner_text()
    assert accessibility_problems(web) == []

    page.get_by_label("Search customers").fill("Carol")
    page.get_by_label(carol_customer.name).check()
    submit(web, "form[action='/staff/recurring/dunning/exemptions/']", "Exempt from dunning")
    refused_with_400(web, "/staff/recurring/dunning/exemptions/")
    assert field_error(web, "id_reason") == "Say why the customer is exempt."
    assert page.get_by_label(carol_customer.name).is_checked()  # the choice is kept
    assert not BillingPreference.objects.filter(dunning_exempt=True).exists()

    page.get_by_label("Reason").fill("Pays quarterly by agreement")
    submit(web, "form[action='/staff/recurring/dunning/exemptions/']", "Exempt from dunning")

    assert f"{carol_customer.name} is exempt from dunning." in page.locator("main").inner_text()
    row = page.locator(f"tr[data-customer='{carol_customer.pk}']")
    assert row.locator("td").all_inner_texts()[:2] == [carol_customer.name, "Pays quarterly by agreement"]
    assert bill_billing.email in row.inner_text()
    assert page.locator("tbody tr[data-customer]").count() == 1  # dave is not
    preference = BillingPreference.objects.get(customer=carol_customer)
    assert (preference.dunning_exempt, preference.exempt_reason) == (True, "Pays quarterly by agreement")


# --- metered items --------------------------------------------------------------------------------


def test_a_manager_adds_a_metered_bandwidth_item_with_tiers_to_a_plan(web, mike_manager, shop):
    vps = shop.plans["vps-s"]
    log_in(web, mike_manager)
    page = web.page
    open_from_menu(web, "Metered items")
    assert web.path() == "/staff/recurring/metered/"
    assert "No metered item yet: plans bill no usage." in page.locator("tbody").inner_text()

    with page.expect_navigation():
        page.get_by_role("link", name="New metered item").click()
    assert web.path() == "/staff/recurring/metered/new/"
    assert page.locator("h1").inner_text() == "New metered item"
    assert accessibility_problems(web) == []
    page.get_by_label("Plan").select_option(label=f"{vps.code} · {vps.name}")
    page.get_by_label("Measure").select_option(label="Bandwidth (GB)")
    page.get_by_label("Currency").select_option("RON")
    page.get_by_label("Included quantity").fill("100")
    page.get_by_label("Graduated: each tier's units at its price").check()
    # The second limit is below the first.
    page.get_by_label("Tiers").fill("100: 0,50\n50: 0,40\n*: 0,20")
    submit(web, "form[method='post']:has(#id_tiers)", "Save")

    assert web.path() == "/staff/recurring/metered/new/"
    assert field_error(web, "id_tiers").startswith("Tier 2: the limit must be")
    assert page.get_by_label("Tiers").input_value() == "100: 0,50\n50: 0,40\n*: 0,20"
    assert page.get_by_label("Graduated: each tier's units at its price").is_checked()
    assert not MeteredItem.objects.exists()
    assert accessibility_problems(web) == []

    page.get_by_label("Tiers").fill("100: 0,50\n500: 0,40\n*: 0,20")
    submit(web, "form[method='post']:has(#id_tiers)", "Save")

    assert web.path() == "/staff/recurring/metered/"
    assert f"The metered item of {vps.code} was saved." in page.locator("main").inner_text()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[:4] == [f"{vps.code} {vps.name}", "Bandwidth (GB)", "RON", "100"]
    assert cells[4].splitlines() == [
        "Graduated: each tier's units at its price",
        "100: 0.5; 500: 0.4; *: 0.2",
    ]
    assert accessibility_problems(web) == []
    item = MeteredItem.objects.get()
    assert (item.plan, item.measure, item.tier_mode, len(item.tiers)) == (vps, "bandwidth_gb", "graduated", 3)
