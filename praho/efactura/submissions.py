"""Each issued invoice's and credit note's way to ANAF e-Factura: the only writer of Submission and Upload.

    not_submitted ─validate─▶ validated ─upload─▶ uploaded ─poll─▶ processing ─poll─▶ accepted
          │                      ▲   │                                          └──▶ rejected
          ▼                      │   └─(answer lost)─▶ unknown ─resolve_unknown─▶ accepted
       invalid                   └──(provably never reached ANAF)──┘    │
                                                       (staff give up)──┴─▶ not_submitted

At most once: a document is uploaded again only when its earlier upload was refused by ANAF
(rejected, after a staff member asks for it) or provably never reached ANAF. The Upload row is
written and committed, with the submission moved to `unknown`, before the request is sent: a
worker that dies mid-request leaves the evidence that ANAF may hold the document, and a second
caller finds the submission no longer `validated` and sends nothing. An unknown upload is never
sent again on PRAHO's own: only a staff member's submit past the grace period does it.

Every change after a slow step (validation, a call to ANAF) goes through _step: under the row
lock, and only if the submission is still where the step found it, so a stale copy or an answer
that arrives late never undoes what another worker or a staff member did meanwhile.

Network errors and HTTP 429 set `next_attempt_at` with exponential backoff (or ANAF's
Retry-After); the Celery tasks (praho.efactura.tasks) pick up what is due. Every state change,
upload and download writes an audit event (actor None when a task acts).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing.models import Document, DocumentStatus
from praho.billing.models.documents import FISCAL_TYPES
from praho.efactura import tokens
from praho.efactura.deadlines import deadline_for
from praho.efactura.gateways.anaf import AnafEfacturaClient, normalize_cif
from praho.efactura.gateways.anaf_answers import MessageFilter, MessageItem, ProcessingState, StatusResult
from praho.efactura.gateways.anaf_errors import (
    AnafAuthError,
    AnafConfigurationError,
    AnafError,
    AnafRejectedError,
    AnafRetryableError,
    AnafUnknownOutcomeError,
)
from praho.efactura.models import AT_ANAF, Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.selectors import with_xml_data
from praho.efactura.submission_queries import (
    documents_without_submission,
    due_in,
    from_start_date,
    is_due,
    is_our_document,
    rejection_errors,
    seller_cif,
    unbuildable,
    upload_options,
    verdict,
)
from praho.efactura.ubl import document_xml
from praho.efactura.validation import INVALID, VALID, validate_xml

logger = logging.getLogger(__name__)

State = SubmissionState
VALIDATABLE = (State.NOT_SUBMITTED, State.INVALID)
PENDING = (State.UPLOADED, State.PROCESSING)
# Retries after network errors, 429 or an unavailable validator: 1, 2, 4 ... minutes, at most 6 hours.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# Status polls: a quarter of the time since the upload, between 1 minute and 1 hour, so a slow
# day at ANAF does not spend its per-message quota of stareMesaj calls.
POLL_MIN = timedelta(minutes=1)
POLL_MAX = timedelta(hours=1)
# An unknown upload is looked for every 10 minutes in the grace period, then ever more rarely
# (a quarter of the time since it was sent, at most every 6 hours) until found or given up.
UNKNOWN_RECHECK = timedelta(minutes=10)
UNKNOWN_RECHECK_MAX = timedelta(hours=6)
# Clocks differ: the message list is searched from a little before the upload was sent.
CLOCK_MARGIN = timedelta(minutes=5)
LIST_WINDOW = timedelta(days=59)  # ANAF lists 60 days back; a day less keeps clear of the edge
BATCH = 200  # documents or submissions one task run works on; the next run takes the rest
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
}

Changes = Mapping[str, Any] | Callable[[Submission], Mapping[str, Any]]


# --- creating and triggering ---------------------------------------------------------------


def submission_for(document: Document) -> Submission:
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


def submit(document: Document, actor: User) -> Submission:
    """A staff member sends the document to ANAF now; the work runs in the submit_one task after commit.

    What "now" does depends on the state: validate and upload a new one, look at ANAF again for
    one that is there (or may be). A rejected one starts again from validation: only an explicit
    request like this one uploads a document ANAF refused. An unknown one past the grace period
    (ANAF has not listed it for EFACTURA_UNKNOWN_GRACE_MINUTES) is this staff member's decision
    that it never arrived: its upload is given up and the document validated and sent again.
    An accepted one is refused (ValidationError): there is nothing left to do.
    """
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_for(document).pk)
        previous = submission.state
        if previous == State.ACCEPTED:
            raise ValidationError(
                {
                    "state": ValidationError(
                        _("ANAF has already accepted %(document)s; it is not sent again.")
                        % {"document": document},
                        code="accepted",
                    )
                }
            )
        given_up = _upload_past_grace(submission) if previous == State.UNKNOWN else None
        if previous == State.REJECTED:
            data = {"errors": submission.errors, "upload_index": submission.upload_index}
            _change(submission, State.NOT_SUBMITTED, "efactura.resubmitted", actor, data=data, **FRESH_START)
        elif given_up is not None:
            _give_up(submission, given_up, actor)
        else:
            _apply(submission, next_attempt_at=None)
            record_event(
                "efactura.submit_requested",
                actor=actor,
                target=submission,
                data={"document": document.number, "state": previous},
            )
        transaction.on_commit(lambda: _enqueue_one(submission.pk, actor.pk))
    return submission


def _enqueue_one(submission_id: int, actor_id: int) -> None:
    from praho.efactura.tasks import submit_one  # the tasks module imports this one

    submit_one.delay(submission_id, actor_id)


def advance(submission: Submission, *, actor: User | None = None) -> Submission:
    """Take the submission as far as it goes now: validate, upload, poll or resolve, as its state needs."""
    if submission.state in VALIDATABLE:
        submission = validate(submission, actor=actor)
    if submission.state == State.VALIDATED:
        submission = upload(submission, actor=actor)
    if submission.state == State.UNKNOWN:
        return resolve_unknown(submission, actor=actor)
    if submission.state in PENDING and is_due(submission):
        return poll(submission, actor=actor)
    return submission


def submit_one(submission_id: int, actor_id: int | None = None) -> Submission:
    """The submit_one task's work: one submission, as far as it goes now."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return advance(_load(submission_id), actor=actor)


