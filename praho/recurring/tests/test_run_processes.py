"""Billing runs as separate processes on PostgreSQL: two at once bill every period once, and a
run killed between two of its transactions is finished by the next one, nothing billed twice.

PostgreSQL only: the runs are other processes and read the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction

from praho.billing.models import Document
from praho.core.validation import fiscal_today
from praho.customers.models import Customer
from praho.customers.services.customers import create_customer
from praho.efactura.tests.test_efactura_worker import shared_database  # noqa: F401 (a fixture)
from praho.recurring.models import BillingRun, Renewal, RunStatus
from praho.recurring.services.runs import run_billing
from praho.recurring.tests.conftest import renewing_service
from praho.testing.servers import ROOT, environment, tail

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT_SECONDS = 120
ADDRESS = {"street": "Str. Lungă 10", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"}


def customers_with_services(shop, alice_admin, count: int, *, per_customer: int = 3) -> list[Customer]:
    """`count` customers, each with `per_customer` monthly services due in 5 days."""
    due = fiscal_today() + timedelta(days=5)
    started = date(due.year - (due.month == 1), (due.month - 2) % 12 + 1, min(due.day, 28))
    customers = []
    for n in range(count):
        customer = create_customer(
            actor=alice_admin, kind="individual", name=f"Client {n}", country="RO", address=ADDRESS
        )
        for _ in range(per_customer):
            renewing_service(shop, customer, started=started, next_due_date=due)
        customers.append(customer)
    return customers


def billing_run(log: Path, **env: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "billing_run"],
            cwd=ROOT,
            env=environment(os.environ, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def finish(process: subprocess.Popen[bytes], log: Path) -> None:
    assert process.wait(timeout=WAIT_SECONDS) == 0, tail(log)


def assert_billed_once(services: int) -> None:
    live = Counter(Renewal.objects.exclude(status="void").values_list("service_id", "period_number"))
    assert len(live) == services
    assert set(live.values()) == {1}
    sequences = sorted(Document.objects.values_list("sequence", flat=True))
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))  # no gap, no repeat


def test_two_runs_at_once_bill_every_period_once(shop, alice_admin, shared_database, tmp_path):
    customers_with_services(shop, alice_admin, 24)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    runs = [billing_run(log, RECURRING_RUN_CHUNK="5") for log in logs]
    for process, log in zip(runs, logs, strict=True):
        finish(process, log)

    assert_billed_once(72)
    assert Document.objects.count() == 24
    summaries = list(BillingRun.objects.values_list("status", "documents", "services", "errors"))
    assert [summary[0] for summary in summaries] == [RunStatus.COMPLETED] * 2
    assert sum(summary[1] for summary in summaries) == 24
    assert sum(summary[2] for summary in summaries) == 72
    assert all(summary[3] == [] for summary in summaries)


def test_a_run_killed_between_documents_is_finished_by_the_next_run(
    shop, alice_admin, shared_database, tmp_path
):
    customers = customers_with_services(shop, alice_admin, 20)
    log = tmp_path / "killed.log"
    blocked = customers[12]  # in the third transaction of 5 customers
    with transaction.atomic():
        # Another session holds the customer, as a payment being recorded would: the run waits there.
        list(Customer.objects.select_for_update().filter(pk=blocked.pk))
        process = billing_run(log, RECURRING_RUN_CHUNK="5")
        deadline = time.monotonic() + WAIT_SECONDS
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT count(*) FROM billing_document")
                if cursor.fetchone()[0] >= 10:
                    break
                assert process.poll() is None, tail(log)
                assert time.monotonic() < deadline, tail(log)
                time.sleep(0.1)
        time.sleep(0.5)  # it is waiting for the customer now, inside its third transaction
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=WAIT_SECONDS)
    assert Document.objects.count() == 10  # two transactions committed; the third died with the run
    (killed,) = BillingRun.objects.all()
    assert killed.status == RunStatus.RUNNING  # it never finished

    finished = run_billing(on=fiscal_today())

    assert (finished.documents, finished.services, finished.errors) == (10, 30, [])
    assert_billed_once(60)
    assert Document.objects.count() == 20
