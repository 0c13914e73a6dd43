"""The staff operations page (/staff/provisioning/operations/): those needing staff first, filters
by state, kind and server, a fixed number of queries, and its retry button."""

from __future__ import annotations

import pytest

from praho.provisioning.models import Operation, OperationState
from praho.testing.provisioning import make_server, make_service

pytestmark = pytest.mark.django_db

OPERATIONS = "/staff/provisioning/operations/"
HTMX = {"HTTP_HX_REQUEST": "true"}
State = OperationState


@pytest.fixture
def support(staff_client, sue_support):
    return staff_client(sue_support)


@pytest.fixture
def server(db):
    return make_server("virtualmin", "http://127.0.0.1:10000", username="root", secret="s-1", name="vm-1")


def operation(service, kind, state, *, server=None, **fields):
    return Operation.objects.create(
        service=service,
        server=server,
        kind=kind,
        state=state,
        idempotency_key=f"{service.pk}:{kind}:{Operation.objects.count() + 1}",
        **fields,
    )


@pytest.fixture
def service(shop, carol_customer):
    return make_service(shop.plans["web-start"], carol_customer, domain="carol.ro", status="active")


def test_those_needing_staff_come_first_then_the_newest(support, service, server):
    done = operation(service, "create", State.SUCCEEDED, server=server)
    superseded = operation(service, "suspend", State.FAILED, server=server)  # the service is active
    failed = operation(service, "change_package", State.FAILED, server=server, last_error="quota exceeded")
    queued = operation(service, "unsuspend", State.QUEUED, server=server)
    attention = operation(service, "change_password", State.NEEDS_ATTENTION, server=server, attempts=8)

    response = support.get(OPERATIONS)

    assert response.context["operations"] == [attention, failed, superseded, queued, done]
    page = response.content.decode()
    assert "quota exceeded" in page
    assert f'action="{OPERATIONS}{failed.pk}/retry/"' in page
    assert f'action="{OPERATIONS}{attention.pk}/retry/"' in page
    assert f'action="{OPERATIONS}{done.pk}/retry/"' not in page
    assert f'action="{OPERATIONS}{superseded.pk}/retry/"' not in page  # it would be refused
    assert f'href="/staff/orders/services/{service.pk}/"' in page


def test_filters_by_state_kind_and_server(support, shop, service, server):
    other = make_server(
        "proxmox", "http://127.0.0.1:8006", username="t", secret="s-2", name="pve-1", node="n"
    )
    suspend = operation(service, "suspend", State.FAILED, server=server)
    create = operation(service, "create", State.SUCCEEDED, server=other)

    assert support.get(OPERATIONS, {"state": "failed"}).context["operations"] == [suspend]
    assert support.get(OPERATIONS, {"kind": "create"}).context["operations"] == [create]
    assert support.get(OPERATIONS, {"server": other.pk}).context["operations"] == [create]
    assert support.get(OPERATIONS, {"state": "exploded"}).context["operations"] == []


@pytest.mark.parametrize("count", [1, 5])
@pytest.mark.parametrize(("query", "htmx"), [({}, False), ({"state": "failed"}, True)])
def test_the_list_runs_a_fixed_number_of_queries(
    support, shop, carol_customer, server, django_assert_num_queries, count, query, htmx
):
    for n in range(count):
        service = make_service(shop.plans["web-start"], carol_customer, domain=f"c{n}.ro", status="active")
        operation(service, "create", State.FAILED, server=server)
        operation(service, "suspend", State.SUCCEEDED)
    # 1 session, 2 user, 3 authenticators, 4 user permissions, 5 group permissions,
    # 6 the servers to filter by, 7 count, 8 the page of operations with services, plans, customers, servers
    with django_assert_num_queries(8):
        response = support.get(OPERATIONS, query, **(HTMX if htmx else {}))
    assert len(response.context["operations"]) == (count if query else 2 * count)


def test_the_second_page_costs_the_same(support, shop, carol_customer, server, django_assert_num_queries):
    service = make_service(shop.plans["web-start"], carol_customer, domain="c.ro", status="active")
    for _n in range(30):
        operation(service, "create", State.SUCCEEDED, server=server)
    with django_assert_num_queries(8):
        response = support.get(OPERATIONS, {"page": 2})
    assert len(response.context["operations"]) == 5


def test_retry_queues_it_again_and_comes_back(support, service, server):
    failed = operation(service, "unsuspend", State.FAILED, server=server, attempts=8, last_error="down")
    response = support.post(f"{OPERATIONS}{failed.pk}/retry/", follow=True)
    assert response.redirect_chain == [(OPERATIONS, 302)]
    assert f"Operation {failed.pk} tried again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (State.QUEUED, 0)


def test_retry_of_a_running_operation_is_refused(support, service, server):
    running = operation(service, "suspend", State.RUNNING, server=server, attempts=1)
    response = support.post(f"{OPERATIONS}{running.pk}/retry/", follow=True)
    assert (
        "Only a failed operation, or one that needs attention, can be tried again."
        in response.content.decode()
    )
    running.refresh_from_db()
    assert (running.state, running.attempts) == (State.RUNNING, 1)


def test_who_may_see_and_retry(client, staff_client, carol, sam_sales, service, server):
    failed = operation(service, "suspend", State.FAILED, server=server)
    assert client.get(OPERATIONS).status_code == 302  # to the login page
    client.force_login(carol)
    assert client.get(OPERATIONS).status_code == 404
    sales = staff_client(sam_sales)
    page = sales.get(OPERATIONS)
    assert page.status_code == 200
    assert "/retry/" not in page.content.decode()
    assert sales.post(f"{OPERATIONS}{failed.pk}/retry/").status_code == 403
    assert sales.post(f"{OPERATIONS}999999/retry/").status_code == 403
    failed.refresh_from_db()
    assert failed.state == State.FAILED