def submit_new_documents() -> int:
    """The periodic intake: a submission for every newly issued document (from EFACTURA_START_DATE),
    then validate and upload those due (new ones and earlier attempts waiting out a backoff).
    Returns how many were worked on."""
    for document in from_start_date(documents_without_submission())[:BATCH]:
        submission_for(document)
    due = due_in(Submission.objects.filter(state__in=(State.NOT_SUBMITTED, State.VALIDATED)))
    ids = list(due.order_by("created_at", "pk").values_list("pk", flat=True)[:BATCH])
    _each(ids, _validate_and_upload)
    return len(ids)


def _validate_and_upload(submission: Submission) -> None:
    if not is_due(submission):  # another worker has been at it since the list was read
        return
    if submission.state == State.NOT_SUBMITTED:
        submission = validate(submission)
    if submission.state == State.VALIDATED:
        upload(submission)


def submit_issued(document_ids: Sequence[int]) -> int:
    """The documents billing has just issued (signals.documents_issued, through the submit_issued
    task): each validated and uploaded at once, rather than at the next periodic intake; those
    issued before EFACTURA_START_DATE are left alone. Returns how many were worked on."""
    documents = from_start_date(
        Document.objects.filter(
            pk__in=document_ids, document_type__in=FISCAL_TYPES, status=DocumentStatus.ISSUED
        )
    ).order_by("issued_at", "pk")
    ids = [submission_for(document).pk for document in documents]
    _each(ids, advance)
    return len(ids)


def poll_pending() -> int:
    """The periodic follow-up of submissions at ANAF whose next look is due. Returns how many."""
    due = due_in(Submission.objects.filter(state__in=(*PENDING, State.UNKNOWN)))
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH])
    problem = _connection_problem()
    if problem is not None:
        _note_not_connected(ids, problem)
        return 0
    _each(ids, _follow_up)
    return len(ids)


