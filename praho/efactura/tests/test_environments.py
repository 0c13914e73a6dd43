"""ANAF's two environments (EFACTURA_ENVIRONMENT test / prod) on one database: a switch starts
submissions again in the new environment, and a document ANAF accepted in an environment is
never uploaded to that environment again, however often the setting went back and forth."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from praho.audit.models import AuditEvent
from praho.billing.models import Document
from praho.efactura import submissions
from praho.efactura.models import Submission, SubmissionState, Upload
from praho.efactura.tests.fakes.anaf_efactura import API_PATHS
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    HOSTING,
    issued_invoice,
    require_validation_artifacts,
    start_billing,
)

State = SubmissionState


@pytest.fixture
def invoice(db) -> Document:
    require_validation_artifacts()
    return issued_invoice(start_billing(), "ro_company", (HOSTING, DOMAIN))


@pytest.fixture
def switch_to(settings, fake_anaf_efactura):
    """EFACTURA_ENVIRONMENT and the API address that goes with it, as an operator changes them."""

    def switch(environment: str) -> None:
        settings.EFACTURA_ENVIRONMENT = environment
        settings.EFACTURA_API_URL = fake_anaf_efactura.url + API_PATHS[("test", "prod").index(environment)]

    return switch


def upload_paths(fake) -> list[str]:
    return [request.path.split("/FCTEL/")[0] for request in fake.requests_to("upload")]


def reload(document: Document) -> Submission:
    return Submission.objects.get(document=document)


def accepted_by_the_periodic_tasks(document: Document, minutes: int) -> Submission:
    """The intake uploads the document, a poll `minutes` later finds ANAF's "ok"."""
    submissions.submit_new_documents()
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
        submissions.poll_pending()
    submission = reload(document)
    assert submission.state == State.ACCEPTED, (submission.last_error, submission.validation)
    return submission


def test_a_round_trip_production_test_production_never_uploads_to_production_twice(
    invoice, anaf_connected, fake_anaf_efactura, switch_to
):
    fake_anaf_efactura.decide("ok", polls=0)
    switch_to("prod")
    in_prod = accepted_by_the_periodic_tasks(invoice, minutes=2)
    switch_to("test")
    in_test = accepted_by_the_periodic_tasks(invoice, minutes=4)
    assert in_test.upload_index != in_prod.upload_index

    switch_to("prod")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert submissions.submit_new_documents() == 0
        assert submissions.poll_pending() == 0

    back = reload(invoice)
    assert (back.state, back.environment) == (State.ACCEPTED, "prod")
    assert (back.upload_index, back.download_id) == (in_prod.upload_index, in_prod.download_id)
    assert bytes(back.answer) == bytes(in_prod.answer)  # production's signed answer, archived again
    assert upload_paths(fake_anaf_efactura) == ["/prod", "/test"]
    uploads = Upload.objects.order_by("pk")
    assert [(upload.environment, upload.accepted_at is not None) for upload in uploads] == [
        ("prod", True),
        ("test", True),
    ]
    restored = AuditEvent.objects.filter(action="efactura.environment_changed").order_by("id").last()
    assert restored.data["environment"] == "test"
    assert restored.data["to"] == State.ACCEPTED
    assert restored.data["accepted_earlier"] == in_prod.upload_index

    switch_to("test")  # and once more: test's own acceptance comes back, nothing is sent
    submissions.submit_new_documents()
    assert (reload(invoice).state, reload(invoice).upload_index) == (State.ACCEPTED, in_test.upload_index)
    assert len(fake_anaf_efactura.requests_to("upload")) == 2


def test_a_document_reset_for_the_test_environment_is_not_uploaded_when_production_comes_back(
    invoice, anaf_connected, fake_anaf_efactura, switch_to, settings
):
    """Switched back before the test environment's intake sent anything: the submission waits,
    not submitted, and production's acceptance must still hold."""
    staged = settings.EFACTURA_VALIDATION_DIR
    fake_anaf_efactura.decide("ok", polls=0)
    switch_to("prod")
    in_prod = accepted_by_the_periodic_tasks(invoice, minutes=2)
    switch_to("test")
    settings.EFACTURA_VALIDATION_DIR = ""  # ANAF's validator cannot be reached: nothing goes out
    submissions.submit_new_documents()
    assert reload(invoice).state == State.NOT_SUBMITTED

    switch_to("prod")
    settings.EFACTURA_VALIDATION_DIR = staged
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        submissions.submit_new_documents()

    back = reload(invoice)
    assert (back.state, back.upload_index) == (State.ACCEPTED, in_prod.upload_index)
    assert upload_paths(fake_anaf_efactura) == ["/prod"]


def test_a_staff_submit_after_the_round_trip_is_refused_as_already_accepted(
    invoice, anaf_connected, fake_anaf_efactura, switch_to, settings, bill_billing
):
    fake_anaf_efactura.decide("ok", polls=0)
    switch_to("prod")
    accepted_by_the_periodic_tasks(invoice, minutes=2)
    switch_to("test")
    settings.EFACTURA_VALIDATION_DIR = ""
    submissions.submit_new_documents()
    switch_to("prod")

    with pytest.raises(ValidationError) as refused:
        submissions.submit(document=invoice, actor=bill_billing)

    assert refused.value.error_dict["state"][0].code == "accepted"
    assert reload(invoice).state == State.ACCEPTED
    assert upload_paths(fake_anaf_efactura) == ["/prod"]


def test_an_upload_is_never_claimed_in_an_environment_that_accepted_the_document(
    invoice, anaf_connected, fake_anaf_efactura, switch_to
):
    """The last guard, where the upload is claimed: even a submission validated again by a path
    that did not look at the environment is not sent where ANAF accepted it."""
    fake_anaf_efactura.decide("ok", polls=0)
    switch_to("prod")
    in_prod = accepted_by_the_periodic_tasks(invoice, minutes=2)
    Submission.objects.filter(pk=in_prod.pk).update(state=State.VALIDATED, upload_index="")

    submission = submissions.upload(submission=reload(invoice))

    assert (submission.state, submission.upload_index) == (State.ACCEPTED, in_prod.upload_index)
    assert upload_paths(fake_anaf_efactura) == ["/prod"]


def test_the_two_systems_numbering_an_upload_alike_keep_their_own_signed_answers(
    invoice, anaf_connected, fake_anaf_efactura, switch_to
):
    """ANAF's test and production systems number uploads independently: the same index in both
    must not let production's answer overwrite the test system's (or the other way round)."""
    fake_anaf_efactura.decide("ok", polls=0)
    switch_to("test")
    in_test = accepted_by_the_periodic_tasks(invoice, minutes=2)
    switch_to("prod")
    submissions.submit_new_documents()
    same_number = reload(invoice).upload_index
    Upload.objects.filter(environment="test").update(index=same_number)
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        submissions.poll_pending()
    in_prod = reload(invoice)
    assert (in_prod.state, in_prod.environment) == (State.ACCEPTED, "prod")

    switch_to("test")
    submissions.submit_new_documents()

    back = reload(invoice)
    assert (back.state, back.environment, back.upload_index) == (State.ACCEPTED, "test", same_number)
    assert (back.download_id, bytes(back.answer)) == (in_test.download_id, bytes(in_test.answer))
    kept = {upload.environment: bytes(upload.answer) for upload in Upload.objects.all()}
    assert kept == {"test": bytes(in_test.answer), "prod": bytes(in_prod.answer)}
