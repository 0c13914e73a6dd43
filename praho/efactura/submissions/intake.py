"""Taking documents in and moving their submissions on: creating a submission, a staff
member's "Submit to ANAF", the periodic intake and follow-up (the Celery tasks' services), each
run one submission at a time. The steps are praho.efactura.submissions.validating, .uploading,
.poll and .unknown; the package's docstring tells the whole way to ANAF."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing.models import Document, DocumentStatus
from praho.billing.models.documents import FISCAL_TYPES
from praho.core import request_id
from praho.efactura import locks
from praho.efactura.deadlines import deadline_for
from praho.efactura.models import Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.submissions import environment as environments
from praho.efactura.submissions import poll as polls
from praho.efactura.submissions import steps
from praho.efactura.submissions import unknown as unknown_uploads
from praho.efactura.submissions.rules import (
    documents_without_submission,
    due_in,
    from_start_date,
    is_due,
    is_reported,
)
from praho.efactura.submissions.steps import PENDING, VALIDATABLE
from praho.efactura.submissions.uploading import upload
from praho.efactura.submissions.validating import validate

logger = logging.getLogger(__name__)

State = SubmissionState
BATCH = 200  # documents or submissions one task run works on; the next run takes the rest
# Refusals of a step that mean another worker got there first, not a problem with the document.
RACES = ("at_anaf", "not_validated")


# --- creating and triggering ---------------------------------------------------------------


def submission_for(*, document: Document) -> Submission:
    """The submission of an issued invoice or credit note, created (with its deadline) if missing."""
    if document.document_type not in FISCAL_TYPES or document.status != DocumentStatus.ISSUED:
        raise ValidationError(
            {
                "document": ValidationError(
                    _("Only an issued invoice or credit note is sent to e-Factura; %(document)s is not one.")
                    % {"document": document},
                    code="not_issued",
                )
            }
        )
    submission, _created = Submission.objects.get_or_create(
        document=document, defaults={"deadline": deadline_for(document.issue_date)}
    )
    return submission


def submit(*, document: Document, actor: User) -> Submission:
    """A staff member sends the document to ANAF now; the work runs in the submit_one task after commit.

    What "now" does depends on the state: validate and upload a new one, look at ANAF again for
    one that is there (or may be). A rejected one starts again from validation: only an explicit
    request like this one uploads a document ANAF refused. For an unknown one past the grace
    period (or one whose status polls ANAF keeps refusing) the staff member asks to give the
    upload up: the request is recorded here, and the task looks in ANAF's message list once more
    and gives the upload up (then validates and sends the document again) only if that look
    succeeds and finds nothing. An accepted one is refused (ValidationError): nothing is left to do.
    One uploaded in another ANAF environment (EFACTURA_ENVIRONMENT changed) starts again here, or
    is accepted again if ANAF accepted it in this environment before (committed first, so that
    it holds when the submit is refused). Refused (ValidationError "not_connected") while PRAHO
    cannot send anything to ANAF, before anything is recorded: nothing would be on its way.
    """
    if not is_reported(document):
        raise ValidationError(
            {
                "document": ValidationError(
                    _(
                        "%(document)s is not reported to e-Factura: its place of supply is outside Romania "
                        "(a consumer abroad, taxed there)."
                    )
                    % {"document": document},
                    code="not_reported",
                )
            }
        )
    tracked = Submission.objects.filter(document=document).first()
    if tracked is not None:
        _refuse_if_accepted(environments.settled(submission=tracked, actor=actor), document)
    problem = steps.connection_problem()
    if problem is not None:
        raise ValidationError({"connection": ValidationError(problem, code="not_connected")})
    with transaction.atomic():
        submission = locks.submission(submission_for(document=document).pk)
        environments.settle(locked=submission, actor=actor)
        _refuse_if_accepted(submission, document)
        previous = submission.state
        give_up = previous == State.UNKNOWN and unknown_uploads.upload_past_grace(submission) is not None
        if previous == State.REJECTED:
            data = steps.previous_attempt(submission)
            steps.change(
                submission, State.NOT_SUBMITTED, "efactura.resubmitted", actor, data=data, **steps.FRESH_START
            )
        elif give_up or polls.polls_refused(submission):
            give_up = True
            _request_give_up(submission, actor)
        else:
            steps.apply(submission, next_attempt_at=None)
            record_event(
                "efactura.submit_requested",
                actor=actor,
                target=submission,
                data={"document": document.number, "state": previous},
            )
        transaction.on_commit(lambda: _enqueue_one(submission.pk, actor.pk, give_up))
    return submission


def _refuse_if_accepted(submission: Submission, document: Document) -> None:
    if submission.state == State.ACCEPTED:
        raise ValidationError(
            {
                "state": ValidationError(
                    _("ANAF has already accepted %(document)s; it is not sent again.")
                    % {"document": document},
                    code="accepted",
                )
            }
        )


def _request_give_up(locked: Submission, actor: User) -> None:
    """Recorded in submit (the row locked); the submit_one task decides after a look at ANAF.

    A submission whose status polls ANAF refused is first made unknown again, its upload
    pending: the look that follows is the one for an upload whose answer was lost.
    """
    if locked.state in PENDING:
        _poll_refused_to_unknown(locked, actor)
    sent = unknown_uploads.pending_upload(locked)
    record_event(
        "efactura.give_up_requested",
        actor=actor,
        target=locked,
        data={"upload": sent.pk if sent else None, "document": locked.document_id},
    )
    steps.apply(locked, next_attempt_at=None)


def _poll_refused_to_unknown(locked: Submission, actor: User) -> None:
    detail = _("ANAF refused the status polls: %(error)s") % {"error": locked.last_error}
    registered = locked.uploads.filter(index=locked.upload_index).order_by("-sent_at", "-pk").first()
    if registered is None:
        registered = Upload.objects.create(
            submission=locked,
            sent_at=locked.uploaded_at or timezone.now(),
            index=locked.upload_index,
            environment=locked.environment,
        )
    Upload.objects.filter(pk=registered.pk).update(
        outcome=UploadOutcome.SENT, resolved_at=None, detail=detail
    )
    data = {"upload": registered.pk, "upload_index": locked.upload_index, "error": locked.last_error}
    steps.change(locked, State.UNKNOWN, "efactura.poll_refused_recheck", actor, data=data, poll_refusals=0)


def _enqueue_one(submission_id: int, actor_id: int, give_up: bool) -> None:
    from praho.efactura.tasks import submit_one  # the tasks module imports this one

    submit_one.delay(submission_id, actor_id, give_up)


def advance(*, submission: Submission, actor: User | None = None, give_up: bool = False) -> Submission:
    """Take the submission as far as it goes now: resolve, validate, upload or poll, as its state needs.

    `give_up` (a staff member's request, see submit): an unknown upload that a look in ANAF's
    message list, past the grace period, does not find is given up and the document sent again.
    """
    submission = environments.settled(submission=submission, actor=actor)
    if submission.state == State.UNKNOWN:
        submission = unknown_uploads.resolve_unknown(submission=submission, actor=actor, give_up=give_up)
    if submission.state in VALIDATABLE:
        submission = validate(submission=submission, actor=actor)
    if submission.state == State.VALIDATED:
        submission = upload(submission=submission, actor=actor)
    if submission.state in PENDING and is_due(submission):
        return polls.poll(submission=submission, actor=actor)
    return submission


def submit_one(*, submission_id: int, actor_id: int | None = None, give_up: bool = False) -> Submission:
    """The submit_one task's work: one submission, as far as it goes now; a failure is kept for staff."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return _work_on(
        submission_id, lambda submission: advance(submission=submission, actor=actor, give_up=give_up)
    )