def _follow_up(submission: Submission) -> None:
    if not is_due(submission):
        return
    if submission.state == State.UNKNOWN:
        resolve_unknown(submission)
    else:
        poll(submission)


def _each(ids: Iterable[int], work: Callable[[Submission], object]) -> None:
    """`work` on each submission, read afresh (the list may be minutes old by the time it is
    reached). One that fails is logged and retried later; it does not stop the others."""
    for pk in ids:
        submission = _load(pk)
        try:
            work(submission)
        except SoftTimeLimitExceeded:
            raise
        except ValidationError as error:  # e.g. another worker claimed it first: it goes on
            logger.warning("e-Factura submission %s skipped: %s", pk, error.messages)
        except Exception as error:
            logger.exception("e-Factura submission %s failed", pk)
            reason = _("PRAHO could not complete this step: %(error)s") % {"error": error}
            _retry_later(submission, reason, retry_after=None, expected=(submission.state,))


# --- validation ----------------------------------------------------------------------------


def validate(submission: Submission, *, actor: User | None = None) -> Submission:
    """Generate the document's XML, validate it as ANAF would and record the verdict with the XML.

    Valid → validated, the XML kept (it is what upload sends); invalid → invalid with each
    failed rule. When no validator could run (artifacts missing, ANAF's service down) it stays
    as it was with the reason in last_error and a later retry: a document is never taken as
    valid unchecked. The verdict is written only if the submission is still not submitted or
    invalid: a caller's copy may be stale while another worker has uploaded it meanwhile.
    """
    if submission.state not in VALIDATABLE:
        return submission
    xml = b""
    try:
        xml = _xml(submission)
        result = validate_xml(xml)
    except ValidationError as error:
        result = unbuildable(error)
    if result.state == VALID:
        kept = {"xml": xml, "xml_sha256": hashlib.sha256(xml).hexdigest()}
        return _step(
            submission.pk,
            VALIDATABLE,
            actor=actor,
            to=State.VALIDATED,
            action="efactura.validated",
            changes={**verdict(result), **kept},
        )
    if result.state == INVALID:
        dropped = {"xml": None, "xml_sha256": ""}
        changes = {**verdict(result), **dropped}
        return _step(
            submission.pk,
            VALIDATABLE,
            actor=actor,
            to=State.INVALID,
            action="efactura.invalid",
            changes=changes,
            record_same=True,  # validated again (a staff submit): the new verdict is on record
        )
    return _retry_later(submission, result.reason, retry_after=None, expected=VALIDATABLE)


def _xml(submission: Submission) -> bytes:
    document = with_xml_data(Document.objects.filter(pk=submission.document_id)).get()
    return document_xml(document)


# --- upload --------------------------------------------------------------------------------


def upload(submission: Submission, *, actor: User | None = None) -> Submission:
    """Send a validated document's stored XML to ANAF once.

    Refused (ValidationError) unless the submission is validated: from unknown, uploaded,
    processing or accepted ANAF may hold the document already. Under the row lock the Upload
    row is written and the submission moved to unknown, and that is committed before the
    request goes out (see the module docstring). Then, by ANAF's answer:
    registered → uploaded with its index; refused → rejected with ANAF's errors; refused
    before registering (HTTP 429, daily quota, connection refused, authorization, a wrong API
    address) → validated again with a backoff, the Upload marked never_reached; no answer
    (timeout, dropped connection, 5xx) → stays unknown, the Upload stays sent, for resolve_unknown.
    """
    document = Document.objects.select_related("seller").get(pk=submission.document_id)
    try:
        cif = normalize_cif(seller_cif(document))
    except ValueError as error:  # nothing was sent: the seller's tax id must be fixed first
        reason = _("The seller's CIF is not valid: %(error)s") % {"error": error}
        return _retry_later(submission, reason, retry_after=None, expected=(State.VALIDATED,))
    problem = _connection_problem()
    if problem is not None:
        _note_not_connected([submission.pk], problem)
        return _load(submission.pk)
    claimed = _claim(submission, actor)
    if claimed is None:
        return _load(submission.pk)
    sent, xml = claimed
    try:
        with AnafEfacturaClient() as client:
            answer = client.upload(xml, cif=cif, **upload_options(document))
    except AnafUnknownOutcomeError as error:
        return _lost(sent, error, actor)
    except AnafRejectedError as error:
        return _refused(sent, error, actor)
    except (AnafRetryableError, AnafAuthError, AnafConfigurationError) as error:
        return _never_reached(sent, error, actor)
    return _registered(sent, answer.index, actor)


