"""The e-Factura Celery tasks (run eagerly in tests) against the local ANAF: the periodic intake
of newly issued documents, the periodic follow-up of pending ones and the staff trigger."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.billing.services.drafts import create_document
from praho.celery import app
from praho.core.request_id import RequestIDLogFilter
from praho.core.validation import FISCAL_TIME_ZONE
from praho.efactura import submissions, tasks
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    HOSTING,
    credited,
    issued_invoice,
    require_validation_artifacts,
    start_billing,
)
from praho.testing.api import bearer
from praho.testing.fakes import HANG_UP_AFTER

State = SubmissionState
INTEGRATOR_REQUEST = "integrator-7f3c2a9e51"
MONDAY_MORNING = datetime(2026, 3, 9, 10, 0, tzinfo=FISCAL_TIME_ZONE)


@pytest.fixture
def billing(db):
    require_validation_artifacts()
    return start_billing()


def states() -> dict[str, str]:
    return dict(Submission.objects.values_list("document__number", "state"))


def test_newly_issued_documents_are_found_in_one_query(billing, django_assert_num_queries):
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))
    note = credited(billing, invoice)
    submissions.submission_for(document=invoice)

    with django_assert_num_queries(1):  # the documents WHERE NOT EXISTS (their submission)
        found = list(submissions.documents_without_submission())

    assert found == [note]


def test_submit_new_takes_in_validates_and_uploads_every_issued_invoice_and_credit_note(
    billing, anaf_connected, fake_anaf_efactura
):
    with time_machine.travel(MONDAY_MORNING):
        invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))
        note = credited(billing, invoice)

    assert tasks.submit_new.delay().get() == 2
    assert tasks.submit_new.delay().get() == 0  # run again: nothing new, nothing sent twice

    assert states() == {invoice.number: State.UPLOADED, note.number: State.UPLOADED}
    assert len(fake_anaf_efactura.requests_to("upload")) == 2
    # issued on Monday 9 March 2026: ANAF must have it by the 5th working day after, Monday 16 March
    assert invoice.issue_date == date(2026, 3, 9)
    assert Submission.objects.get(document=invoice).deadline == date(2026, 3, 16)


def test_poll_pending_follows_due_submissions_to_their_verdict(billing, anaf_connected, fake_anaf_efactura):
    fake_anaf_efactura.decide("ok", polls=1)
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))
    tasks.submit_new.delay()

    assert tasks.poll_pending.delay().get() == 0  # the first look is due a minute after the upload
    assert fake_anaf_efactura.requests_to("stareMesaj") == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.poll_pending.delay().get() == 1
        assert states() == {invoice.number: State.PROCESSING}
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert tasks.poll_pending.delay().get() == 1

    submission = Submission.objects.get(document=invoice)
    assert submission.state == State.ACCEPTED
    assert bytes(submission.answer).startswith(b"PK")


def test_poll_pending_resolves_an_unknown_upload_without_sending_it_again(
    billing, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.fail_next("upload", HANG_UP_AFTER)
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))
    tasks.submit_new.delay()
    assert states() == {invoice.number: State.UNKNOWN}
    (index,) = fake_anaf_efactura.uploads
    fake_anaf_efactura.finish(index)

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert tasks.submit_new.delay().get() == 0  # unknown is never picked up for an upload
        assert tasks.poll_pending.delay().get() == 1

    assert states() == {invoice.number: State.ACCEPTED}
    assert len(fake_anaf_efactura.requests_to("upload")) == 1


def test_one_submission_anaf_s_answers_cannot_be_used_for_does_not_stop_the_others(
    billing, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.decide("ok", polls=1)
    broken = issued_invoice(billing, "ro_company", (HOSTING,))
    fine = issued_invoice(billing, "ro_company", (DOMAIN,))
    tasks.submit_new.delay()
    Submission.objects.filter(document=broken).update(upload_index="lost-in-a-restore")

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.poll_pending.delay().get() == 2

    assert states() == {broken.number: State.UPLOADED, fine.number: State.PROCESSING}
    waiting = Submission.objects.get(document=broken)
    assert "lost-in-a-restore" in waiting.last_error
    assert waiting.attempts == 1
    assert waiting.next_attempt_at > timezone.now() + timedelta(minutes=2)


def test_documents_issued_before_the_start_date_are_not_taken_in(
    billing, anaf_connected, fake_anaf_efactura, settings
):
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))
    settings.EFACTURA_START_DATE = invoice.issue_date + timedelta(days=1)

    assert tasks.submit_new.delay().get() == 0
    assert submissions.submit_issued(document_ids=[invoice.pk]) == 0
    assert not Submission.objects.exists()
    assert fake_anaf_efactura.requests_to("upload") == []

    settings.EFACTURA_START_DATE = invoice.issue_date
    assert tasks.submit_new.delay().get() == 1
    assert states() == {invoice.number: State.UPLOADED}


def load_settings(**environment: str) -> subprocess.CompletedProcess[str]:
    """praho.settings.base loaded in a fresh interpreter with these environment variables."""
    code = "import praho.settings.base as s; print(repr(s.EFACTURA_START_DATE))"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **environment},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_start_date_that_is_not_a_date_stops_the_start_naming_the_setting():
    loaded = load_settings(EFACTURA_START_DATE="1.1.2026")

    assert loaded.returncode != 0
    assert "ImproperlyConfigured: EFACTURA_START_DATE must be an ISO date" in loaded.stderr


@pytest.mark.parametrize(
    ("value", "parsed"), [(" 2026-12-01 ", "datetime.date(2026, 12, 1)"), ("  ", "None")]
)
def test_the_start_date_is_parsed_when_the_settings_load(value, parsed):
    loaded = load_settings(EFACTURA_START_DATE=value)

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == parsed


def test_a_grace_period_under_an_hour_stops_the_start():
    loaded = load_settings(EFACTURA_UNKNOWN_GRACE_MINUTES="30")

    assert loaded.returncode != 0
    assert "EFACTURA_UNKNOWN_GRACE_MINUTES must be at least 60, not 30" in loaded.stderr


def test_without_an_anaf_connection_the_tasks_validate_but_send_nothing_and_say_why(
    billing, fake_anaf_efactura
):
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))

    tasks.submit_new.delay()

    submission = Submission.objects.get(document=invoice)
    assert submission.state == State.VALIDATED
    assert "not connected to ANAF" in submission.last_error
    assert fake_anaf_efactura.received == []


def test_the_staff_trigger_runs_after_commit_as_the_staff_member(
    billing, anaf_connected, fake_anaf_efactura, bill_billing, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = submissions.submit(document=invoice, actor=bill_billing)
    assert submission.state == State.NOT_SUBMITTED  # nothing sent inside the staff request
    assert fake_anaf_efactura.requests_to("upload") == []
    for callback in callbacks:
        callback()

    submission.refresh_from_db()
    assert submission.state == State.UPLOADED
    events = AuditEvent.objects.filter(object_type="efactura.submission").order_by("id")
    assert [(e.action, e.actor) for e in events] == [
        ("efactura.submit_requested", bill_billing),
        ("efactura.validated", bill_billing),
        ("efactura.upload_sent", bill_billing),
        ("efactura.uploaded", bill_billing),
    ]


def test_the_tasks_are_registered_and_scheduled():
    for name in ("efactura.submit_new", "efactura.poll_pending", "efactura.submit_one"):
        assert name in app.tasks
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["efactura.submit_new"]["task"] == "efactura.submit_new"
    assert schedule["efactura.poll_pending"]["task"] == "efactura.poll_pending"


def test_issuing_submits_at_once_after_commit_and_not_before(
    billing, anaf_connected, fake_anaf_efactura, settings, django_capture_on_commit_callbacks
):
    settings.EFACTURA_SUBMIT_ON_ISSUE = True

    with django_capture_on_commit_callbacks(execute=False) as pending:
        invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))
    assert not Submission.objects.exists()  # nothing is sent for a transaction that may roll back
    for callback in pending:  # the issuing transaction commits
        callback()

    assert states() == {invoice.number: State.UPLOADED}
    assert len(fake_anaf_efactura.requests_to("upload")) == 1
    assert tasks.submit_new.delay().get() == 0  # the periodic intake finds nothing left to send


def test_issuing_leaves_submission_to_the_periodic_intake_when_the_setting_is_off(
    billing, anaf_connected, fake_anaf_efactura, settings, django_capture_on_commit_callbacks
):
    settings.EFACTURA_SUBMIT_ON_ISSUE = False

    with django_capture_on_commit_callbacks(execute=True):
        issued_invoice(billing, "ro_company", (HOSTING, DOMAIN))

    assert not Submission.objects.exists()
    assert fake_anaf_efactura.requests_to("upload") == []


# --- one request ID from the API call to ANAF ------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_api_call_the_task_it_enqueues_and_the_calls_to_anaf_share_its_request_id(
    settings, anaf_connected, fake_anaf_efactura, bill_billing, caplog
):
    """In-process (no broker): issuing through the API submits the invoice in the
    efactura.submit_issued task once the issue commits; what the task does is recorded under
    the API call's request ID, as in a worker (praho/core/tests/test_task_request_ids.py)."""
    require_validation_artifacts()
    settings.EFACTURA_SUBMIT_ON_ISSUE = True
    billing = start_billing()
    draft = create_document(
        actor=bill_billing,
        document_type="invoice",
        customer=billing.customers["ro_company"],
        lines=[dict(HOSTING), dict(DOMAIN)],
    )
    caplog.handler.addFilter(RequestIDLogFilter())

    with caplog.at_level(logging.INFO, logger="celery.app.trace"):
        response = bearer(bill_billing).post(
            f"/api/v1/invoices/{draft.pk}/issue/", HTTP_X_REQUEST_ID=INTEGRATOR_REQUEST
        )

    assert (response.status_code, response["X-Request-ID"]) == (200, INTEGRATOR_REQUEST)
    assert states() == {response.json()["number"]: State.UPLOADED}
    events = AuditEvent.objects.filter(object_type="efactura.submission").order_by("id")
    assert list(events.values_list("action", "request_id")) == [
        ("efactura.validated", INTEGRATOR_REQUEST),
        ("efactura.upload_sent", INTEGRATOR_REQUEST),
        ("efactura.uploaded", INTEGRATOR_REQUEST),
    ]
    [succeeded] = [r for r in caplog.records if r.getMessage().startswith("Task efactura.submit_issued[")]
    assert succeeded.request_id == INTEGRATOR_REQUEST
    assert len(fake_anaf_efactura.requests_to("upload")) == 1