def submit_new_documents() -> int:
    """The periodic intake: a submission for every newly issued document (from EFACTURA_START_DATE),
    then validate and upload those due (new ones and earlier attempts waiting out a backoff).
    Returns how many were worked on."""
    environments.settle_all()
    for document in from_start_date(documents_without_submission())[:BATCH]:
        submission_for(document=document)
    due = due_in(Submission.objects.filter(state__in=(State.NOT_SUBMITTED, State.VALIDATED)))
    ids = list(due.order_by("created_at", "pk").values_list("pk", flat=True)[:BATCH])
    _each(ids, _validate_and_upload)
    return len(ids)


def _validate_and_upload(submission: Submission) -> None:
    if not is_due(submission):  # another worker has been at it since the list was read
        return
    if submission.state == State.NOT_SUBMITTED:
        submission = validate(submission=submission)
    if submission.state == State.VALIDATED:
        upload(submission=submission)


def submit_issued(*, document_ids: Sequence[int]) -> int:
    """The documents billing has just issued (signals.documents_issued, through the submit_issued
    task): each validated and uploaded at once, rather than at the next periodic intake; those
    issued before EFACTURA_START_DATE are left alone. Returns how many were worked on."""
    documents = from_start_date(
        Document.objects.filter(
            pk__in=document_ids, document_type__in=FISCAL_TYPES, status=DocumentStatus.ISSUED
        )
    ).order_by("issued_at", "pk")
    ids = [submission_for(document=document).pk for document in documents]
    _each(ids, lambda submission: advance(submission=submission))
    return len(ids)