def _claim(submission: Submission, actor: User | None) -> tuple[Upload, bytes] | None:
    """The Upload row and the move to unknown, committed before anything is sent; the XML to send.

    None when the stored XML is missing or altered (validated before PRAHO kept it): the
    submission goes back to not submitted, to be validated again before anything is sent.
    """
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state in AT_ANAF:
            raise ValidationError(
                {
                    "state": ValidationError(
                        _("ANAF has or may have this document already (%(state)s); it is not uploaded again.")
                        % {"state": locked.get_state_display()},
                        code="at_anaf",
                    )
                }
            )
        if locked.state != State.VALIDATED:
            raise ValidationError(
                {
                    "state": ValidationError(
                        _("Only a validated document is uploaded to ANAF; this one is %(state)s.")
                        % {"state": locked.get_state_display()},
                        code="not_validated",
                    )
                }
            )
        xml = bytes(locked.xml) if locked.xml is not None else b""
        if not xml or hashlib.sha256(xml).hexdigest() != locked.xml_sha256:
            reason = _("The validated XML is not stored intact; the document is validated again first.")
            dropped: dict[str, Any] = {"xml": None, "xml_sha256": "", "last_error": reason}
            _change(locked, State.NOT_SUBMITTED, "efactura.validate_again", actor, **dropped)
            return None
        sent = Upload.objects.create(submission=locked, sent_at=timezone.now())
        environment = settings.EFACTURA_ENVIRONMENT
        _apply(
            locked,
            state=State.UNKNOWN,
            next_attempt_at=_unknown_recheck(sent.sent_at),
            environment=environment,
        )
        record_event(
            "efactura.upload_sent",
            actor=actor,
            target=locked,
            data={"upload": sent.pk, "xml_sha256": locked.xml_sha256, "environment": environment},
        )
    return sent, xml


def _registered(sent: Upload, index: str, actor: User | None) -> Submission:
    now = timezone.now()
    return _after(
        sent,
        upload_changes=_resolved(UploadOutcome.REGISTERED, index=index),
        actor=actor,
        to=State.UPLOADED,
        action="efactura.uploaded",
        data={"upload_index": index},
        changes={
            "upload_index": index,
            "uploaded_at": now,
            "attempts": 0,
            "next_attempt_at": now + POLL_MIN,
            "last_error": "",
        },
    )


def _refused(sent: Upload, error: AnafRejectedError, actor: User | None) -> Submission:
    errors = [{"code": "", "message": message} for message in error.errors] or [
        {"code": "", "message": error.message}
    ]
    return _after(
        sent,
        upload_changes=_resolved(UploadOutcome.REFUSED, detail=error.message),
        actor=actor,
        to=State.REJECTED,
        action="efactura.rejected",
        data={"at": "upload", "errors": errors},
        changes={"errors": errors, "last_error": error.message, "next_attempt_at": None},
    )


def _never_reached(sent: Upload, error: AnafError, actor: User | None) -> Submission:
    """ANAF did not register it (refused at the door or never connected to): validated again, later."""
    retry_after = error.retry_after if isinstance(error, AnafRetryableError) else None
    return _after(
        sent,
        upload_changes=_resolved(UploadOutcome.NEVER_REACHED, detail=f"{error.message} {error.detail}"),
        actor=actor,
        to=State.VALIDATED,
        action="efactura.upload_never_reached",
        data={"error": error.message},
        changes=lambda locked: _backoff(locked, error.message, retry_after),
    )


def _lost(sent: Upload, error: AnafUnknownOutcomeError, actor: User | None) -> Submission:
    """The answer was lost: the submission stays unknown (as claimed), the Upload stays sent."""
    return _after(
        sent,
        upload_changes={"detail": f"{error.message} {error.detail}".strip()},
        actor=actor,
        events=[("efactura.upload_unknown", {"upload": sent.pk})],
        changes={"last_error": error.message},
    )


