"""Deadline watch (praho.efactura.submissions.watch.notify_overdue and its daily task): the staff who may
submit documents get one email per run listing the documents newly past their deadline and
not accepted; each document is announced once. Submissions are made directly as setup."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from praho.audit.models import AuditEvent
from praho.billing.tests.factories import issued_invoice
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.submissions import watch

pytestmark = pytest.mark.django_db

State = SubmissionState
NOW = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 10)
YESTERDAY = dt.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def tracked(customer, state: str, deadline: dt.date) -> Submission:
    invoice = issued_invoice(customer, issue_date=dt.date(2026, 3, 2), post=False)
    return Submission.objects.create(document=invoice, state=state, deadline=deadline)


@pytest.fixture
def submitters(alice_admin, mike_manager, bill_billing, sue_support, sam_sales):
    """Admin, manager and billing may submit documents; support and sales may not."""
    return ["alice@staff.test", "bill@staff.test", "mike@staff.test"]


@pytest.fixture
def situation(carol_customer):
    return {
        "late": tracked(carol_customer, State.UPLOADED, YESTERDAY),
        "rejected_late": tracked(carol_customer, State.REJECTED, dt.date(2026, 3, 6)),
        "accepted_late": tracked(carol_customer, State.ACCEPTED, YESTERDAY),
        "due_today": tracked(carol_customer, State.PROCESSING, TODAY),
    }


def run(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return watch.notify_overdue()


def test_each_submitter_gets_one_email_listing_the_overdue_documents(
    submitters, situation, django_capture_on_commit_callbacks
):
    announced = run(django_capture_on_commit_callbacks)

    assert announced == 2
    assert [message.to for message in mail.outbox] == [[email] for email in submitters]
    late, rejected = situation["late"].document, situation["rejected_late"].document
    for message in mail.outbox:
        assert message.subject == "e-Factura: 2 documents are past their deadline at ANAF"
        assert message.from_email == settings.DEFAULT_FROM_EMAIL
        # Oldest deadline first.
        assert message.body.index(rejected.number) < message.body.index(late.number)
        assert f"issued 2026-03-02, deadline 2026-03-06, {State.REJECTED.label}" in message.body
        assert f"{settings.PRAHO_BASE_URL}/staff/billing/documents/{late.pk}/" in message.body
        assert f"{settings.PRAHO_BASE_URL}/staff/efactura/" in message.body
        assert situation["accepted_late"].document.number not in message.body
        assert situation["due_today"].document.number not in message.body


def test_each_document_is_announced_once(submitters, situation, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks)
    mail.outbox.clear()

    assert run(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    notified = Submission.objects.filter(overdue_notified_at__isnull=False)
    assert set(notified.values_list("pk", flat=True)) == {situation["late"].pk, situation["rejected_late"].pk}
    assert set(notified.values_list("overdue_notified_at", flat=True)) == {NOW}


def test_a_document_becoming_overdue_later_is_announced_alone(
    submitters, situation, carol_customer, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        announced = run(django_capture_on_commit_callbacks)

    assert announced == 1
    assert [message.subject for message in mail.outbox] == [
        "e-Factura: 1 document is past its deadline at ANAF"
    ] * 3
    assert situation["due_today"].document.number in mail.outbox[0].body


def test_each_announcement_is_audited_on_its_document(
    submitters, situation, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks)

    events = AuditEvent.objects.filter(action="efactura.overdue_notified").order_by("id")
    assert [(event.object_type, event.object_id) for event in events] == [
        ("billing.document", str(situation["rejected_late"].document_id)),
        ("billing.document", str(situation["late"].document_id)),
    ]
    assert events[0].data == {"deadline": "2026-03-06", "state": "rejected", "recipients": submitters}


def test_each_email_is_written_in_its_recipients_language(
    submitters, situation, alice_admin, bill_billing, django_capture_on_commit_callbacks
):
    alice_admin.language, bill_billing.language = "ro", "bg"
    alice_admin.save(update_fields=["language"])
    bill_billing.save(update_fields=["language"])

    run(django_capture_on_commit_callbacks)

    # The state's label, translated: alice reads Romanian, bill Bulgarian, mike the default (en).
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "termen limită 2026-03-06, Respinsă" in bodies["alice@staff.test"]
    assert "краен срок 2026-03-06, Отхвърлена" in bodies["bill@staff.test"]
    assert "deadline 2026-03-06, Rejected" in bodies["mike@staff.test"]


def test_nothing_is_marked_when_no_one_may_be_told(
    situation, alice_admin, sue_support, django_capture_on_commit_callbacks
):
    alice_admin.is_active = False  # she made carol's customer; support may not submit
    alice_admin.save(update_fields=["is_active"])

    assert run(django_capture_on_commit_callbacks) == 0

    assert mail.outbox == []
    assert Submission.objects.filter(overdue_notified_at__isnull=False).count() == 0


def test_inactive_staff_are_not_emailed(
    submitters, situation, mike_manager, django_capture_on_commit_callbacks
):
    mike_manager.is_active = False
    mike_manager.save(update_fields=["is_active"])

    run(django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["alice@staff.test"], ["bill@staff.test"]]


def test_the_daily_task_runs_the_watch(submitters, situation, django_capture_on_commit_callbacks):
    from praho.celery import app

    app.loader.import_default_modules()
    task = app.tasks["efactura.notify_overdue"]

    with django_capture_on_commit_callbacks(execute=True):
        result = task.delay()

    assert result.get() == 2
    assert len(mail.outbox) == 3
    entry = settings.CELERY_BEAT_SCHEDULE["efactura.notify_overdue"]
    assert entry["task"] == "efactura.notify_overdue"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {0})