def poll_pending() -> int:
    """The periodic follow-up of submissions at ANAF whose next look is due. Returns how many.
    Those whose status polls ANAF keeps refusing wait for a staff member (see polls.poll)."""
    environments.settle_all()
    waiting = Q(state=State.UNKNOWN) | Q(state__in=PENDING, poll_refusals__lt=polls.POLL_REFUSALS_MAX)
    due = due_in(Submission.objects.filter(waiting))
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH])
    problem = steps.connection_problem()
    if problem is not None:
        steps.note_not_connected(ids, problem)
        return 0
    _each(ids, _follow_up)
    return len(ids)


def _follow_up(submission: Submission) -> None:
    if not is_due(submission):
        return
    if submission.state == State.UNKNOWN:
        unknown_uploads.resolve_unknown(submission=submission)
    else:
        polls.poll(submission=submission)


def _each(ids: Iterable[int], work: Callable[[Submission], object]) -> None:
    """`work` on each submission, read afresh (the list may be minutes old by the time it is
    reached). One that fails is retried later; it does not stop the others."""
    for pk in ids:
        _work_on(pk, work)


def _work_on(pk: int, work: Callable[[Submission], object]) -> Submission:
    """`work` on one submission; a failure is logged, and left in last_error with a later retry.

    A refusal because another worker got there first (RACES) is no failure: it goes on there.
    """
    submission = steps.load(pk)
    try:
        done = work(submission)
    except SoftTimeLimitExceeded:
        raise
    except ValidationError as error:
        if any(code in RACES for code in _codes(error)):
            logger.info("e-Factura submission %s skipped: %s", pk, error.messages)
            return steps.load(pk)
        logger.warning("e-Factura submission %s failed: %s", pk, error.messages)
        reason = _("PRAHO could not complete this step: %(error)s") % {"error": " ".join(error.messages)}
        return _failed(pk, reason)
    except Exception:
        # Staff get a sentence and the ID to find the traceback by, never the exception's text.
        reference = request_id.current().request_id or request_id.new_request_id()
        logger.exception("e-Factura submission %s failed (request ID %s)", pk, reference)
        return _failed(pk, _internal_error(reference))
    return done if isinstance(done, Submission) else steps.load(pk)


def _internal_error(reference: str) -> str:
    return _(
        "PRAHO could not complete this step because of an error of its own (logged with request ID "
        "%(reference)s); it tries again later."
    ) % {"reference": reference}


def _codes(error: ValidationError) -> list[str]:
    errors = [e for field in error.error_dict.values() for e in field] if hasattr(error, "error_dict") else []
    return [str(e.code) for e in errors or error.error_list]


def _failed(pk: int, reason: str) -> Submission:
    """The reason where staff see it and a later attempt of the step the submission is at now."""
    current = steps.load(pk)
    if current.state == State.ACCEPTED:
        return current
    return steps.retry_later(current, reason, retry_after=None, expected=(current.state,))
