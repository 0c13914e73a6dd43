"""The submission state machine against the local ANAF over real HTTP: validation, the upload
(at most once), polling to a verdict with the signed ZIP archived, retries with backoff and the
unknown-outcome resolution through ANAF's message list. Documents are issued by billing itself."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.billing.models import Document
from praho.core.validation import FISCAL_TIME_ZONE
from praho.efactura import submissions
from praho.efactura.deadlines import deadline_for
from praho.efactura.gateways.anaf_answers import read_answer
from praho.efactura.models import Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.submissions import poll as polls
from praho.efactura.submissions import uploading
from praho.efactura.tests.fakes.anaf_efactura import DAILY_LIMIT, LATE_PROCESSING, NOK, XML_ERRORS
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    HOSTING,
    credited,
    issued_invoice,
)
from praho.testing.fakes import HANG_UP_AFTER, TOO_MANY_REQUESTS

State = SubmissionState
GRACE = timedelta(minutes=1441)  # past EFACTURA_UNKNOWN_GRACE_MINUTES
SELLER_CIF = "18547290"  # the demo seller's RO18547290 without RO
UBL = b"urn:oasis:names:specification:ubl:schema:xsd:"
FOREIGN_INVOICE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="' + UBL + b'Invoice-2">'
    b'<cbc:ID xmlns:cbc="' + UBL + b'CommonBasicComponents-2">OTHER-0001</cbc:ID></Invoice>'
)


def actions(submission: Submission) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="efactura.submission", object_id=str(submission.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def uploads(submission: Submission) -> list[tuple[str, str]]:
    return [(u.outcome, u.index) for u in Upload.objects.filter(submission=submission).order_by("pk")]


def reload(submission: Submission) -> Submission:
    return Submission.objects.get(pk=submission.pk)


def validated(document: Document) -> Submission:
    submission = submissions.validate(submission=submissions.submission_for(document=document))
    assert submission.state == State.VALIDATED, submission.validation
    return submission


# --- creating, validating -----------------------------------------------------------------


def test_a_submission_is_created_once_with_its_deadline(invoice):
    first = submissions.submission_for(document=invoice)
    again = submissions.submission_for(document=invoice)

    assert first.pk == again.pk
    assert first.state == State.NOT_SUBMITTED
    assert first.deadline == deadline_for(invoice.issue_date)


def test_only_issued_invoices_and_credit_notes_get_a_submission(billing):
    from praho.billing.services.drafts import create_document

    draft = create_document(
        actor=billing.clerk, document_type="invoice", customer=billing.customers["ro_company"], lines=[DOMAIN]
    )

    with pytest.raises(ValidationError) as refused:
        submissions.submission_for(document=draft)

    assert refused.value.error_dict["document"][0].code == "not_issued"
    assert not Submission.objects.exists()


def test_a_valid_document_is_validated_with_the_verdict_stored(invoice):
    submission = validated(invoice)

    assert submission.validation["state"] == "valid"
    assert submission.validation["validator"]
    assert submission.validated_at is not None
    assert actions(submission) == ["efactura.validated"]


def test_a_document_that_cannot_be_expressed_is_invalid_with_its_failures_and_never_uploaded(
    billing, anaf_connected, fake_anaf_efactura
):
    # An intra-community supply (K) to an address without a region: CIUS-RO cannot express it.
    intra_community = DOMAIN | {"vat_category": "K", "vat_rate": "0", "vat_override_reason": "EU supply"}
    document = issued_invoice(billing, "eu_company", (intra_community,))
    submission = submissions.submission_for(document=document)

    submission = submissions.advance(submission=submission)

    assert submission.state == State.INVALID
    assert [(f["rule_id"], f["flag"], f["location"]) for f in submission.validation["failures"]] == [
        ("PRAHO", "fatal", "buyer.county")
    ]
    assert fake_anaf_efactura.requests_to("upload") == []
    assert uploads(submission) == []
    with pytest.raises(ValidationError):
        uploading._claim(submission, None)
    assert actions(submission) == ["efactura.invalid"]


def test_without_a_validator_the_document_stays_not_submitted_with_the_reason_and_a_retry(
    invoice, settings, tmp_path, frozen_now
):
    settings.EFACTURA_VALIDATION_DIR = str(tmp_path / "missing")
    submission = submissions.submission_for(document=invoice)

    submission = submissions.validate(submission=submission)

    assert submission.state == State.NOT_SUBMITTED
    assert "validation directory" in submission.last_error
    assert submission.attempts == 1
    assert submission.next_attempt_at == frozen_now + timedelta(minutes=1)  # BACKOFF_BASE * 2**0
    assert actions(submission) == []


def test_validate_on_a_stale_copy_leaves_a_submission_another_worker_uploaded(
    invoice, anaf_connected, fake_anaf_efactura
):
    stale = submissions.submission_for(document=invoice)
    submissions.advance(submission=reload(stale))  # another worker validates and uploads it meanwhile

    submission = submissions.validate(submission=stale)
    submissions.advance(submission=submission)

    assert submission.state == State.UPLOADED
    assert reload(stale).state == State.UPLOADED
    assert len(fake_anaf_efactura.requests_to("upload")) == 1
    assert actions(stale).count("efactura.validated") == 1


def test_the_xml_validated_is_stored_and_exactly_that_is_sent(invoice, anaf_connected, fake_anaf_efactura):
    submission = validated(invoice)
    stored = bytes(submission.xml)

    submission = submissions.upload(submission=submission)

    assert submission.xml_sha256 == hashlib.sha256(stored).hexdigest()
    (sent,) = fake_anaf_efactura.requests_to("upload")
    assert sent.body == stored
    assert reload(submission).environment == django_settings.EFACTURA_ENVIRONMENT


# --- the happy path ------------------------------------------------------------------------


def test_issue_submit_upload_process_accept_with_the_signed_zip_archived(
    invoice, anaf_connected, fake_anaf_efactura, frozen_now
):
    fake_anaf_efactura.decide("ok", polls=1)
    submission = validated(invoice)

    submission = submissions.upload(submission=submission)

    assert submission.state == State.UPLOADED
    (sent,) = fake_anaf_efactura.requests_to("upload")
    assert "standard=UBL" in sent.path
    assert f"cif={SELLER_CIF}" in sent.path
    assert "extern" not in sent.path
    assert submission.upload_index == next(iter(fake_anaf_efactura.uploads))
    assert uploads(submission) == [(UploadOutcome.REGISTERED, submission.upload_index)]

    submission = polls.poll(submission=submission)
    assert submission.state == State.PROCESSING
    assert submission.next_attempt_at == frozen_now + timedelta(minutes=1)  # POLL_MIN right after the upload

    submission = polls.poll(submission=reload(submission))
    submission = reload(submission)
    assert submission.state == State.ACCEPTED
    assert submission.download_id == fake_anaf_efactura.uploads[submission.upload_index].download_id
    archive = read_answer(bytes(submission.answer))
    assert archive.document_xml == fake_anaf_efactura.uploads[submission.upload_index].xml
    assert archive.signature_xml is not None
    assert submission.answered_at is not None
    assert submission.errors == []
    assert actions(submission) == [
        "efactura.validated",
        "efactura.upload_sent",
        "efactura.uploaded",
        "efactura.processing",
        "efactura.answer_downloaded",
        "efactura.accepted",
    ]


def test_a_consumer_invoice_goes_to_uploadb2c_and_a_credit_note_as_cn(
    billing, anaf_connected, fake_anaf_efactura
):
    person = issued_invoice(billing, "ro_person", (HOSTING, DOMAIN))
    note = credited(billing, issued_invoice(billing, "ro_company", (HOSTING, DOMAIN)))

    assert submissions.upload(submission=validated(person)).state == State.UPLOADED
    assert submissions.upload(submission=validated(note)).state == State.UPLOADED

    assert len(fake_anaf_efactura.requests_to("uploadb2c")) == 1
    (standard,) = fake_anaf_efactura.requests_to("upload")
    assert "standard=CN" in standard.path


# --- rejections ----------------------------------------------------------------------------


def test_nok_is_rejected_with_anafs_errors_from_the_archived_zip(invoice, anaf_connected, fake_anaf_efactura):
    fake_anaf_efactura.decide(NOK, polls=0, errors=("E: validari globale eroare regula: BR-RO-010, nume",))
    submission = submissions.upload(submission=validated(invoice))

    submission = polls.poll(submission=submission)

    assert submission.state == State.REJECTED
    assert submission.errors == [
        {"code": "BR-RO-010", "message": "E: validari globale eroare regula: BR-RO-010, nume"}
    ]
    assert read_answer(bytes(reload(submission).answer)).errors == (
        "E: validari globale eroare regula: BR-RO-010, nume",
    )
    assert actions(submission)[-2:] == ["efactura.answer_downloaded", "efactura.rejected"]


def test_xml_with_errors_not_taken_in_is_rejected_with_that_reason(
    invoice, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.decide(XML_ERRORS, polls=0)
    submission = submissions.upload(submission=validated(invoice))

    submission = polls.poll(submission=submission)

    assert submission.state == State.REJECTED
    assert submission.errors[0]["message"] == "XML cu erori nepreluat de sistem"
    assert submission.answer is None
    assert actions(submission)[-1] == "efactura.rejected"


def test_a_rejected_document_is_uploaded_again_only_after_a_staff_resubmit(
    invoice, anaf_connected, fake_anaf_efactura, alice_admin, django_capture_on_commit_callbacks
):
    fake_anaf_efactura.decide(NOK, polls=0)
    submission = polls.poll(submission=submissions.upload(submission=validated(invoice)))
    assert submission.state == State.REJECTED
    rejected_answer, rejected_errors = bytes(submission.answer), submission.errors
    with pytest.raises(ValidationError):
        submissions.upload(submission=submission)

    fake_anaf_efactura.decide("ok", polls=0)
    with django_capture_on_commit_callbacks(execute=True):
        submissions.submit(document=invoice, actor=alice_admin)

    submission = reload(submission)
    assert submission.state == State.UPLOADED
    assert len(fake_anaf_efactura.requests_to("upload")) == 2
    assert "efactura.resubmitted" in actions(submission)
    resubmitted = AuditEvent.objects.get(action="efactura.resubmitted")
    assert resubmitted.actor == alice_admin
    # ANAF's signed rejection is kept in the event: ANAF itself keeps it only 60 days.
    assert base64.b64decode(resubmitted.data["answer"]) == rejected_answer
    assert resubmitted.data["errors"] == rejected_errors


def test_an_accepted_resubmission_shows_none_of_the_rejected_attempts_errors_or_answer(
    invoice, anaf_connected, fake_anaf_efactura, alice_admin, django_capture_on_commit_callbacks
):
    fake_anaf_efactura.decide(NOK, polls=0)
    rejected = polls.poll(submission=submissions.upload(submission=validated(invoice)))
    fake_anaf_efactura.decide("ok", polls=0)

    with django_capture_on_commit_callbacks(execute=True):
        submissions.submit(document=invoice, actor=alice_admin)
    submission = reload(rejected)
    assert (submission.errors, submission.answer, submission.download_id) == ([], None, "")

    submission = polls.poll(submission=submission)
    assert submission.state == State.ACCEPTED
    assert submission.errors == []
    assert submission.download_id != rejected.download_id
    assert read_answer(bytes(reload(submission).answer)).errors == ()


def test_a_rejection_whose_error_report_cannot_be_read_is_rejected_with_that_reason(
    invoice, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.decide(NOK, polls=0, report=b'<header xmlns="x"><Error errorMessage="')
    submission = submissions.upload(submission=validated(invoice))

    submission = polls.poll(submission=submission)

    assert submission.state == State.REJECTED
    assert [error["code"] for error in submission.errors] == [""]
    assert "could not be read" in submission.errors[0]["message"]
    assert bytes(reload(submission).answer).startswith(b"PK")  # archived for staff to open


def test_a_late_in_prelucrare_leaves_an_accepted_submission_accepted(
    invoice, anaf_connected, fake_anaf_efactura
):
    fake_anaf_efactura.decide("ok", polls=1)
    stale = polls.poll(submission=submissions.upload(submission=validated(invoice)))
    assert stale.state == State.PROCESSING
    assert polls.poll(submission=reload(stale)).state == State.ACCEPTED  # another worker got the verdict
    fake_anaf_efactura.fail_next("stareMesaj", LATE_PROCESSING)

    submission = polls.poll(submission=stale)

    assert submission.state == State.ACCEPTED
    assert reload(stale).state == State.ACCEPTED
    assert actions(stale).count("efactura.processing") == 1


# --- retries -------------------------------------------------------------------------------


def test_anafs_daily_upload_limit_means_never_reached_and_a_retry_tomorrow(
    invoice, anaf_connected, fake_anaf_efactura, frozen_now
):
    fake_anaf_efactura.fail_next("upload", DAILY_LIMIT)

    submission = submissions.upload(submission=validated(invoice))

    assert submission.state == State.VALIDATED
    assert uploads(submission) == [(UploadOutcome.NEVER_REACHED, "")]
    assert fake_anaf_efactura.uploads == {}
    assert "S-au facut deja" in submission.last_error
    # ANAF's daily quotas reset at midnight in Bucharest: the next attempt is then, not earlier
    tomorrow = timezone.localdate(frozen_now, FISCAL_TIME_ZONE) + timedelta(days=1)
    assert submission.next_attempt_at == datetime.combine(tomorrow, time(), tzinfo=FISCAL_TIME_ZONE)


def test_an_upload_to_a_wrong_api_address_is_a_configuration_error_not_a_rejection(
    invoice, anaf_connected, fake_anaf_efactura, settings, frozen_now
):
    settings.EFACTURA_API_URL = fake_anaf_efactura.url + "/wrong/FCTEL/rest"  # answers 404

    submission = submissions.upload(submission=validated(invoice))

    assert submission.state == State.VALIDATED
    assert uploads(submission) == [(UploadOutcome.NEVER_REACHED, "")]
    assert "HTTP 404" in submission.last_error
    assert "EFACTURA_API_URL" in submission.last_error
    assert submission.errors == []
    assert submission.next_attempt_at == frozen_now + timedelta(minutes=1)  # BACKOFF_BASE * 2**0


def test_429_with_retry_after_backs_off_then_succeeds(
    invoice, anaf_connected, fake_anaf_efactura, frozen_now
):
    fake_anaf_efactura.fail_next("upload", TOO_MANY_REQUESTS, retry_after="600")
    submission = validated(invoice)

    submission = submissions.upload(submission=submission)

    assert submission.state == State.VALIDATED
    assert submission.attempts == 1
    assert submission.next_attempt_at == frozen_now + timedelta(seconds=600)  # ANAF's Retry-After
    assert uploads(submission) == [(UploadOutcome.NEVER_REACHED, "")]
    assert submissions.submit_new_documents() == 0  # not due yet: nothing sent

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert submissions.submit_new_documents() == 1

    submission = reload(submission)
    assert submission.state == State.UPLOADED
    assert submission.attempts == 0
    assert submission.last_error == ""
    assert len(fake_anaf_efactura.requests_to("upload")) == 2
    assert len(fake_anaf_efactura.uploads) == 1
    assert [o for o, _i in uploads(submission)] == [UploadOutcome.NEVER_REACHED, UploadOutcome.REGISTERED]


def test_backoff_doubles_with_each_failure(invoice, anaf_connected, fake_anaf_efactura, frozen_now):
    fake_anaf_efactura.fail_next("upload", TOO_MANY_REQUESTS, times=3)
    submission = validated(invoice)
    waits = []
    for _ in range(3):
        submission = submissions.upload(submission=submission)
        waits.append(submission.next_attempt_at - frozen_now)

    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]


# --- another ANAF environment --------------------------------------------------------------


def test_a_document_accepted_in_anafs_test_environment_is_sent_again_in_prod(
    invoice, anaf_connected, fake_anaf_efactura, settings
):
    fake_anaf_efactura.decide("ok", polls=0)
    submission = submissions.upload(submission=validated(invoice))
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        submission = polls.poll(submission=reload(submission))
    assert (submission.state, submission.environment) == (State.ACCEPTED, "test")
    test_index = submission.upload_index
    settings.EFACTURA_ENVIRONMENT = "prod"

    assert submissions.submit_new_documents() == 1

    submission = reload(submission)
    assert (submission.state, submission.environment) == (State.UPLOADED, "prod")
    assert submission.upload_index != test_index
    changed = AuditEvent.objects.get(action="efactura.environment_changed")
    assert changed.data["environment"] == "test"
    assert changed.data["upload_index"] == test_index
    assert read_answer(base64.b64decode(changed.data["answer"])).document_xml is not None
    assert len(fake_anaf_efactura.requests_to("upload")) == 2


def test_an_unknown_upload_of_the_test_environment_is_not_looked_for_in_prod(
    invoice, anaf_connected, fake_anaf_efactura, settings
):
    fake_anaf_efactura.fail_next("upload", HANG_UP_AFTER)
    submission = submissions.upload(submission=validated(invoice))
    settings.EFACTURA_ENVIRONMENT = "prod"
    settings.EFACTURA_VALIDATION_DIR = ""  # stop at validation: only the reset is looked at here

    submissions.poll_pending()

    submission = reload(submission)
    assert submission.state == State.NOT_SUBMITTED
    assert submission.environment == "test"  # where that upload went, until the next one
    assert [outcome for outcome, _index in uploads(submission)] == [UploadOutcome.NEVER_REACHED]
    assert fake_anaf_efactura.requests_to("listaMesajePaginatieFactura") == []

    # The test environment's answer, arriving late, is kept on the Upload and moves nothing.
    submission = uploading._registered(Upload.objects.get(submission=submission), "7001", None)
    assert submission.state == State.NOT_SUBMITTED
    assert uploads(submission) == [(UploadOutcome.REGISTERED, "7001")]
    assert not AuditEvent.objects.filter(action="efactura.duplicate_upload").exists()


# --- status polls ANAF refuses --------------------------------------------------------------


def test_polls_anaf_keeps_refusing_stop_and_a_staff_submit_looks_in_the_message_list(
    invoice, anaf_connected, fake_anaf_efactura, settings, alice_admin, django_capture_on_commit_callbacks
):
    settings.EFACTURA_UNKNOWN_GRACE_MINUTES = 1440
    fake_anaf_efactura.decide("ok", polls=1_000)  # never listed
    submission = submissions.upload(submission=validated(invoice))
    Upload.objects.filter(submission=submission).update(index="999999")  # an index ANAF does not know
    Submission.objects.filter(pk=submission.pk).update(upload_index="999999")
    for _attempt in range(polls.POLL_REFUSALS_MAX):
        Submission.objects.filter(pk=submission.pk).update(next_attempt_at=None)
        polls.poll(submission=reload(submission))

    submission = reload(submission)
    assert submission.state == State.UPLOADED
    assert submission.poll_refusals == polls.POLL_REFUSALS_MAX
    assert "no longer asks" in submission.last_error
    assert submissions.poll_pending() == 0
    assert len(fake_anaf_efactura.requests_to("stareMesaj")) == polls.POLL_REFUSALS_MAX

    with django_capture_on_commit_callbacks(execute=True):  # within the grace period: a look only
        submissions.submit(document=invoice, actor=alice_admin)
    assert reload(submission).state == State.UNKNOWN
    assert len(fake_anaf_efactura.requests_to("upload")) == 1

    with time_machine.travel(timezone.now() + GRACE), django_capture_on_commit_callbacks(execute=True):
        submissions.submit(document=invoice, actor=alice_admin)

    submission = reload(submission)
    assert submission.state == State.UPLOADED
    assert len(fake_anaf_efactura.requests_to("upload")) == 2
    assert uploads(submission)[0] == (UploadOutcome.NEVER_REACHED, "999999")
    assert "efactura.poll_refused_recheck" in actions(submission)


# --- failures before the send, and failures staff must see ----------------------------------


def test_a_failure_preparing_the_upload_claims_nothing_and_is_shown_with_a_retry(
    invoice, anaf_connected, fake_anaf_efactura, settings, frozen_now
):
    submission = validated(invoice)
    settings.EFACTURA_API_URL = None  # the client cannot be built

    assert submissions.submit_new_documents() == 1

    submission = reload(submission)
    assert submission.state == State.VALIDATED
    assert uploads(submission) == []
    assert "could not complete this step" in submission.last_error
    assert submission.next_attempt_at == frozen_now + timedelta(minutes=1)  # BACKOFF_BASE * 2**0
    assert fake_anaf_efactura.requests_to("upload") == []


def without_seller_snapshot(document: Document) -> None:
    """A document issued before billing kept the seller's snapshot: billing (and, on PostgreSQL,
    a trigger) forbids changing an issued one now, so the trigger is bypassed for this update."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET session_replication_role = replica")
        table = Document._meta.db_table
        cursor.execute(f"UPDATE {table} SET seller_id = NULL WHERE id = %s", [document.pk])  # noqa: S608
        if postgres:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_a_document_that_cannot_be_uploaded_says_why_and_is_tried_again_later(
    invoice, anaf_connected, fake_anaf_efactura, frozen_now
):
    submission = validated(invoice)
    without_seller_snapshot(invoice)

    submission = submissions.submit_one(submission_id=submission.pk)

    assert submission.state == State.VALIDATED
    assert "no seller snapshot" in submission.last_error
    assert submission.attempts == 1
    assert submission.next_attempt_at == frozen_now + timedelta(minutes=1)  # BACKOFF_BASE * 2**0
