"""A web-start service (Virtualmin package "start") through PRAHO's own actions, operations, runner
and Celery task (eager, after commit) against FakeVirtualmin: the account the panel ends up with,
the service's status, the operation's state and the audit trail, on the good paths and when the
panel fails (503, an unknown plan, an answer lost after the server was made)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from praho.audit.models import AuditEvent
from praho.catalog.models import Plan
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import Account, Operation, OperationKind, OperationState, Server
from praho.provisioning.secrets import unseal_password
from praho.provisioning.services import actions, runner
from praho.testing.fakes import HANG_UP_AFTER, SLOW, UNAVAILABLE
from praho.testing.fakes.virtualmin import FakeVirtualmin
from praho.testing.provisioning import make_server, make_service
from praho.testing.shop import Shop

SECRET = "virtualmin-secret"
DOMAIN = "carol-shop.ro"
Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def fake() -> Iterator[FakeVirtualmin]:
    with FakeVirtualmin() as fake:
        yield fake


@pytest.fixture
def server(db: None, fake: FakeVirtualmin) -> Server:
    return make_server("virtualmin", fake.url, username="root", secret=SECRET)


@pytest.fixture
def service(shop: Shop, carol_customer: Any, server: Server) -> Service:
    return make_service(shop.plans["web-start"], carol_customer, domain=DOMAIN)


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks: Capture) -> Callable[..., Any]:
    """Call an action and run what it queued after commit (the Celery task, eagerly)."""

    def run(action: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


@pytest.fixture
def active(service: Service, alice_admin: Any, run_after_commit: Callable[..., Any]) -> Service:
    run_after_commit(actions.create, service_id=service.pk, actor=alice_admin)
    service.refresh_from_db()
    assert service.status == ServiceStatus.ACTIVE
    return service


def last(service: Service, kind: str) -> Operation:
    return Operation.objects.filter(service=service, kind=kind).latest("id")


def events(service: Service, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(service.pk)))


# --- the good paths ---------------------------------------------------------------------------


def test_create_makes_one_server_and_activates_the_service(
    fake: FakeVirtualmin, service: Service, alice_admin: Any, run_after_commit: Callable[..., Any]
) -> None:
    operation = run_after_commit(actions.create, service_id=service.pk, actor=alice_admin)
    operation.refresh_from_db()
    service.refresh_from_db()
    account = Account.objects.get(service=service)
    assert operation.state == OperationState.SUCCEEDED
    assert operation.attempts == 1
    assert service.status == ServiceStatus.ACTIVE
    assert list(fake.domains) == [DOMAIN]
    domain = fake.domains[DOMAIN]
    assert account.external_id == domain.id
    assert account.username == domain.user == f"carolsho{service.pk}"
    assert domain.plan == "start"
    assert domain.password == unseal_password(account.password_sealed)
    assert operation.steps == [{"name": "create-domain", "data": domain.id}]
    assert events(service, "provisioning.service_active")


def test_suspend_and_unsuspend_reach_the_panel(
    fake: FakeVirtualmin, active: Service, alice_admin: Any, run_after_commit: Callable[..., Any]
) -> None:
    run_after_commit(actions.suspend, service_id=active.pk, actor=alice_admin, reason="Unpaid invoice")
    active.refresh_from_db()
    assert active.status == ServiceStatus.SUSPENDED
    assert last(active, OperationKind.SUSPEND).state == OperationState.SUCCEEDED
    assert fake.domains[DOMAIN].disabled_why == "Unpaid invoice"

    run_after_commit(actions.unsuspend, service_id=active.pk, actor=alice_admin)
    active.refresh_from_db()
    assert active.status == ServiceStatus.ACTIVE
    assert last(active, OperationKind.UNSUSPEND).state == OperationState.SUCCEEDED
    assert not fake.domains[DOMAIN].disabled


def test_change_plan_applies_the_new_package(
    fake: FakeVirtualmin, shop: Shop, active: Service, alice_admin: Any, run_after_commit: Callable[..., Any]
) -> None:
    pro = Plan.objects.create(
        code="web-pro",
        group=shop.groups["hosting"],
        name_en="Web Pro",
        name_ro="Web Pro RO",
        module="virtualmin",
        module_params={"package": "pro"},
        requires_domain=True,
    )
    run_after_commit(actions.change_plan, service_id=active.pk, actor=alice_admin, plan=pro)
    active.refresh_from_db()
    assert last(active, OperationKind.CHANGE_PACKAGE).state == OperationState.SUCCEEDED
    assert active.plan_id == pro.pk
    assert fake.domains[DOMAIN].plan == "pro"


def test_reset_password_sets_the_new_one_on_the_panel_and_the_account(
    fake: FakeVirtualmin, active: Service, alice_admin: Any, run_after_commit: Callable[..., Any]
) -> None:
    before = unseal_password(Account.objects.get(service=active).password_sealed)
    operation = run_after_commit(actions.reset_password, service_id=active.pk, actor=alice_admin)
    operation.refresh_from_db()
    after = unseal_password(Account.objects.get(service=active).password_sealed)
    assert operation.state == OperationState.SUCCEEDED
    assert after != before
    assert fake.domains[DOMAIN].password == after
    assert "password_sealed" not in operation.params  # the sealed password moved to the account


def test_terminate_removes_the_server(
    fake: FakeVirtualmin, active: Service, alice_admin: Any, run_after_commit: Callable[..., Any]
) -> None:
    run_after_commit(actions.terminate, service_id=active.pk, actor=alice_admin, reason="Closed")
    active.refresh_from_db()
    assert active.status == ServiceStatus.TERMINATED
    assert last(active, OperationKind.TERMINATE).state == OperationState.SUCCEEDED
    assert fake.domains == {}


# --- failures ---------------------------------------------------------------------------------


def test_a_503_queues_the_create_again_and_it_succeeds_later(
    fake: FakeVirtualmin,
    service: Service,
    alice_admin: Any,
    run_after_commit: Callable[..., Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    fake.fail_next("remote.cgi", UNAVAILABLE)
    operation = run_after_commit(actions.create, service_id=service.pk, actor=alice_admin)
    operation.refresh_from_db()
    service.refresh_from_db()
    assert operation.state == OperationState.QUEUED
    assert operation.next_attempt_at is not None
    assert "503" in operation.last_error
    assert service.status == ServiceStatus.PROVISIONING
    assert fake.domains == {}
    assert runner.run(operation.pk) == "skipped"  # not yet due

    due = operation.next_attempt_at + timedelta(seconds=1)
    with time_machine.travel(due), django_capture_on_commit_callbacks(execute=True):
        assert runner.run(operation.pk) == OperationState.SUCCEEDED
    operation.refresh_from_db()
    service.refresh_from_db()
    assert operation.attempts == 2
    assert operation.last_error == ""
    assert service.status == ServiceStatus.ACTIVE
    assert list(fake.domains) == [DOMAIN]


def test_an_unknown_package_fails_the_create_for_good(
    fake: FakeVirtualmin, shop: Shop, service: Service, alice_admin: Any, run_after_commit: Callable[..., Any]
) -> None:
    Plan.objects.filter(pk=shop.plans["web-start"].pk).update(module_params={"package": "gold"})
    operation = run_after_commit(actions.create, service_id=service.pk, actor=alice_admin)
    operation.refresh_from_db()
    service.refresh_from_db()
    assert operation.state == OperationState.FAILED
    assert operation.attempts == 1
    assert "Unknown plan name" in operation.last_error
    assert service.status == ServiceStatus.PENDING  # staff may try again
    assert fake.domains == {}
    (alert,) = events(service, "provisioning.operation_failed")
    assert "Unknown plan name" in alert.data["error"]
    assert SECRET not in operation.last_error


def test_a_lost_answer_after_create_is_retried_into_one_server(
    fake: FakeVirtualmin,
    service: Service,
    alice_admin: Any,
    run_after_commit: Callable[..., Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    fake.fail_next("create-domain", HANG_UP_AFTER)
    operation = run_after_commit(actions.create, service_id=service.pk, actor=alice_admin)
    operation.refresh_from_db()
    assert operation.state == OperationState.QUEUED
    assert operation.steps == []
    assert list(fake.domains) == [DOMAIN]  # made, but the answer was lost

    earlier = operation.next_attempt_at - timedelta(hours=1)  # its time has come
    Operation.objects.filter(pk=operation.pk).update(next_attempt_at=earlier)
    with django_capture_on_commit_callbacks(execute=True):
        assert runner.run(operation.pk) == OperationState.SUCCEEDED
    service.refresh_from_db()
    account = Account.objects.get(service=service)
    assert service.status == ServiceStatus.ACTIVE
    assert len(fake.domains) == 1
    assert len(fake.calls_of("create-domain")) == 1
    assert account.external_id == fake.domains[DOMAIN].id


def test_a_create_answered_too_late_is_retried_into_one_server(
    fake: FakeVirtualmin,
    service: Service,
    alice_admin: Any,
    settings: Any,
    run_after_commit: Callable[..., Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    settings.PROVISIONING_HTTP_TIMEOUT = 0.5
    fake.delay = 1.0
    fake.fail_next("create-domain", SLOW)
    operation = run_after_commit(actions.create, service_id=service.pk, actor=alice_admin)
    operation.refresh_from_db()
    assert operation.state == OperationState.QUEUED
    assert "no answer in time" in operation.last_error
    assert list(fake.domains) == [DOMAIN]  # the panel finished after PRAHO stopped waiting

    due = operation.next_attempt_at + timedelta(seconds=1)
    with time_machine.travel(due), django_capture_on_commit_callbacks(execute=True):
        assert runner.run(operation.pk) == OperationState.SUCCEEDED
    service.refresh_from_db()
    assert service.status == ServiceStatus.ACTIVE
    assert len(fake.domains) == 1
    assert len(fake.calls_of("create-domain")) == 1
