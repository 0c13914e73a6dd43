"""Provisioning's staff pages in a browser, against FakeVirtualmin (a real HTTP server speaking
Virtualmin's remote API): a manager registers a server and tests its connection (htmx puts the
panel's answer in place; the login is nowhere in the page); support creates a service on the panel,
suspends it with a reason and resumes it (Celery is eager in tests: the operation runs after the
request's commit, so the next page shows its outcome); a create that found no server waits on the
operations page, and "Try again" once a server exists makes the service (and the create it
superseded is not run again)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from praho.e2e.steps import log_in, submit
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Operation, OperationKind, OperationState, Server
from praho.testing.fakes.virtualmin import FakeVirtualmin
from praho.testing.provisioning import make_server, make_service
from praho.testing.shop import Shop, build_shop

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("billing_ready"),
]

SECRET = "virtualmin-secret"  # noqa: S105 (the fake panel's login)
DOMAIN = "carol-shop.ro"
PANEL = "section#provisioning"


@pytest.fixture
def fake() -> Iterator[FakeVirtualmin]:
    with FakeVirtualmin(password=SECRET) as fake:
        yield fake


@pytest.fixture
def shop(billing_ready) -> Shop:
    return build_shop()


@pytest.fixture
def pending(shop: Shop, carol_customer) -> Service:
    """carol's web-start (a Virtualmin plan), paid and waiting to be created."""
    return make_service(shop.plans["web-start"], carol_customer, domain=DOMAIN)


def add_server(fake: FakeVirtualmin) -> Server:
    return make_server("virtualmin", fake.url, username="root", secret=SECRET, name="vm-fake")


def open_from_menu(web, link: str) -> None:
    with web.page.expect_navigation():
        web.page.locator("nav").get_by_role("link", name=link, exact=True).first.click()


def panel_status(web) -> str:
    return web.page.locator(f"{PANEL} dl.facts .badge").first.inner_text()


def disabled_on_panel(fake: FakeVirtualmin) -> bool:
    """Whether the fake panel's server for the domain is disabled; it must exist."""
    domain = fake.domain(DOMAIN)
    assert domain is not None, f"{DOMAIN} is not on the panel"
    return domain.disabled


def operation_states(web) -> list[str]:
    return web.page.locator(f"{PANEL} tbody tr td:nth-child(2)").all_inner_texts()


def test_a_manager_registers_a_server_and_tests_its_connection_in_place(web, mike_manager, fake):
    log_in(web, mike_manager)
    page = web.page
    open_from_menu(web, "Servers")
    assert web.path() == "/staff/provisioning/servers/"
    with page.expect_navigation():
        page.get_by_role("link", name="Add a server").click()

    page.fill("#id_name", "vm-fake")
    page.select_option("#id_panel", "virtualmin")
    page.fill("#id_host", "127.0.0.1")
    page.fill("#id_port", fake.url.rsplit(":", 1)[1])
    page.uncheck("#id_use_tls")  # the fake speaks plain HTTP
    page.fill("#id_username", "root")
    page.fill("#id_secret", SECRET)
    submit(web, "form[action='/staff/provisioning/servers/new/']", "Save")

    assert web.path() == "/staff/provisioning/servers/"
    assert "Server vm-fake saved." in page.locator("main").inner_text()
    server = Server.objects.get(name="vm-fake")
    row = page.locator(f"tr[data-server='{server.pk}']")
    assert "Never tested" in row.inner_text()

    row.get_by_role("button", name="Test connection").click()

    check = row.locator(".server-check")
    check.get_by_text("Virtualmin 7.30.4.gpl on vm1.example.net, 0 virtual servers").wait_for()
    assert check.locator(".badge").inner_text() == "Answered"
    assert web.path() == "/staff/provisioning/servers/"  # htmx swapped the cell, the page stayed
    assert len(fake.calls_of("info")) == 1
    assert SECRET not in page.content()


def test_support_creates_suspends_and_resumes_a_service_on_the_panel(web, sue_support, fake, pending):
    add_server(fake)
    log_in(web, sue_support)
    page = web.page
    web.go(f"/staff/orders/services/{pending.pk}/")
    assert panel_status(web) == "Pending provisioning"

    submit(web, f"{PANEL} form[action$='/create/']")

    assert "Creating it on the panel." in page.locator("main").inner_text()
    assert panel_status(web) == "Active"
    assert operation_states(web) == ["Succeeded"]
    assert not disabled_on_panel(fake)

    page.get_by_label("Reason").first.fill("Phishing page reported")
    submit(web, f"{PANEL} form[action$='/suspend/']", "Suspend")

    assert panel_status(web) == "Suspended"
    assert "Phishing page reported" in page.locator(PANEL).inner_text()
    assert operation_states(web) == ["Succeeded", "Succeeded"]
    assert disabled_on_panel(fake)

    submit(web, f"{PANEL} form[action$='/unsuspend/']", "Unsuspend")

    assert panel_status(web) == "Active"
    assert operation_states(web) == ["Succeeded", "Succeeded", "Succeeded"]
    assert not disabled_on_panel(fake)


def test_a_create_without_a_server_waits_on_the_operations_page_until_tried_again(
    web, sue_support, fake, pending
):
    log_in(web, sue_support)
    page = web.page
    web.go(f"/staff/orders/services/{pending.pk}/")
    submit(web, f"{PANEL} form[action$='/create/']")
    assert "No active server takes the plan web-start" in page.locator("main").inner_text()
    assert panel_status(web) == "Pending provisioning"
    waiting = Operation.objects.get(service=pending)

    add_server(fake)
    open_from_menu(web, "Panel operations")
    row = page.locator(f"tr[data-operation='{waiting.pk}']")
    assert "Needs attention" in row.inner_text()
    assert "add one, then try again" in row.inner_text()
    submit(web, f"tr[data-operation='{waiting.pk}'] form", "Try again")

    assert web.path() == "/staff/provisioning/operations/"
    assert f"Operation {waiting.pk} tried again." in page.locator("main").inner_text()
    again = Operation.objects.exclude(pk=waiting.pk).get(service=pending, kind=OperationKind.CREATE)
    assert page.locator(f"tr[data-operation='{again.pk}'] .badge").inner_text() == "Succeeded"
    assert page.locator(f"tr[data-operation='{waiting.pk}'] .badge").inner_text() == "Failed"
    assert again.state == OperationState.SUCCEEDED
    pending.refresh_from_db()
    assert pending.status == ServiceStatus.ACTIVE
    assert not disabled_on_panel(fake)

    # The superseded create has no button any more: the service is active, a retry would be refused.
    assert page.locator(f"tr[data-operation='{waiting.pk}'] form").count() == 0
    assert len(fake.calls_of("create-domain")) == 1
