"""How a submission's changes are written: the building blocks of praho.efactura.submissions and
praho.efactura.submissions.environment, which alone call them.

Every change after a slow step (validation, a call to ANAF) goes through `step`: under the row
lock, and only if the submission is still where the step found it, so a stale copy or an answer
that arrives late never undoes what another worker or a staff member did meanwhile. Every state
change writes its audit event (`change`); retries back off exponentially (`backoff`).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.efactura import locks, tokens
from praho.efactura.gateways.anaf_errors import AnafAuthError
from praho.efactura.models import Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.submissions import transitions

logger = logging.getLogger(__name__)

State = SubmissionState
VALIDATABLE = (State.NOT_SUBMITTED, State.INVALID)
PENDING = (State.UPLOADED, State.PROCESSING)
# Retries after network errors, 429 or an unavailable validator: 1, 2, 4 ... minutes, at most 6 hours.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# What a new attempt starts from: nothing of an earlier upload's answer is shown with it.
FRESH_START: Mapping[str, Any] = {
    "upload_index": "",
    "uploaded_at": None,
    "download_id": "",
    "answer": None,
    "answered_at": None,
    "errors": [],
    "attempts": 0,
    "next_attempt_at": None,
    "last_error": "",
    "poll_refusals": 0,
}

Changes = Mapping[str, Any] | Callable[[Submission], Mapping[str, Any]]


def step(
    submission_id: int,
    expected: Collection[str],
    *,
    index: str | None = None,
    sent: Upload | None = None,
    upload_changes: Mapping[str, Any] | None = None,
    actor: User | None = None,
    events: Sequence[tuple[str, dict[str, Any]]] = (),
    to: str | None = None,
    action: str = "",
    data: Mapping[str, Any] | None = None,
    changes: Changes | None = None,
    record_same: bool = False,
) -> Submission:
    """Apply what a step found out, if the submission is still where the step found it.

    In one transaction, with the row locked: the submission must still be in one of `expected`
    states, with upload index `index` (when given), and the Upload `sent` must still be
    unanswered (when given). Otherwise it is left as it is (another worker or a staff member
    moved it on; an answer that arrives late must not undo that) and the fresh row returned.
    Else: the Upload's `upload_changes`, the audit `events`, then `changes` (or the changes
    computed from the locked row) with the move `to` a state and its audit event `action`,
    recorded when the state changes (or, with `record_same`, also when it stays).
    """
    with transaction.atomic():
        locked = locks.submission(submission_id)
        stale = _why_stale(locked, expected, index, sent)
        if stale:
            logger.info("e-Factura submission %s: %s not applied: %s", locked.pk, action or "update", stale)
            return locked
        if sent is not None and upload_changes:
            Upload.objects.filter(pk=sent.pk).update(**upload_changes)
        for name, event_data in events:
            record_event(name, actor=actor, target=locked, data=event_data)
        values = dict((changes(locked) if callable(changes) else changes) or {})
        if to is None or (to == locked.state and not record_same):
            apply(locked, **values)
        else:
            change(locked, to, action, actor, data=dict(data or {}), **values)
    return locked


def _why_stale(locked: Submission, expected: Collection[str], index: str | None, sent: Upload | None) -> str:
    if locked.state not in expected:
        return f"it is {locked.state}, not {'/'.join(expected)}"
    if index is not None and locked.upload_index != index:
        return f"its upload index is {locked.upload_index!r}, not {index!r}"
    if sent is not None and not Upload.objects.filter(pk=sent.pk, outcome=UploadOutcome.SENT).exists():
        return f"upload {sent.pk} is already resolved"
    return ""


def change(
    submission: Submission,
    state: str,
    action: str,
    actor: User | None,
    *,
    data: dict[str, Any] | None = None,
    **changes: Any,
) -> Submission:
    """A state change and its audit event, in the caller's transaction (the row locked by the caller).

    A move to accepted also marks the accepted Upload (praho.efactura.submissions.environment reads it: the
    document is never uploaded to that ANAF environment again).
    """
    previous = submission.state
    transitions.move(submission, state, **changes)
    if state == State.ACCEPTED:
        _mark_accepted(submission)
    record_event(
        action,
        actor=actor,
        target=submission,
        data={"from": previous, "to": state, "document": submission.document_id, **(data or {})},
    )
    return submission


def _mark_accepted(submission: Submission) -> None:
    accepted_at = submission.answered_at or timezone.now()
    # ANAF's test and production systems number uploads independently: the index is looked up
    # among the uploads to the environment the submission is in.
    accepted = Upload.objects.filter(
        submission=submission, environment=submission.environment, index=submission.upload_index
    )
    marked = accepted.update(accepted_at=accepted_at)
    if not marked:  # an index without its Upload (a restore of old data): recorded, not lost
        Upload.objects.create(
            submission=submission,
            sent_at=submission.uploaded_at or accepted_at,
            environment=submission.environment,
            **resolved(UploadOutcome.REGISTERED, index=submission.upload_index),
            accepted_at=accepted_at,
        )


def apply(submission: Submission, **changes: Any) -> None:
    """Save `changes` that leave the state as it is (a move goes through transitions.move)."""
    if "state" in changes:
        raise transitions.IllegalTransitionError("A state change goes through transitions.move, not apply.")
    for field, value in changes.items():
        setattr(submission, field, value)
    submission.save(update_fields=[*changes, "updated_at"])


def load(submission_id: int) -> Submission:
    """A submission as it is now, without its stored XML and answer (read under the lock when needed)."""
    return Submission.objects.defer("xml", "answer").get(pk=submission_id)


def resolved(outcome: str, *, index: str = "", detail: str = "") -> dict[str, Any]:
    """An Upload's answer: what became of the request, ANAF's index, why (for staff)."""
    return {
        "outcome": outcome,
        "index": index,
        "detail": detail.strip()[:2000],
        "resolved_at": timezone.now(),
    }


def previous_attempt(submission: Submission) -> dict[str, Any]:
    """What a fresh start clears, kept in its audit event: ANAF's index, download id, errors and
    signed answer (the ZIP, base64), which ANAF itself keeps only 60 days."""
    answer = bytes(submission.answer) if submission.answer is not None else None
    return {
        "upload_index": submission.upload_index,
        "download_id": submission.download_id,
        "answered_at": submission.answered_at.isoformat() if submission.answered_at else None,
        "errors": submission.errors,
        "answer": base64.b64encode(answer).decode("ascii") if answer is not None else None,
    }


# --- answers about an upload -----------------------------------------------------------------


def at_anaf(
    sent: Upload,
    index: str,
    *,
    detail: str,
    actor: User | None,
    to: str,
    action: str,
    data: Mapping[str, Any],
    changes: Mapping[str, Any],
    events: Sequence[tuple[str, dict[str, Any]]] = (),
) -> Submission:
    """ANAF registered the upload `sent` under `index`: evidence kept whatever happened meanwhile.

    The Upload is marked registered even if the submission moved on (an answer that arrives
    late, after a give-up). The submission moves `to` the step's state while the upload is its
    pending one, and also when it was given up and the document not uploaded again yet (that
    upload is the one at ANAF). If another upload is out already, ANAF may hold the document
    twice: an efactura.duplicate_upload event and last_error tell staff.
    """
    with transaction.atomic():
        locked = locks.submission(sent.submission_id)
        earlier = locks.upload(sent.pk)
        if earlier.outcome == UploadOutcome.REGISTERED:  # another worker recorded it first
            logger.info("e-Factura upload %s: already registered, %s not applied", sent.pk, action)
            return locked
        Upload.objects.filter(pk=sent.pk).update(
            **resolved(UploadOutcome.REGISTERED, index=index, detail=detail)
        )
        pending = locked.state == State.UNKNOWN and earlier.outcome == UploadOutcome.SENT
        given_up = locked.state in (*VALIDATABLE, State.VALIDATED)
        if earlier.environment not in ("", settings.EFACTURA_ENVIRONMENT):  # made elsewhere: evidence only
            logger.info("e-Factura upload %s registered in another environment", sent.pk)
        elif pending or given_up:
            for name, event_data in events:
                record_event(name, actor=actor, target=locked, data=event_data)
            change(locked, to, action, actor, data={**data, "late": given_up}, **changes)
        else:
            _duplicate(locked, earlier, index, actor)
    return locked


def _duplicate(locked: Submission, earlier: Upload, index: str, actor: User | None) -> None:
    sent_at = timezone.localtime(earlier.sent_at).strftime("%Y-%m-%d %H:%M %Z")
    message = _(
        "ANAF registered the upload of %(sent)s (index %(index)s) after it was given up and the "
        "document was uploaded again: ANAF may hold this document twice. Check ANAF's SPV."
    ) % {"sent": sent_at, "index": index}
    data = {"upload": earlier.pk, "upload_index": index, "current_index": locked.upload_index}
    record_event(
        "efactura.duplicate_upload", actor=actor, target=locked, data={**data, "state": locked.state}
    )
    logger.error("e-Factura submission %s: duplicate upload %s at ANAF", locked.pk, index)
    apply(locked, last_error=message)


def after(sent: Upload, **values: Any) -> Submission:
    """A step about the upload `sent`: applied while the submission is unknown and `sent` unanswered."""
    return step(sent.submission_id, (State.UNKNOWN,), sent=sent, **values)


# --- waiting -------------------------------------------------------------------------------


def connection_problem() -> str | None:
    """Why nothing can be sent to ANAF now (no token, or one that cannot be renewed), or None."""
    try:
        tokens.access_token()
    except AnafAuthError as error:
        return error.message
    return None


def note_not_connected(ids: Sequence[int], problem: str) -> None:
    """Skip quietly, but leave the reason where staff see it (on those still waiting)."""
    if ids:
        logger.info("e-Factura: %s submissions wait: %s", len(ids), problem)
        waiting = Submission.objects.filter(pk__in=ids).exclude(
            state__in=(State.ACCEPTED, State.REJECTED, State.INVALID)
        )
        waiting.update(last_error=problem, updated_at=timezone.now())


def retry_later(
    submission: Submission,
    reason: str,
    *,
    retry_after: float | None,
    expected: Collection[str],
    index: str | None = None,
) -> Submission:
    """A later attempt of the current step, if the submission is still in one of `expected`."""
    return step(
        submission.pk, expected, index=index, changes=lambda locked: backoff(locked, reason, retry_after)
    )


def backoff(locked: Submission, reason: str, retry_after: float | None) -> dict[str, Any]:
    """Exponential backoff from BACKOFF_BASE (at most BACKOFF_MAX), or longer when ANAF said so."""
    wait = min(BACKOFF_BASE * 2**locked.attempts, BACKOFF_MAX)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    logger.info("e-Factura submission %s: %s; next attempt in %s", locked.pk, reason, wait)
    return {"attempts": locked.attempts + 1, "next_attempt_at": timezone.now() + wait, "last_error": reason}
