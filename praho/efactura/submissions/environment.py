"""Where a submission stands in the current ANAF environment (EFACTURA_ENVIRONMENT, test or prod)
on one database whose setting may go back and forth.

Each Upload records the environment it was sent to, and the one ANAF accepted carries
`accepted_at` (and, once the submission moved on, ANAF's signed answer). So, for the current
environment:

- a submission uploaded in another environment starts again here (not submitted), with what
  that environment answered kept in the audit event and on its Upload;
- unless ANAF accepted the document in this environment before: then it is accepted again,
  with that upload's index and signed answer, and nothing is sent. A document accepted in an
  environment is never uploaded there again, whatever switches happened (the upload claim in
  praho.efactura.submissions checks it once more).

Called by praho.efactura.submissions before it works on a submission; the periodic tasks
settle every submission that needs it first, so counts and deadlines are right.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from praho.accounts.models import User
from praho.efactura import locks
from praho.efactura.models import AT_ANAF, Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.submissions import steps

State = SubmissionState
# Where an upload was made (in Submission.environment): in another ANAF environment than the
# current one, the document is not at ANAF for this one.
UPLOADED_STATES = (*AT_ANAF, State.REJECTED)
# Not at ANAF in the current environment (yet, or again after a switch).
NOT_SENT_HERE = (State.NOT_SUBMITTED, State.INVALID, State.VALIDATED)


def current() -> str:
    return str(settings.EFACTURA_ENVIRONMENT)


def accepted_uploads_here() -> QuerySet[Upload]:
    return Upload.objects.filter(environment=current(), accepted_at__isnull=False)


def unsettled() -> QuerySet[Submission]:
    """Submissions uploaded in another environment, and those not sent here that ANAF accepted
    here before (one query)."""
    here = current()
    elsewhere = Q(state__in=UPLOADED_STATES) & ~Q(environment__in=("", here))
    accepted_before = Q(state__in=NOT_SENT_HERE) & Exists(
        accepted_uploads_here().filter(submission=OuterRef("pk"))
    )
    return Submission.objects.filter(elsewhere | accepted_before)


def settle_all() -> None:
    """Settle every submission that needs it, each under its row lock."""
    for pk in unsettled().order_by("pk").values_list("pk", flat=True):
        settled(submission=steps.load(pk), actor=None)


def settled(*, submission: Submission, actor: User | None) -> Submission:
    """`submission` as it stands in the current environment, settled first if it needs it."""
    if not _uploaded_elsewhere(submission) and submission.state not in NOT_SENT_HERE:
        return submission
    if (
        submission.state in NOT_SENT_HERE
        and not accepted_uploads_here().filter(submission=submission).exists()
    ):
        return submission
    with transaction.atomic():
        locked = locks.submission(submission.pk)
        settle(locked=locked, actor=actor)
    return steps.load(submission.pk)


def settle(*, locked: Submission, actor: User | None) -> bool:
    """In the caller's transaction, the row locked (and read whole: its answer may move): start
    again or take back this environment's acceptance, as the module docstring says. Returns
    whether the submission changed."""
    accepted = accepted_uploads_here().filter(submission=locked).order_by("-accepted_at", "-pk").first()
    if _uploaded_elsewhere(locked):
        data = {"environment": locked.environment, "current": current(), **steps.previous_attempt(locked)}
        _leave(locked)
    elif accepted is not None and locked.state in NOT_SENT_HERE:
        data = {"environment": locked.environment, "current": current(), "state": locked.state}
    else:
        return False
    if accepted is None:
        # `environment` stays: an answer of that environment arriving late is kept as evidence only.
        steps.change(
            locked, State.NOT_SUBMITTED, "efactura.environment_changed", actor, data=data, **steps.FRESH_START
        )
    else:
        _accepted_again(locked, accepted, actor, data)
    return True


def _uploaded_elsewhere(submission: Submission) -> bool:
    return submission.state in UPLOADED_STATES and submission.environment not in ("", current())


def _leave(locked: Submission) -> None:
    """What the environment left behind stays on its Uploads: an upload with no answer there is
    not this environment's, and ANAF's signed acceptance goes with its upload, for a return."""
    detail = f"sent to ANAF's {locked.environment} environment, not {current()}"
    locked.uploads.filter(outcome=UploadOutcome.SENT).update(
        **steps.resolved(UploadOutcome.NEVER_REACHED, detail=detail)
    )
    if locked.state == State.ACCEPTED:
        accepted = locked.uploads.filter(
            environment=locked.environment, index=locked.upload_index, accepted_at__isnull=False
        )
        accepted.update(download_id=locked.download_id, answer=locked.answer)


def _accepted_again(
    locked: Submission, accepted: Upload, actor: User | None, data: dict[str, object]
) -> None:
    steps.change(
        locked,
        State.ACCEPTED,
        "efactura.environment_changed",
        actor,
        data={**data, "accepted_earlier": accepted.index},
        **{
            **steps.FRESH_START,
            "environment": current(),
            "upload_index": accepted.index,
            "uploaded_at": accepted.sent_at,
            "download_id": accepted.download_id,
            "answer": accepted.answer,
            "answered_at": accepted.accepted_at,
        },
    )
