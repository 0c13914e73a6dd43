"""The service lifecycle table: every move it lists is allowed, every other refused with a message
naming both statuses and nothing written; moves are audited; and no code but lifecycle.move sets a
service's status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from praho.audit.models import AuditEvent
from praho.orders.models import ServiceStatus
from praho.provisioning import lifecycle
from praho.testing.provisioning import make_service

Status = ServiceStatus
PAIRS = [(a, b) for a in Status.values for b in Status.values if a != b]


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_the_table_decides_every_move(shop, carol_customer, alice_admin, before, after):
    service = make_service(shop.plans["web-start"], carol_customer, domain="carol.ro", status=before)
    if after in lifecycle.TRANSITIONS[before]:
        lifecycle.move(service, after, actor=alice_admin, cause="test")
        service.refresh_from_db()
        assert service.status == after
        event = AuditEvent.objects.get(action=f"provisioning.service_{after}")
        assert (event.data["from"], event.data["cause"]) == (before, "test")
        assert event.actor_id == alice_admin.pk
    else:
        with pytest.raises(lifecycle.IllegalTransitionError) as refused:
            lifecycle.move(service, after, actor=alice_admin, cause="test")
        message = refused.value.messages[0]
        assert str(Status(before).label).lower() in message
        assert str(Status(after).label).lower() in message
        service.refresh_from_db()
        assert service.status == before
        assert not AuditEvent.objects.filter(action__startswith="provisioning.").exists()


def test_final_statuses_say_so(shop, carol_customer):
    service = make_service(shop.plans["web-start"], carol_customer, status=Status.TERMINATED)
    with pytest.raises(lifecycle.IllegalTransitionError, match="final"):
        lifecycle.move(service, Status.ACTIVE, actor=None, cause="test")


def test_every_status_has_a_row():
    assert set(lifecycle.TRANSITIONS) == set(Status.values)
    for onward in lifecycle.TRANSITIONS.values():
        assert onward <= set(Status.values)


# Setting a status in code: `status=ServiceStatus.X` / `.status = Status.X` outside a filter.
SETS_STATUS = re.compile(r"(\.status\s*=\s*(Service)?Status\.)|(update\([^)]*status\s*=)")


def test_only_the_lifecycle_sets_a_service_status():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if "/tests/" in relative or "/migrations/" in relative or relative.startswith(("testing/", "e2e/")):
            continue
        text = path.read_text()
        if "Service" not in text:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if SETS_STATUS.search(line) and "Order" not in line and "Document" not in line:
                offenders.append(f"{relative}:{number}: {line.strip()}")
    allowed = {"provisioning/lifecycle.py"}
    assert [o for o in offenders if o.split(":")[0] not in allowed] == []
