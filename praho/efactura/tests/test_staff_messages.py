"""What e-Factura tells staff when it cannot do its work: "Submit to ANAF" without a connection
to ANAF is refused with a link to the connection page, and a failure is shown as a translated
sentence, never as an exception's text ("ConnectError: [Errno -2] ..."), which stays in the log."""

from __future__ import annotations

import logging
import re
from html import unescape

import pytest

from praho.audit.models import AuditEvent
from praho.efactura import submissions
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    HOSTING,
    issued_invoice,
    require_validation_artifacts,
    start_billing,
)

State = SubmissionState
NOT_CONNECTED = "PRAHO is not connected to ANAF; an administrator must connect it on the ANAF page."
UNREACHABLE = "ANAF's validation service could not be reached; PRAHO tries again later."


@pytest.fixture
def invoice(db):
    require_validation_artifacts()
    return issued_invoice(start_billing(), "ro_company", (HOSTING, DOMAIN))


def submit_url(document) -> str:
    return f"/staff/efactura/documents/{document.pk}/submit/"


def messages_in(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def last_error_on_the_page(client, document) -> str:
    page = unescape(client.get(f"/staff/billing/documents/{document.pk}/").content.decode())
    match = re.search(r"<dt>Last error</dt><dd>(.*?)</dd>", page, re.DOTALL)
    assert match, page
    return match.group(1)


def test_submitting_while_not_connected_to_anaf_is_refused_with_a_link_to_the_connection_page(
    staff_client, bill_billing, invoice
):
    response = staff_client(bill_billing).post(submit_url(invoice), follow=True)

    assert messages_in(response) == [
        f'{NOT_CONNECTED} <a href="/staff/efactura/anaf/">Open the ANAF connection page</a>'
    ]
    assert '<a href="/staff/efactura/anaf/">Open the ANAF connection page</a>' in response.content.decode()
    assert not Submission.objects.filter(document=invoice).exists()
    assert not AuditEvent.objects.filter(action__startswith="efactura.").exists()


def test_a_validator_that_cannot_be_reached_is_shown_in_words_and_logged_with_its_cause(
    staff_client, bill_billing, invoice, settings, caplog
):
    settings.EFACTURA_VALIDATION_DIR = ""  # ANAF's service, at an address where nothing listens

    with caplog.at_level(logging.WARNING, logger="praho.efactura.ubl.validation"):
        submission = submissions.validate(submission=submissions.submission_for(document=invoice))

    assert (submission.state, submission.last_error) == (State.NOT_SUBMITTED, UNREACHABLE)
    assert submission.validation == {}  # nothing was decided
    assert last_error_on_the_page(staff_client(bill_billing), invoice) == UNREACHABLE
    [logged] = [record.getMessage() for record in caplog.records]
    assert logged.startswith("ANAF's validation service failed: ConnectError: [Errno 111]")


def test_an_error_in_praho_itself_is_shown_in_words_with_its_request_id_and_logged_in_full(
    staff_client, bill_billing, invoice, anaf_connected, settings, caplog
):
    submission = submissions.validate(submission=submissions.submission_for(document=invoice))
    settings.EFACTURA_API_URL = None  # the API client cannot be built: a bug, as far as staff can tell

    with caplog.at_level(logging.ERROR, logger="praho.efactura.submissions"):
        submission = submissions.submit_one(submission_id=submission.pk)

    assert submission.state == State.VALIDATED
    shown = re.fullmatch(
        r"PRAHO could not complete this step because of an error of its own \(logged with request ID "
        r"(?P<id>[0-9a-f]{32})\); it tries again later\.",
        submission.last_error,
    )
    assert shown, submission.last_error
    assert last_error_on_the_page(staff_client(bill_billing), invoice) == submission.last_error
    [logged] = caplog.records
    assert logged.getMessage() == f"e-Factura submission {submission.pk} failed (request ID {shown['id']})"
    assert "'NoneType' object has no attribute 'rstrip'" in logged.exc_text
