"""The database side of one operation: a create is 9 statements (claim: 2; the end: the service,
the account, the operation and the audit chain's 4; on PostgreSQL the chain's advisory lock is one
more), a suspend 4, whatever the panel. In a test each of the two transactions adds a savepoint
and its release (4 more)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from praho.orders.models import ServiceStatus
from praho.provisioning.services import actions, runner
from praho.testing.fakes.virtualmin import FakeVirtualmin
from praho.testing.provisioning import make_server, make_service

SAVEPOINTS = 4


@pytest.fixture
def panel() -> Iterator[FakeVirtualmin]:
    with FakeVirtualmin() as fake:
        yield fake


def test_one_operation_costs_a_fixed_number_of_queries(
    shop, carol_customer, alice_admin, panel, django_capture_on_commit_callbacks, django_assert_num_queries
):
    make_server("virtualmin", panel.url, username="root", secret="virtualmin-secret")
    service = make_service(shop.plans["web-start"], carol_customer, domain="queries.ro")
    with django_capture_on_commit_callbacks(execute=False):  # run below, counted
        create = actions.create(service_id=service.pk, actor=alice_admin)
        assert create is not None
    chain_lock = 1 if connection.vendor == "postgresql" else 0
    with (
        django_assert_num_queries(9 + chain_lock + SAVEPOINTS),
        django_capture_on_commit_callbacks(execute=False),
    ):
        assert runner.run(create.pk) == "succeeded"
    service.refresh_from_db()
    assert service.status == ServiceStatus.ACTIVE

    with django_capture_on_commit_callbacks(execute=False):
        [suspend] = actions.suspend(service_id=service.pk, actor=alice_admin, reason="abuse")
    with django_assert_num_queries(4 + SAVEPOINTS):
        assert runner.run(suspend.pk) == "succeeded"
    assert panel.domain("queries.ro").disabled
