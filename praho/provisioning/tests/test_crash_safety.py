"""Crash safety with a real worker: a `celery worker` process is killed (SIGKILL) while a create
waits on a slow Virtualmin that has already created the account; after a new worker starts, the
sweeper finds the operation past its lease, the new worker resumes it, looks the account up
instead of creating it again, and the service is active with exactly one account on the panel.

PostgreSQL only: the worker is another process and reads the test database."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from praho.celery import app
from praho.core.tests.test_tasks import app_using, worker
from praho.efactura.tests.test_efactura_worker import _route, shared_database  # noqa: F401 (a fixture)
from praho.orders.models import ServiceStatus
from praho.provisioning.models import Operation, OperationState
from praho.provisioning.services import actions, runner
from praho.testing.fakes.service import SLOW
from praho.testing.fakes.virtualmin import FakeVirtualmin
from praho.testing.provisioning import make_server, make_service

LEASE_SECONDS = 3
WAIT_SECONDS = 60
TASKS = ("provisioning.run_operation", "provisioning.sweep")


@pytest.fixture
def panel() -> Iterator[FakeVirtualmin]:
    fake = FakeVirtualmin()
    fake.delay = 30  # the create's answer comes long after the worker is killed
    with fake:
        yield fake


@pytest.fixture
def worker_environment(monkeypatch: pytest.MonkeyPatch, settings, shared_database) -> None:
    """What the worker processes read: the sealing key, a short lease, a patient HTTP client."""
    monkeypatch.setenv("PROVISIONING_SECRET_KEY", settings.PROVISIONING_SECRET_KEY)
    monkeypatch.setenv("PROVISIONING_LEASE_SECONDS", str(LEASE_SECONDS))
    monkeypatch.setenv("PROVISIONING_HTTP_TIMEOUT", "60")
    settings.PROVISIONING_LEASE_SECONDS = LEASE_SECONDS


@pytest.fixture
def queue(redis_url: str) -> Iterator[str]:
    name = f"praho-test-{uuid.uuid4().hex[:12]}"
    saved_routes = app.conf.task_routes
    with app_using(redis_url):
        _route({task: {"queue": name} for task in TASKS})
        try:
            yield name
        finally:
            _route(saved_routes)
    redis.Redis.from_url(redis_url).delete(name, f"_kombu.binding.{name}")


def _wait_for(ready: Callable[[], bool], log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {WAIT_SECONDS} s\n{log.read_text()}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_create_leaves_exactly_one_account(
    shop, carol_customer, alice_admin, panel, worker_environment, queue, redis_url, tmp_path
):
    make_server("virtualmin", panel.url, username="root", secret="virtualmin-secret")
    service = make_service(shop.plans["web-start"], carol_customer, domain="crash-test.ro")
    panel.fail_next("create-domain", SLOW)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    with worker(redis_url, queue, first_log) as first:
        operation = actions.create(service_id=service.pk, actor=alice_admin)  # committed: sent
        assert operation is not None
        _wait_for(lambda: panel.domain("crash-test.ro") is not None, first_log, "the panel's create")
        os.kill(first.pid, signal.SIGKILL)  # mid-operation: the panel has it, PRAHO does not know
        first.wait(timeout=10)

    operation.refresh_from_db()
    assert (operation.state, operation.attempts) == (OperationState.RUNNING, 1)
    service.refresh_from_db()
    assert service.status == ServiceStatus.PROVISIONING

    with worker(redis_url, queue, second_log) as second:
        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
        assert runner.sweep() == 1  # sends it again, through the broker, to the new worker
        _wait_for(
            lambda: Operation.objects.get(pk=operation.pk).state == OperationState.SUCCEEDED,
            second_log,
            "the resumed operation",
        )
        assert second.poll() is None, second_log.read_text()

    service.refresh_from_db()
    operation.refresh_from_db()
    assert service.status == ServiceStatus.ACTIVE
    assert operation.attempts == 2
    assert service.account.external_id  # found by its name on the panel
    assert len(panel.calls_of("create-domain")) == 1  # never created twice
    assert [domain.name for domain in panel.domains.values()] == ["crash-test.ro"]