def _after(sent: Upload, **step: Any) -> Submission:
    """A step about the upload `sent`: applied while the submission is unknown and `sent` unanswered."""
    return _step(sent.submission_id, (State.UNKNOWN,), sent=sent, **step)


def _resolved(outcome: str, *, index: str = "", detail: str = "") -> dict[str, Any]:
    return {
        "outcome": outcome,
        "index": index,
        "detail": detail.strip()[:2000],
        "resolved_at": timezone.now(),
    }


# --- unknown outcomes ----------------------------------------------------------------------


def resolve_unknown(submission: Submission, *, actor: User | None = None) -> Submission:
    """Look for the upload whose answer was lost in ANAF's message list; never send it again.

    ANAF lists a message per upload only once it has processed it, and an accepted upload's
    message leads to a ZIP holding the invoice as uploaded. So: list the seller's accepted
    messages since the upload was sent, skip those of uploads PRAHO knows (their index is on
    record) and those already checked for this upload, download the others and compare the
    invoice's number and issue date with ours. Found → accepted, with the index, download id
    and the signed ZIP archived.

    Not found → look again later: an empty list proves nothing, since ANAF may be slow to
    process. Past EFACTURA_UNKNOWN_GRACE_MINUTES the looks are spaced out and last_error tells
    staff that ANAF has not listed it: if ANAF's SPV shows nothing either, a staff member may
    send it again (submit). A rejected upload cannot be recognised (its ZIP holds ANAF's error
    report, not the invoice), so it too waits for that decision.
    """
    if submission.state != State.UNKNOWN:
        return submission
    sent = _pending_upload(submission)
    if sent is None:  # claimed, but the Upload is gone: cannot happen with PROTECT; be safe anyway
        reason = _("No pending upload is recorded.")
        return _retry_later(submission, reason, retry_after=None, expected=(State.UNKNOWN,))
    document = Document.objects.select_related("seller").get(pk=submission.document_id)
    try:
        found = _find_at_anaf(sent, document)
    except AnafError as error:
        retry_after = getattr(error, "retry_after", None)
        return _retry_later(submission, error.message, retry_after=retry_after, expected=(State.UNKNOWN,))
    if found is not None:
        return _found(sent, *found, actor)
    return _not_listed_yet(sent)


def _pending_upload(submission: Submission) -> Upload | None:
    return submission.uploads.filter(outcome=UploadOutcome.SENT).order_by("-sent_at", "-pk").first()


def _find_at_anaf(sent: Upload, document: Document) -> tuple[MessageItem, bytes] | None:
    """The message of this upload, if ANAF lists it; the unrelated messages downloaded are remembered."""
    now = timezone.now()
    start = max(sent.sent_at - CLOCK_MARGIN, now - LIST_WINDOW)
    checked = list(sent.checked_messages)
    try:
        with AnafEfacturaClient() as client:
            listed = client.messages_between(
                cif=seller_cif(document), start=start, end=now, kind=MessageFilter.SENT
            )
            for message in _candidates(listed, set(checked)):
                archive = client.download(message.id)
                if is_our_document(archive, document):
                    return message, archive
                checked.append(message.id)
    finally:
        if len(checked) > len(sent.checked_messages):
            Upload.objects.filter(pk=sent.pk).update(checked_messages=checked)
    return None


def _candidates(listed: Sequence[MessageItem], checked: set[str]) -> list[MessageItem]:
    """The listed messages that may be this upload's: not checked yet, not another upload of PRAHO's."""
    unchecked = [message for message in listed if message.id.isdigit() and message.id not in checked]
    indexes = {message.upload_index for message in unchecked if message.upload_index}
    known = set(Upload.objects.filter(index__in=indexes).values_list("index", flat=True))
    return [message for message in unchecked if message.upload_index not in known]


