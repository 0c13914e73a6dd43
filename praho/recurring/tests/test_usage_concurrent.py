"""Two billing runs recording the same usage at once, on PostgreSQL: each computes the same
pending charges, one records them and commits, the other waits on the unique index, then fails
with an IntegrityError and its whole transaction rolls back; nothing is billed twice."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from praho.billing.models import Document
from praho.recurring.models import BilledSample, UsageCharge
from praho.recurring.services.usage import pending_usage, record_usage
from praho.recurring.tests.usage_fixtures import (  # noqa: F401 (fixtures)
    billing_ready,
    daily,
    metered,
    renewal_document,
    service,
    shop,
    vps,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite lets one writer at a time; set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_runs_at_once_bill_the_usage_once(carol_customer, vps, renewal_document):
    metered(vps, "vm_hours", unit_price=Decimal("1"))
    metered(vps, "bandwidth_gb", unit_price=Decimal("1"))
    svc = service(carol_customer, vps, anchor=date(2027, 1, 1))
    daily(svc, date(2027, 1, 1), date(2027, 1, 31), bandwidth_per_day=1024)
    computed = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            with transaction.atomic():
                pending = pending_usage([svc], on=date(2027, 2, 1))[svc.pk]
                computed.wait(timeout=10)  # both saw nothing billed yet
                Document.objects.filter(pk=renewal_document.pk).update(notes="")  # the run's own writes
                record_usage(pending=pending, document=renewal_document)
            outcomes.append("billed")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["billed", "refused"]
    assert UsageCharge.objects.count() == 2
    assert BilledSample.objects.count() == 62
