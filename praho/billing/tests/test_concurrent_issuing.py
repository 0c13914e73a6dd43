"""Many API clients invoicing one customer at once, on PostgreSQL, in real processes.

Recurring billing and integrators run exactly this: each client creates a draft invoice for
the same customer and issues it. Every request must succeed (no deadlock reaches a client as a
500) and the numbers must be gap-free (issue 11, item 1).
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from praho.audit.integrity import verify_chain
from praho.billing.models import Document, DocumentStatus
from praho.core.tests.processes import run_together

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: SQLite has no row locks and lets one writer at a time; "
    "set DATABASE_URL=postgres://... to run it.",
)

# Run by each worker process: Django with the test settings on the test database, a JWT of the
# billing user; after "go" it creates and issues `rounds` invoices through the API and prints
# the status codes it got and the numbers it was given.
WORKER = """
import json, sys

import django
from django.conf import settings

database, user_id, customer_id, rounds = sys.argv[1], *map(int, sys.argv[2:5])
settings.DATABASES["default"]["NAME"] = database
settings.ALLOWED_HOSTS = ["testserver"]
django.setup()

from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from praho.accounts.models import User

token = RefreshToken.for_user(User.objects.get(pk=user_id)).access_token
client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
line = {"description": "Web hosting", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}
print("ready", flush=True)
sys.stdin.readline()
statuses, numbers = [], []
for _ in range(rounds):
    created = client.post(
        "/api/v1/invoices/", {"customer": customer_id, "lines": [line]}, content_type="application/json"
    )
    statuses.append(created.status_code)
    if created.status_code != 201:
        continue
    issued = client.post(f"/api/v1/invoices/{created.json()['id']}/issue/")
    statuses.append(issued.status_code)
    if issued.status_code == 200:
        numbers.append(issued.json()["number"])
print(json.dumps({"statuses": statuses, "numbers": numbers}), flush=True)
"""
WORKERS, ROUNDS = 8, 15


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_clients_invoicing_one_customer_get_gap_free_numbers_and_no_error(
    billing_ready, bill_billing, carol_customer
):
    # Fixtures of a transactional test are committed: the workers see them.
    arguments = [[bill_billing.pk, carol_customer.pk, ROUNDS]] * WORKERS
    outcomes = [json.loads(out) for out in run_together(WORKER, arguments, timeout=240)]
    statuses = [status for outcome in outcomes for status in outcome["statuses"]]
    assert sorted(set(statuses)) == [200, 201]
    assert len(statuses) == 2 * WORKERS * ROUNDS
    numbers = sorted(number for outcome in outcomes for number in outcome["numbers"])
    issued = Document.objects.filter(status=DocumentStatus.ISSUED).order_by("sequence")
    year = issued.first().issue_date.year
    assert numbers == [f"PRH-{year}-{n:06d}" for n in range(1, WORKERS * ROUNDS + 1)]
    assert list(issued.values_list("number", flat=True)) == numbers
    assert verify_chain().intact
