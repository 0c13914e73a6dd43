"""A create that failed stays listed with its "Try again" button after a later create made the
service; tried again once the service is active (or terminated), it would create the hosting on
the panel once more. It is refused with a message and nothing is queued; a create the service
still waits for (pending, or provisioning with steps left on the panel) is tried again as before."""

from __future__ import annotations

import pytest

from praho.orders.models import ServiceStatus
from praho.provisioning.models import Account, Operation, OperationKind, OperationState
from praho.testing.provisioning import make_server, make_service

pytestmark = pytest.mark.django_db

OPERATIONS = "/staff/provisioning/operations/"
State = OperationState


@pytest.fixture
def support(staff_client, sue_support):
    return staff_client(sue_support)


@pytest.fixture
def server(db):
    return make_server("virtualmin", "http://127.0.0.1:9", username="root", secret="s-1", name="vm-1")


def failed_create(shop, customer, server, *, status, state=State.FAILED):
    service = make_service(shop.plans["web-start"], customer, domain="carol.ro", status=status)
    Account.objects.create(service=service, server=server, username=f"carol{service.pk}")
    return Operation.objects.create(
        service=service, server=server, kind=OperationKind.CREATE, state=state, attempts=1,
        idempotency_key=f"{service.pk}:create:1", last_error="No active server takes the plan",
    )  # fmt: skip


@pytest.mark.parametrize("status", [ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED, ServiceStatus.TERMINATED])
def test_a_create_no_longer_needed_is_not_tried_again(support, shop, carol_customer, server, status):
    stale = failed_create(shop, carol_customer, server, status=status)

    response = support.post(f"{OPERATIONS}{stale.pk}/retry/", follow=True)

    label = str(ServiceStatus(status).label).lower()
    assert f"The service is {label}: this operation is no longer needed." in response.content.decode()
    stale.refresh_from_db()
    assert (stale.state, stale.attempts) == (State.FAILED, 1)
    assert Operation.objects.filter(service=stale.service).count() == 1
    stale.service.refresh_from_db()
    assert stale.service.status == status


def test_a_create_left_half_done_on_the_panel_is_still_tried_again(support, shop, carol_customer, server):
    waiting = failed_create(
        shop, carol_customer, server, status=ServiceStatus.PROVISIONING, state=State.NEEDS_ATTENTION
    )

    response = support.post(f"{OPERATIONS}{waiting.pk}/retry/", follow=True)

    assert f"Operation {waiting.pk} tried again." in response.content.decode()
    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts) == (State.QUEUED, 0)


def test_a_failed_suspend_is_not_run_again_once_the_service_is_active_again(
    shop, carol_customer, alice_admin
):
    """Staff resumed the service meanwhile: suspending it on the panel now would disable an
    account PRAHO calls active."""
    from django.core.exceptions import ValidationError

    from praho.provisioning.models import Operation, OperationState
    from praho.provisioning.services import actions
    from praho.testing.provisioning import make_service

    service = make_service(shop.plans["web-start"], carol_customer, domain="carol.ro", status="active")
    failed = Operation.objects.create(
        service=service, kind="suspend", state=OperationState.FAILED, idempotency_key="x:suspend:1"
    )
    with pytest.raises(ValidationError, match="no longer needed"):
        actions.retry(operation_id=failed.pk, actor=alice_admin)
    failed.refresh_from_db()
    assert failed.state == OperationState.FAILED
