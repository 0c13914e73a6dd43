"""Two (four) dunning runs at once, in real processes on PostgreSQL: each step is written once,
each reminder sent once, each service suspended once, and no run fails."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from praho.audit.models import AuditEvent
from praho.orders.models import Service, ServiceStatus
from praho.provisioning.models import SuspensionCause
from praho.recurring.models import DunningNotice, NoticeStatus
from praho.recurring.tests.dunning_support import (
    DUE,
    invoice_email,
    renewal_document,
    service,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: SQLite has no row locks and lets one writer at a time; "
    "set DATABASE_URL=postgres://... to run it.",
)

# Each worker: Django on the test database; after "go" it runs dunning on the given day and
# prints its summary and how many e-mails it sent (the locmem backend of the test settings).
WORKER = """
import json, sys
from datetime import date

import django
from django.conf import settings

settings.DATABASES["default"]["NAME"] = sys.argv[1]
django.setup()

from django.core import mail

from praho.recurring.services.dunning import run_dunning

on = date.fromisoformat(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
summary = run_dunning(on=on)
print(json.dumps({
    "reminders": summary.reminders,
    "suspended": summary.suspended,
    "errors": summary.errors,
    "sent": len(getattr(mail, "outbox", [])),
}), flush=True)
"""
WORKERS, DOCUMENTS = 4, 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_runs_at_once_do_each_step_once(shop, bill_billing, alice_admin, carol_customer):
    from datetime import timedelta

    from praho.core.tests.processes import run_together

    invoice_email(alice_admin, carol_customer)
    services = []
    for n in range(DOCUMENTS):
        pair = [
            service(shop, carol_customer),
            service(shop, carol_customer, plan="ssl-basic", domain=f"d{n}.ro"),
        ]
        renewal_document(bill_billing, carol_customer, pair)
        services += pair
    day = (DUE + timedelta(days=10)).isoformat()

    outcomes = [json.loads(out) for out in run_together(WORKER, [[day]] * WORKERS, timeout=240)]

    assert [outcome["errors"] for outcome in outcomes] == [[]] * WORKERS
    # +10: the +7 reminder is sent (the three before it skipped) and the services suspended
    assert sum(outcome["reminders"] for outcome in outcomes) == DOCUMENTS
    assert sum(outcome["sent"] for outcome in outcomes) == DOCUMENTS
    assert sum(outcome["suspended"] for outcome in outcomes) == 2 * DOCUMENTS
    assert DunningNotice.objects.count() == DOCUMENTS * 5
    assert DunningNotice.objects.filter(status=NoticeStatus.DONE).count() == DOCUMENTS * 2
    assert AuditEvent.objects.filter(action="recurring.dunning_suspended").count() == DOCUMENTS
    suspended = Service.objects.filter(pk__in=[s.pk for s in services], status=ServiceStatus.SUSPENDED)
    assert suspended.count() == 2 * DOCUMENTS
    assert {s.account.suspension_cause for s in suspended.select_related("account")} == {
        SuspensionCause.UNPAID
    }
