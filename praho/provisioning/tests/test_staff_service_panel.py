"""Provisioning's panel on orders' staff service page, and who may press its buttons: the facts
and forms it shows for each status and role, 403 for staff without provisioning.manage_service,
404 for customers' users and for services one may not see, a POST only."""

from __future__ import annotations

import pytest

from praho.orders.models import ServiceStatus
from praho.provisioning.models import Account, Operation, OperationState, SuspensionCause
from praho.testing.provisioning import make_server, make_service

pytestmark = pytest.mark.django_db

SECRET = "panel-login-secret-42"
ACTIONS = [
    "create",
    "activate",
    "suspend",
    "unsuspend",
    "terminate",
    "cancel",
    "reset-password",
]


def page_of(client, service) -> str:
    response = client.get(f"/staff/orders/services/{service.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def action_url(service, action: str) -> str:
    return f"/staff/provisioning/services/{service.pk}/{action}/"


@pytest.fixture
def server(db):
    return make_server("virtualmin", "http://127.0.0.1:10000", username="root", secret=SECRET, name="vm-1")


@pytest.fixture
def hosting(shop, carol_customer, server):
    service = make_service(
        shop.plans["web-start"], carol_customer, domain="carol.ro", status=ServiceStatus.ACTIVE
    )
    Account.objects.create(
        service=service,
        server=server,
        username="carol1",
        external_id="1700000001",
        suspension_cause=SuspensionCause.STAFF,
        suspension_reason="abuse <report>",
    )
    return service


def test_the_panel_shows_where_the_service_lives(staff_client, sue_support, hosting):
    page = page_of(staff_client(sue_support), hosting)
    assert 'id="provisioning-title"' in page
    assert "vm-1" in page
    assert "carol1" in page
    assert "1700000001" in page
    assert "Suspended by staff: abuse &lt;report&gt;" in page  # escaped
    assert SECRET not in page


def test_an_active_service_offers_what_the_table_allows(staff_client, sue_support, hosting):
    page = page_of(staff_client(sue_support), hosting)
    for action in ("suspend", "terminate", "reset-password", "welcome"):
        assert f'action="{action_url(hosting, action)}"' in page
    # changing plan is recurring billing's panel (prorated), not this one
    for action in ("create", "activate", "unsuspend", "cancel", "change-plan"):
        assert f'action="{action_url(hosting, action)}"' not in page


def test_a_pending_service_offers_create_and_cancel(staff_client, sue_support, shop, carol_customer):
    service = make_service(shop.plans["web-start"], carol_customer, domain="p.ro")
    page = page_of(staff_client(sue_support), service)
    shown = {action for action in [*ACTIONS, "welcome"] if f'action="{action_url(service, action)}"' in page}
    assert shown == {"create", "cancel"}
    assert "No operations yet." in page


def test_a_service_set_up_by_hand_is_marked_active(staff_client, sue_support, shop, carol_customer):
    service = make_service(shop.plans["domain-ro"], carol_customer, domain="d.ro", status="provisioning")
    page = page_of(staff_client(sue_support), service)
    assert f'action="{action_url(service, "activate")}"' in page
    assert "set up by hand" in page


def test_a_terminated_service_offers_nothing(staff_client, sue_support, hosting):
    hosting.status = ServiceStatus.TERMINATED
    hosting.save()
    page = page_of(staff_client(sue_support), hosting)
    assert "/staff/provisioning/services/" not in page


def test_staff_without_the_permission_see_the_panel_without_its_buttons(staff_client, sam_sales, hosting):
    Operation.objects.create(
        service=hosting, kind="create", state=OperationState.FAILED, idempotency_key="k1", last_error="quota"
    )
    page = page_of(staff_client(sam_sales), hosting)
    assert "carol1" in page
    assert "quota" in page
    assert "/staff/provisioning/services/" not in page  # no action, no retry


def test_operations_are_listed_latest_first_with_their_steps(staff_client, sue_support, hosting):
    first = Operation.objects.create(
        service=hosting,
        kind="create",
        state=OperationState.SUCCEEDED,
        idempotency_key="k1",
        steps=[{"name": "clone", "data": 1}, {"name": "resize", "data": None}],
    )
    second = Operation.objects.create(
        service=hosting,
        kind="change_package",
        state=OperationState.NEEDS_ATTENTION,
        attempts=3,
        idempotency_key="k2",
        last_error="Panel said no",
    )
    page = page_of(staff_client(sue_support), hosting)
    assert page.index(f'data-operation="{second.pk}"') < page.index(f'data-operation="{first.pk}"')
    assert '<span class="mono">clone</span>, <span class="mono">resize</span>' in page
    assert "Panel said no" in page
    assert f'action="/staff/provisioning/services/{hosting.pk}/operations/{second.pk}/retry/"' in page
    assert f"/operations/{first.pk}/retry/" not in page
    superseded = Operation.objects.create(
        service=hosting, kind="suspend", state=OperationState.FAILED, idempotency_key="k3"
    )
    page = page_of(staff_client(sue_support), hosting)
    assert f"/operations/{superseded.pk}/retry/" not in page  # the service is active: it would be refused


@pytest.mark.parametrize("action", [*ACTIONS, "welcome"])
def test_staff_without_the_permission_get_403_and_nothing_changes(staff_client, sam_sales, hosting, action):
    response = staff_client(sam_sales).post(action_url(hosting, action), {"reason": "x", "children": "keep"})
    assert response.status_code == 403
    hosting.refresh_from_db()
    assert hosting.status == ServiceStatus.ACTIVE
    assert not Operation.objects.exists()


@pytest.mark.parametrize("action", ["suspend", "terminate", "welcome"])
def test_customers_users_get_404_and_visitors_log_in(client, carol, hosting, action):
    assert client.post(action_url(hosting, action), {"reason": "x"}).status_code == 302
    client.force_login(carol)
    assert client.post(action_url(hosting, action), {"reason": "x"}).status_code == 404
    hosting.refresh_from_db()
    assert hosting.status == ServiceStatus.ACTIVE


def test_an_unknown_service_is_a_404_and_a_get_is_refused(staff_client, sue_support, hosting):
    support = staff_client(sue_support)
    assert support.post("/staff/provisioning/services/999999/suspend/", {"reason": "x"}).status_code == 404
    assert support.get(action_url(hosting, "suspend")).status_code == 405
    assert (
        support.post(f"/staff/provisioning/services/{hosting.pk}/operations/999999/retry/").status_code == 404
    )


def test_another_services_operation_is_not_retried_through_this_one(
    staff_client, sue_support, hosting, shop, carol_customer
):
    other = make_service(shop.plans["web-start"], carol_customer, domain="o.ro")
    operation = Operation.objects.create(
        service=other, kind="create", state=OperationState.FAILED, idempotency_key="k1"
    )
    url = f"/staff/provisioning/services/{hosting.pk}/operations/{operation.pk}/retry/"
    assert staff_client(sue_support).post(url).status_code == 404
    operation.refresh_from_db()
    assert operation.state == OperationState.FAILED