def _found(sent: Upload, message: MessageItem, archive: bytes, actor: User | None) -> Submission:
    now = timezone.now()
    return _after(
        sent,
        upload_changes=_resolved(
            UploadOutcome.REGISTERED, index=message.upload_index, detail="found in ANAF's list"
        ),
        actor=actor,
        events=[("efactura.answer_downloaded", {"download_id": message.id, "bytes": len(archive)})],
        to=State.ACCEPTED,
        action="efactura.accepted",
        data={"upload_index": message.upload_index, "download_id": message.id, "resolved": True},
        changes={
            "upload_index": message.upload_index,
            "uploaded_at": sent.sent_at,
            "download_id": message.id,
            "answer": archive,
            "answered_at": now,
            "errors": [],
            "attempts": 0,
            "next_attempt_at": None,
            "last_error": "",
        },
    )


def _not_listed_yet(sent: Upload) -> Submission:
    """Not in ANAF's list: look again soon within the grace period, more rarely after it."""
    if timezone.now() < _grace_ends(sent):
        last_error = _("ANAF does not list this upload yet; PRAHO looks again before anything else is done.")
        next_look = _unknown_recheck(sent.sent_at)
    else:
        last_error = _(
            "ANAF has not listed this upload since it was sent at %(sent)s. PRAHO keeps looking; if "
            "ANAF's SPV shows nothing for this document either, a staff member may send it again."
        ) % {"sent": timezone.localtime(sent.sent_at).strftime("%Y-%m-%d %H:%M %Z")}
        since = timezone.now() - sent.sent_at
        next_look = timezone.now() + min(max(since / 4, UNKNOWN_RECHECK), UNKNOWN_RECHECK_MAX)
    return _after(
        sent,
        changes={"next_attempt_at": next_look, "last_error": last_error},
    )


def _grace_ends(sent: Upload) -> datetime:
    return sent.sent_at + timedelta(minutes=settings.EFACTURA_UNKNOWN_GRACE_MINUTES)


def _unknown_recheck(sent_at: datetime) -> datetime:
    """Look again in UNKNOWN_RECHECK, but not later than the end of the grace period."""
    grace_ends = sent_at + timedelta(minutes=settings.EFACTURA_UNKNOWN_GRACE_MINUTES)
    return min(timezone.now() + UNKNOWN_RECHECK, max(grace_ends, timezone.now()))


def may_send_again(submission: Submission) -> bool:
    """Whether a staff member's submit would send the document again: an unknown upload ANAF has
    not listed for the grace period (submit gives it up), as after a rejection or failed validation."""
    if submission.state in (State.REJECTED, State.INVALID):
        return True
    return submission.state == State.UNKNOWN and _upload_past_grace(submission) is not None


def _upload_past_grace(submission: Submission) -> Upload | None:
    sent = _pending_upload(submission)
    return sent if sent is not None and timezone.now() >= _grace_ends(sent) else None


def _give_up(locked: Submission, sent: Upload, actor: User) -> None:
    """A staff member's decision (in submit, the row locked): the unknown upload never reached ANAF."""
    detail = _("Given up by %(actor)s: not in ANAF's message list since it was sent.") % {"actor": actor}
    Upload.objects.filter(pk=sent.pk).update(**_resolved(UploadOutcome.NEVER_REACHED, detail=detail))
    data = {"upload": sent.pk, "sent_at": sent.sent_at.isoformat(), "resolved": True}
    _change(locked, State.NOT_SUBMITTED, "efactura.upload_given_up", actor, data=data, **FRESH_START)


# --- polling -------------------------------------------------------------------------------


def poll(submission: Submission, *, actor: User | None = None) -> Submission:
    """Ask ANAF where an upload stands; archive its signed answer once it has decided.

    "in prelucrare" → processing; ok → the ZIP downloaded and archived, accepted; nok → the
    ZIP (ANAF's error report) archived, rejected with its errors; "XML cu erori nepreluat de
    sistem" → rejected. Network errors and 429 → a later retry with backoff. The answer is
    applied only while the submission is still uploaded or processing with the same index.
    """
    if submission.state not in PENDING or not submission.upload_index:
        return submission
    index = submission.upload_index
    try:
        with AnafEfacturaClient() as client:
            status = client.status(index)
            archive = client.download(status.download_id) if status.download_id else None
    except AnafError as error:
        retry_after = getattr(error, "retry_after", None)
        return _retry_later(submission, error.message, retry_after=retry_after, expected=PENDING, index=index)
    if status.state == ProcessingState.PROCESSING:
        return _still_processing(submission, index, actor)
    return _decided(submission, index, status, archive, actor)


