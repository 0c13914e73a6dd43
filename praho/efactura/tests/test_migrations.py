"""Migration 0006: the uploads made before Upload kept its ANAF environment and acceptance get
them from the submissions and from the audit trail of environment switches."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from praho.audit.services import record_event
from praho.billing.tests.factories import issued_invoice
from praho.efactura.models import Submission, SubmissionState, Upload, UploadOutcome

State = SubmissionState
BEFORE = [("efactura", "0005_upload_environment_acceptance")]
AFTER = [("efactura", "0006_uploads_environment_and_acceptance_from_history")]
ANSWER = b"PK\x03\x04 production's signed answer"
MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def registered(submission: Submission, index: str, sent_at: dt.datetime) -> Upload:
    return Upload.objects.create(
        submission=submission, sent_at=sent_at, outcome=UploadOutcome.REGISTERED, index=index
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_uploads_get_their_environment_and_acceptance_from_the_history(carol_customer):
    """Accepted in production, then switched to test (the switch cleared the acceptance from the
    submission, its event kept it) and uploaded there; another document accepted in test."""
    migrate(BEFORE)
    switched = Submission.objects.create(
        document=issued_invoice(carol_customer, post=False), deadline=dt.date(2026, 3, 9)
    )
    in_prod = registered(switched, "5001", MONDAY)
    with time_machine.travel(MONDAY + dt.timedelta(hours=2), tick=False):
        record_event(
            "efactura.environment_changed",
            target=switched,
            data={
                "from": "accepted",
                "to": "not_submitted",
                "environment": "prod",
                "current": "test",
                "upload_index": "5001",
                "download_id": "3001",
                "answered_at": (MONDAY + dt.timedelta(hours=1)).isoformat(),
                "errors": [],
                "answer": base64.b64encode(ANSWER).decode("ascii"),
            },
        )
    in_test = registered(switched, "5002", MONDAY + dt.timedelta(hours=3))
    Submission.objects.filter(pk=switched.pk).update(
        state=State.UPLOADED, environment="test", upload_index="5002"
    )
    accepted = Submission.objects.create(
        document=issued_invoice(carol_customer, post=False),
        deadline=dt.date(2026, 3, 9),
        state=State.ACCEPTED,
        environment="test",
        upload_index="5003",
        answered_at=MONDAY + dt.timedelta(hours=5),
    )
    accepted_upload = registered(accepted, "5003", MONDAY + dt.timedelta(hours=4))

    migrate(AFTER)

    rows = {
        upload.pk: (
            upload.environment,
            upload.accepted_at,
            upload.download_id,
            upload.answer and bytes(upload.answer),
        )
        for upload in Upload.objects.all()
    }
    assert rows == {
        in_prod.pk: ("prod", MONDAY + dt.timedelta(hours=1), "3001", ANSWER),
        in_test.pk: ("test", None, "", None),
        accepted_upload.pk: ("test", MONDAY + dt.timedelta(hours=5), "", None),
    }
