"""Polling ANAF for an upload's verdict and archiving its signed answer (the submission
`uploaded` or `processing`; see praho.efactura.submissions for the whole way to ANAF)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.efactura.gateways.anaf import AnafEfacturaClient
from praho.efactura.gateways.anaf_answers import ProcessingState, StatusResult
from praho.efactura.gateways.anaf_errors import AnafError, AnafRejectedError
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.submissions import environment as environments
from praho.efactura.submissions import steps
from praho.efactura.submissions.rules import rejection_errors
from praho.efactura.submissions.steps import PENDING

State = SubmissionState
# Status polls: a quarter of the time since the upload, between 1 minute and 1 hour, so a slow
# day at ANAF does not spend its per-message quota of stareMesaj calls.
POLL_MIN = timedelta(minutes=1)
POLL_MAX = timedelta(hours=1)
# Status polls ANAF refuses outright (an index it does not know) before PRAHO stops asking: a
# staff submit then looks for the document in the message list, as for an unknown outcome.
POLL_REFUSALS_MAX = 5


def poll(*, submission: Submission, actor: User | None = None) -> Submission:
    """Ask ANAF where an upload stands; archive its signed answer once it has decided.

    "in prelucrare" → processing; ok → the ZIP downloaded and archived, accepted; nok → the
    ZIP (ANAF's error report) archived, rejected with its errors; "XML cu erori nepreluat de
    sistem" → rejected. Network errors and 429 → a later retry with backoff. The answer is
    applied only while the submission is still uploaded or processing with the same index.
    A refusal of the status request itself (an index ANAF does not know) is retried with backoff
    POLL_REFUSALS_MAX times; then the polls stop and staff are told (see submissions.submit).
    """
    submission = environments.settled(submission=submission, actor=actor)
    if submission.state not in PENDING or not submission.upload_index or polls_refused(submission):
        return submission
    index = submission.upload_index
    try:
        status, archive = _status_at_anaf(index)
    except AnafRejectedError as error:
        refused = error  # `error` is unbound once the except block ends; the lambda runs inside _step
        return steps.step(
            submission.pk, PENDING, index=index, changes=lambda locked: _poll_refused(locked, refused)
        )
    except AnafError as error:
        retry_after = getattr(error, "retry_after", None)
        return steps.retry_later(
            submission, error.message, retry_after=retry_after, expected=PENDING, index=index
        )
    if status.state == ProcessingState.PROCESSING:
        return _still_processing(submission, index, actor)
    return _decided(submission, index, status, archive, actor)


def _status_at_anaf(index: str) -> tuple[StatusResult, bytes | None]:
    """ANAF's status of the upload `index` and, once decided, its signed answer."""
    if not index.isdigit():  # a row restored or edited by hand: ANAF never gives such an index
        raise AnafRejectedError(
            _("The upload index %(index)s is not one ANAF gives (a number); ANAF cannot be asked about it.")
            % {"index": index}
        )
    with AnafEfacturaClient() as client:
        status = client.status(index)
        return status, client.download(status.download_id) if status.download_id else None


def _still_processing(submission: Submission, index: str, actor: User | None) -> Submission:
    since = timezone.now() - (submission.uploaded_at or timezone.now())
    wait = min(max(since / 4, POLL_MIN), POLL_MAX)
    return steps.step(
        submission.pk,
        PENDING,
        index=index,
        actor=actor,
        to=State.PROCESSING,
        action="efactura.processing",
        changes={
            "next_attempt_at": timezone.now() + wait,
            "attempts": 0,
            "last_error": "",
            "poll_refusals": 0,
        },
    )


def _decided(
    submission: Submission, index: str, status: StatusResult, archive: bytes | None, actor: User | None
) -> Submission:
    downloaded = (
        [("efactura.answer_downloaded", {"download_id": status.download_id, "bytes": len(archive)})]
        if archive is not None
        else []
    )
    answer: dict[str, Any] = {
        "download_id": status.download_id,
        "answer": archive,
        "answered_at": timezone.now(),
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": "",
        "poll_refusals": 0,
    }
    accepted = status.state == ProcessingState.OK
    errors = [] if accepted else rejection_errors(status, archive)
    return steps.step(
        submission.pk,
        PENDING,
        index=index,
        actor=actor,
        events=downloaded,
        to=State.ACCEPTED if accepted else State.REJECTED,
        action="efactura.accepted" if accepted else "efactura.rejected",
        data={"download_id": status.download_id} if accepted else {"errors": errors},
        changes={**answer, "errors": errors},
    )


def polls_refused(submission: Submission) -> bool:
    return submission.state in PENDING and submission.poll_refusals >= POLL_REFUSALS_MAX


def _poll_refused(locked: Submission, error: AnafRejectedError) -> dict[str, Any]:
    refusals = locked.poll_refusals + 1
    if refusals < POLL_REFUSALS_MAX:
        return {**steps.backoff(locked, error.message, None), "poll_refusals": refusals}
    reason = _(
        "ANAF refused %(count)s status requests for upload %(index)s (%(error)s). PRAHO no longer asks; "
        "a staff member's submit looks for the document in ANAF's message list and sends it again "
        "only if it is not there."
    ) % {"count": refusals, "index": locked.upload_index, "error": error.message}
    return {"poll_refusals": refusals, "next_attempt_at": None, "last_error": reason}
