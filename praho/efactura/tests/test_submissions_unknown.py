"""Submissions whose upload answer was lost (unknown): at most one upload, the look in ANAF's message
list, two workers at once, a staff member's give-up only after a look, and an answer that arrives
after a give-up (split from test_submissions.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.efactura import submissions
from praho.efactura.gateways.anaf import AnafEfacturaClient
from praho.efactura.gateways.anaf_answers import read_answer
from praho.efactura.models import Submission, Upload, UploadOutcome
from praho.efactura.submissions import unknown as unknown_uploads
from praho.efactura.submissions import uploading
from praho.efactura.tests.test_submissions import (
    FOREIGN_INVOICE,
    GRACE,
    SELLER_CIF,
    State,
    actions,
    reload,
    uploads,
    validated,
)
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    issued_invoice,
)
from praho.testing.fakes import HANG_UP, HANG_UP_AFTER, SERVER_ERROR

# --- at most once, unknown outcomes --------------------------------------------------------


def test_uploading_twice_sends_once(invoice, anaf_connected, fake_anaf_efactura):
    submission = submissions.upload(submission=validated(invoice))

    with pytest.raises(ValidationError) as refused:
        submissions.upload(submission=submission)

    assert refused.value.error_dict["state"][0].code == "at_anaf"
    assert len(fake_anaf_efactura.requests_to("upload")) == 1


def test_a_hang_up_after_upload_is_resolved_from_the_message_list_without_a_second_upload(
    billing, invoice, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.fail_next("upload", HANG_UP_AFTER)
    submission = submissions.upload(submission=validated(invoice))
    assert submission.state == State.UNKNOWN
    assert uploads(submission) == [(UploadOutcome.SENT, "")]
    (index,) = fake_anaf_efactura.uploads
    other = issued_invoice(billing, "ro_company", (DOMAIN,))
    submissions.upload(submission=validated(other))  # another upload in the list, known to PRAHO: skipped
    fake_anaf_efactura.finish(index)
    fake_anaf_efactura.finish(reload(Submission.objects.get(document=other)).upload_index)

    submission = unknown_uploads.resolve_unknown(submission=reload(submission))

    assert submission.state == State.ACCEPTED
    assert submission.upload_index == index
    assert submission.download_id == fake_anaf_efactura.uploads[index].download_id
    assert read_answer(bytes(reload(submission).answer)).document_xml == fake_anaf_efactura.uploads[index].xml
    assert uploads(submission) == [(UploadOutcome.REGISTERED, index)]
    assert len(fake_anaf_efactura.requests_to("upload")) == 2  # ours once, the other invoice once
    assert len(fake_anaf_efactura.requests_to("descarcare")) == 1  # only the unknown candidate
    assert actions(submission)[-4:] == [
        "efactura.upload_sent",
        "efactura.upload_unknown",
        "efactura.answer_downloaded",
        "efactura.accepted",
    ]


def test_unknown_past_the_grace_period_is_sent_again_only_when_staff_decide(
    invoice,
    anaf_connected,
    fake_anaf_efactura,
    settings,
    alice_admin,
    django_capture_on_commit_callbacks,
    frozen_now,
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    fake_anaf_efactura.fail_next("upload", HANG_UP)  # the connection drops before ANAF registers it
    submission = submissions.upload(submission=validated(invoice))
    assert submission.state == State.UNKNOWN

    submission = unknown_uploads.resolve_unknown(submission=submission)
    assert submission.state == State.UNKNOWN
    assert submission.next_attempt_at == frozen_now + timedelta(minutes=10)  # UNKNOWN_RECHECK
    with pytest.raises(ValidationError):
        submissions.upload(submission=submission)
    with django_capture_on_commit_callbacks(execute=True):  # before the grace period: only a look
        submissions.submit(document=invoice, actor=alice_admin)
    assert reload(submission).state == State.UNKNOWN
    assert len(fake_anaf_efactura.requests_to("upload")) == 1

    with time_machine.travel(timezone.now() + timedelta(minutes=1441)):
        submission = unknown_uploads.resolve_unknown(submission=reload(submission))
        assert submission.state == State.UNKNOWN  # never re-sent on PRAHO's own
        assert "has not listed" in submission.last_error
        with django_capture_on_commit_callbacks(execute=True):
            submissions.submit(document=invoice, actor=alice_admin)

    submission = reload(submission)
    assert submission.state == State.UPLOADED
    assert len(fake_anaf_efactura.requests_to("upload")) == 2
    assert [o for o, _i in uploads(submission)] == [UploadOutcome.NEVER_REACHED, UploadOutcome.REGISTERED]
    given_up = AuditEvent.objects.get(action="efactura.upload_given_up")
    assert given_up.actor == alice_admin


def test_an_upload_anaf_is_still_processing_past_the_grace_period_is_not_sent_again(
    invoice, anaf_connected, fake_anaf_efactura, settings, frozen_now
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    fake_anaf_efactura.decide("ok", polls=1_000)  # a slow day: not processed, so not listed
    fake_anaf_efactura.fail_next("upload", HANG_UP_AFTER)
    submission = submissions.upload(submission=validated(invoice))

    with time_machine.travel(frozen_now + timedelta(hours=25), tick=False):
        submission = unknown_uploads.resolve_unknown(submission=reload(submission))
        assert submission.state == State.UNKNOWN
        assert "has not listed" in submission.last_error
        # a quarter of the 25 hours since the upload, at most UNKNOWN_RECHECK_MAX (6 hours)
        assert submission.next_attempt_at == frozen_now + timedelta(hours=25 + 6)
        assert submissions.submit_new_documents() == 0
        submissions.advance(submission=reload(submission))

    assert reload(submission).state == State.UNKNOWN
    assert len(fake_anaf_efactura.uploads) == 1
    assert uploads(submission) == [(UploadOutcome.SENT, "")]


def test_a_look_for_an_unknown_upload_downloads_each_unrelated_message_once(
    invoice, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.decide("ok", polls=1_000)
    fake_anaf_efactura.fail_next("upload", HANG_UP_AFTER)
    submission = submissions.upload(submission=validated(invoice))
    with AnafEfacturaClient() as client:  # another program's invoice for the same seller
        foreign = client.upload(FOREIGN_INVOICE, cif=SELLER_CIF).index
    fake_anaf_efactura.finish(foreign)

    unknown_uploads.resolve_unknown(submission=reload(submission))
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        submission = unknown_uploads.resolve_unknown(submission=reload(submission))

    assert submission.state == State.UNKNOWN
    assert len(fake_anaf_efactura.requests_to("descarcare")) == 1
    (sent,) = Upload.objects.filter(submission=submission)
    assert sent.checked_messages == [fake_anaf_efactura.uploads[foreign].download_id]


def test_not_connected_nothing_is_sent_and_staff_see_why(invoice, fake_anaf_efactura):
    submission = submissions.upload(submission=validated(invoice))

    assert submission.state == State.VALIDATED
    assert "not connected to ANAF" in submission.last_error
    assert fake_anaf_efactura.received == []
    assert uploads(submission) == []


# --- two workers at once, on PostgreSQL ----------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: SQLite has no row locks; set DATABASE_URL=postgres://... to run it.",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_uploading_at_once_send_one_upload(invoice, anaf_connected, fake_anaf_efactura):
    submission = validated(invoice)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            start.wait(timeout=5)
            outcomes.append(
                str(submissions.upload(submission=Submission.objects.get(pk=submission.pk)).state)
            )
        except ValidationError as error:
            outcomes.append(error.error_dict["state"][0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["at_anaf", "uploaded"]
    assert len(fake_anaf_efactura.requests_to("upload")) == 1
    assert Upload.objects.count() == 1


# --- giving an unknown upload up: only after a look at ANAF ---------------------------------


def test_a_staff_give_up_looks_at_anaf_first_and_takes_the_upload_it_finds(
    invoice, anaf_connected, fake_anaf_efactura, settings, alice_admin, django_capture_on_commit_callbacks
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    fake_anaf_efactura.decide("ok", polls=1_000)  # a slow day: not processed, so not listed
    fake_anaf_efactura.fail_next("upload", HANG_UP_AFTER)
    submission = submissions.upload(submission=validated(invoice))
    (index,) = fake_anaf_efactura.uploads

    with time_machine.travel(timezone.now() + GRACE):
        submission = unknown_uploads.resolve_unknown(submission=reload(submission))
        assert unknown_uploads.may_send_again(submission)
        fake_anaf_efactura.finish(index)  # ANAF processes and lists it now
        with django_capture_on_commit_callbacks(execute=True):
            submissions.submit(document=invoice, actor=alice_admin)

    submission = reload(submission)
    assert submission.state == State.ACCEPTED
    assert submission.upload_index == index
    assert len(fake_anaf_efactura.uploads) == 1
    assert uploads(submission) == [(UploadOutcome.REGISTERED, index)]
    assert actions(submission)[-3:] == [
        "efactura.give_up_requested",
        "efactura.answer_downloaded",
        "efactura.accepted",
    ]


def test_a_give_up_whose_look_at_anaf_fails_gives_nothing_up(
    invoice, anaf_connected, fake_anaf_efactura, settings, alice_admin, django_capture_on_commit_callbacks
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    fake_anaf_efactura.fail_next("upload", HANG_UP)
    submission = submissions.upload(submission=validated(invoice))

    with time_machine.travel(timezone.now() + GRACE):
        fake_anaf_efactura.fail_next("listaMesajePaginatieFactura", SERVER_ERROR, times=10)
        with django_capture_on_commit_callbacks(execute=True):
            submissions.submit(document=invoice, actor=alice_admin)

    submission = reload(submission)
    assert submission.state == State.UNKNOWN
    assert submission.last_error
    assert uploads(submission) == [(UploadOutcome.SENT, "")]
    assert len(fake_anaf_efactura.requests_to("upload")) == 1
    assert "efactura.upload_given_up" not in actions(submission)
    assert Upload.objects.get(submission=submission).last_listed_at is None


def test_a_look_that_ended_before_the_grace_period_does_not_allow_a_give_up(
    invoice, anaf_connected, fake_anaf_efactura, settings, alice_admin
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    fake_anaf_efactura.fail_next("upload", HANG_UP)
    submission = submissions.upload(submission=validated(invoice))

    submission = unknown_uploads.resolve_unknown(
        submission=reload(submission)
    )  # looked, within the grace period

    assert Upload.objects.get(submission=submission).last_listed_at is not None
    with time_machine.travel(timezone.now() + GRACE):
        assert not unknown_uploads.may_send_again(reload(submission))


def test_what_a_worker_found_while_staff_asked_to_give_up_is_kept(
    invoice, anaf_connected, fake_anaf_efactura, settings, alice_admin
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    fake_anaf_efactura.fail_next("upload", HANG_UP_AFTER)
    submission = submissions.upload(submission=validated(invoice))
    (index,) = fake_anaf_efactura.uploads
    fake_anaf_efactura.finish(index)

    with time_machine.travel(timezone.now() + GRACE):
        sent = unknown_uploads.pending_upload(reload(submission))
        found = unknown_uploads._find_at_anaf(sent, invoice)  # a worker finds it ...
        assert found is not None
        submissions.submit(document=invoice, actor=alice_admin)  # ... while staff ask to give it up
        submission = unknown_uploads._found(sent, *found, None)

    assert submission.state == State.ACCEPTED
    assert uploads(submission) == [(UploadOutcome.REGISTERED, index)]


# --- an answer that arrives after a give-up ------------------------------------------------


def given_up_while_in_flight(submission: Submission, actor, *, send_again: bool) -> Upload:
    """An upload claimed (its request on its way), then given up by `actor` past the grace period."""
    sent, _xml = uploading._claim(submission, None)
    with time_machine.travel(timezone.now() + GRACE):
        if send_again:
            submissions.advance(submission=reload(submission), actor=actor, give_up=True)
        else:
            unknown_uploads.resolve_unknown(submission=reload(submission), actor=actor, give_up=True)
    return sent


def test_a_registration_that_arrives_after_a_give_up_is_taken_before_anything_is_sent_again(
    invoice, anaf_connected, fake_anaf_efactura, settings, alice_admin
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    submission = validated(invoice)
    sent = given_up_while_in_flight(submission, alice_admin, send_again=False)
    assert reload(submission).state == State.NOT_SUBMITTED

    submission = uploading._registered(sent, "5001", None)

    assert submission.state == State.UPLOADED
    assert submission.upload_index == "5001"
    assert uploads(submission) == [(UploadOutcome.REGISTERED, "5001")]
    assert actions(submission)[-2:] == ["efactura.upload_given_up", "efactura.uploaded"]


def test_a_registration_that_arrives_after_the_document_was_sent_again_is_flagged_as_a_duplicate(
    invoice, anaf_connected, fake_anaf_efactura, settings, alice_admin
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    submission = validated(invoice)
    sent = given_up_while_in_flight(submission, alice_admin, send_again=True)
    (second,) = fake_anaf_efactura.uploads
    assert reload(submission).upload_index == second

    submission = uploading._registered(sent, "5001", None)

    assert submission.state == State.UPLOADED
    assert submission.upload_index == second
    assert "twice" in submission.last_error
    assert uploads(submission) == [(UploadOutcome.REGISTERED, "5001"), (UploadOutcome.REGISTERED, second)]
    duplicate = AuditEvent.objects.get(action="efactura.duplicate_upload")
    assert duplicate.data["upload_index"] == "5001"
    assert duplicate.data["current_index"] == second