def _still_processing(submission: Submission, index: str, actor: User | None) -> Submission:
    since = timezone.now() - (submission.uploaded_at or timezone.now())
    wait = min(max(since / 4, POLL_MIN), POLL_MAX)
    return _step(
        submission.pk,
        PENDING,
        index=index,
        actor=actor,
        to=State.PROCESSING,
        action="efactura.processing",
        changes={"next_attempt_at": timezone.now() + wait, "attempts": 0, "last_error": ""},
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
    }
    accepted = status.state == ProcessingState.OK
    errors = [] if accepted else rejection_errors(status, archive)
    return _step(
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


# --- shared --------------------------------------------------------------------------------


def _connection_problem() -> str | None:
    """Why nothing can be sent to ANAF now (no token, or one that cannot be renewed), or None."""
    try:
        tokens.access_token()
    except AnafAuthError as error:
        return error.message
    return None


def _note_not_connected(ids: Sequence[int], problem: str) -> None:
    """Skip quietly, but leave the reason where staff see it (on those still waiting)."""
    if ids:
        logger.info("e-Factura: %s submissions wait: %s", len(ids), problem)
        waiting = Submission.objects.filter(pk__in=ids).exclude(
            state__in=(State.ACCEPTED, State.REJECTED, State.INVALID)
        )
        waiting.update(last_error=problem, updated_at=timezone.now())


def _retry_later(
    submission: Submission,
    reason: str,
    *,
    retry_after: float | None,
    expected: Collection[str],
    index: str | None = None,
) -> Submission:
    """A later attempt of the current step, if the submission is still in one of `expected`."""
    return _step(
        submission.pk, expected, index=index, changes=lambda locked: _backoff(locked, reason, retry_after)
    )


def _backoff(locked: Submission, reason: str, retry_after: float | None) -> dict[str, Any]:
    """Exponential backoff from BACKOFF_BASE (at most BACKOFF_MAX), or longer when ANAF said so."""
    wait = min(BACKOFF_BASE * 2**locked.attempts, BACKOFF_MAX)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    logger.info("e-Factura submission %s: %s; next attempt in %s", locked.pk, reason, wait)
    return {"attempts": locked.attempts + 1, "next_attempt_at": timezone.now() + wait, "last_error": reason}


def _step(
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
        locked = Submission.objects.select_for_update().get(pk=submission_id)
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
            _apply(locked, **values)
        else:
            _change(locked, to, action, actor, data=dict(data or {}), **values)
    return locked


def _why_stale(locked: Submission, expected: Collection[str], index: str | None, sent: Upload | None) -> str:
    if locked.state not in expected:
        return f"it is {locked.state}, not {'/'.join(expected)}"
    if index is not None and locked.upload_index != index:
        return f"its upload index is {locked.upload_index!r}, not {index!r}"
    if sent is not None and not Upload.objects.filter(pk=sent.pk, outcome=UploadOutcome.SENT).exists():
        return f"upload {sent.pk} is already resolved"
    return ""


def _change(
    submission: Submission,
    state: str,
    action: str,
    actor: User | None,
    *,
    data: dict[str, Any] | None = None,
    **changes: Any,
) -> Submission:
    """A state change and its audit event, in the caller's transaction (the row locked by the caller)."""
    previous = submission.state
    _apply(submission, state=state, **changes)
    record_event(
        action,
        actor=actor,
        target=submission,
        data={"from": previous, "to": state, "document": submission.document_id, **(data or {})},
    )
    return submission


def _apply(submission: Submission, **changes: Any) -> None:
    for field, value in changes.items():
        setattr(submission, field, value)
    submission.save(update_fields=[*changes, "updated_at"])


def _load(submission_id: int) -> Submission:
    """A submission as it is now, without its stored XML and answer (read under the lock when needed)."""
    return Submission.objects.defer("xml", "answer").get(pk=submission_id)
