"""Each issued invoice's and credit note's way to ANAF e-Factura: the only writer of Submission and Upload.

    not_submitted ─validate─▶ validated ─upload─▶ uploaded ─poll─▶ processing ─poll─▶ accepted
          │                      ▲   │                                          └──▶ rejected
          ▼                      │   └─(answer lost)─▶ unknown ─resolve_unknown─▶ accepted
       invalid                   └──(provably never reached ANAF)──┘

At most once: a document is uploaded again only when its earlier upload was refused by ANAF
(rejected, after a staff member asks for it) or provably never reached ANAF. The Upload row is
written and committed, with the submission moved to `unknown`, before the request is sent: a
worker that dies mid-request leaves the evidence that ANAF may hold the document, and a second
caller finds the submission no longer `validated` and sends nothing.

Network errors and HTTP 429 set `next_attempt_at` with exponential backoff (or ANAF's
Retry-After); the Celery tasks (praho.efactura.tasks) pick up what is due. Every state change,
upload and download writes an audit event (actor None when a task acts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing.models import Document, DocumentStatus, DocumentType
from praho.billing.models.documents import FISCAL_TYPES
from praho.customers.models import CustomerKind
from praho.efactura import tokens
from praho.efactura.deadlines import deadline_for
from praho.efactura.gateways.anaf import AnafEfacturaClient, normalize_cif
from praho.efactura.gateways.anaf_answers import (
    MessageFilter,
    MessageItem,
    ProcessingState,
    Standard,
    StatusResult,
    read_answer,
)
from praho.efactura.gateways.anaf_errors import (
    AnafAuthError,
    AnafError,
    AnafRejectedError,
    AnafRetryableError,
    AnafUnknownOutcomeError,
)
from praho.efactura.models import AT_ANAF, Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.selectors import with_xml_data
from praho.efactura.ubl import document_xml
from praho.efactura.validation import FATAL, INVALID, VALID, Failure, ValidationResult, validate_xml

logger = logging.getLogger(__name__)

State = SubmissionState
# Retries after network errors, 429 or an unavailable validator: 1, 2, 4 ... minutes, at most 6 hours.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# Status polls: a quarter of the time since the upload, between 1 minute and 1 hour, so a slow
# day at ANAF does not spend its per-message quota of stareMesaj calls.
POLL_MIN = timedelta(minutes=1)
POLL_MAX = timedelta(hours=1)
# How often an unknown upload is looked for in the message list before the grace period ends.
UNKNOWN_RECHECK = timedelta(minutes=10)
# Clocks differ: the message list is searched from a little before the upload was sent.
CLOCK_MARGIN = timedelta(minutes=5)
LIST_WINDOW = timedelta(days=59)  # ANAF lists 60 days back; a day less keeps clear of the edge
BATCH = 200  # documents or submissions one task run works on; the next run takes the rest
XML_ERRORS_TEXT = "XML cu erori nepreluat de sistem"
UBL_ID = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID"
UBL_ISSUE_DATE = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}IssueDate"


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
    one that is there (or may be: unknown is resolved, never re-sent blindly). A rejected one
    starts again from validation: only an explicit request like this one uploads a document
    ANAF refused. An accepted one is refused (ValidationError): there is nothing left to do.
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
        if previous == State.REJECTED:
            _change(
                submission,
                State.NOT_SUBMITTED,
                "efactura.resubmitted",
                actor,
                next_attempt_at=None,
                attempts=0,
                data={"errors": submission.errors},
            )
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
    if submission.state in (State.NOT_SUBMITTED, State.INVALID):
        submission = validate(submission, actor=actor)
    if submission.state == State.VALIDATED:
        submission = upload(submission, actor=actor)
    if submission.state == State.UNKNOWN:
        return resolve_unknown(submission, actor=actor)
    if submission.state in (State.UPLOADED, State.PROCESSING) and _due(submission):
        return poll(submission, actor=actor)
    return submission


def submit_one(submission_id: int, actor_id: int | None = None) -> Submission:
    """The submit_one task's work: one submission, as far as it goes now."""
    submission = Submission.objects.get(pk=submission_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return advance(submission, actor=actor)


def documents_without_submission() -> QuerySet[Document]:
    """Issued invoices and credit notes e-Factura has not taken in yet, oldest first."""
    return (
        Document.objects.filter(document_type__in=FISCAL_TYPES, status=DocumentStatus.ISSUED)
        .filter(~Exists(Submission.objects.filter(document=OuterRef("pk"))))
        .order_by("issued_at", "pk")
    )


def submit_new_documents() -> int:
    """The periodic intake: a submission for every newly issued document, then validate and upload
    those due (new ones and earlier attempts waiting out a backoff). Returns how many were worked on."""
    for document in documents_without_submission()[:BATCH]:
        submission_for(document)
    due = list(
        _due_in(Submission.objects.filter(state__in=(State.NOT_SUBMITTED, State.VALIDATED))).order_by(
            "created_at", "pk"
        )[:BATCH]
    )
    for submission in due:
        try:
            submission = validate(submission) if submission.state == State.NOT_SUBMITTED else submission
            if submission.state == State.VALIDATED:
                upload(submission)
        except ValidationError as error:  # e.g. a staff trigger claimed it first: its worker goes on
            logger.warning("e-Factura submission %s skipped: %s", submission.pk, error.messages)
    return len(due)


def submit_issued(document_ids: Sequence[int]) -> int:
    """The documents billing has just issued (signals.documents_issued, through the submit_issued
    task): each validated and uploaded at once, rather than at the next periodic intake.
    Returns how many were worked on."""
    documents = Document.objects.filter(
        pk__in=document_ids, document_type__in=FISCAL_TYPES, status=DocumentStatus.ISSUED
    ).order_by("issued_at", "pk")
    for document in documents:
        try:
            advance(submission_for(document))
        except ValidationError as error:  # e.g. the periodic intake claimed it first: it goes on
            logger.warning("e-Factura: issued document %s skipped: %s", document.pk, error.messages)
    return len(documents)


def poll_pending() -> int:
    """The periodic follow-up of submissions at ANAF whose next look is due. Returns how many."""
    due = list(
        _due_in(
            Submission.objects.filter(state__in=(State.UPLOADED, State.PROCESSING, State.UNKNOWN))
        ).order_by("next_attempt_at", "pk")[:BATCH]
    )
    problem = _connection_problem()
    if problem is not None:
        _note_not_connected(due, problem)
        return 0
    for submission in due:
        if submission.state == State.UNKNOWN:
            resolve_unknown(submission)
        else:
            poll(submission)
    return len(due)


def _due_in(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    return submissions.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))


def _due(submission: Submission) -> bool:
    return submission.next_attempt_at is None or submission.next_attempt_at <= timezone.now()


# --- validation ----------------------------------------------------------------------------


def validate(submission: Submission, *, actor: User | None = None) -> Submission:
    """Generate the document's XML and validate it as ANAF would; record the verdict.

    Valid → validated; invalid → invalid with each failed rule. When no validator could run
    (artifacts missing, ANAF's service down) it stays not submitted with the reason in
    last_error and a later retry: a document is never taken as valid unchecked.
    """
    if submission.state not in (State.NOT_SUBMITTED, State.INVALID):
        return submission
    try:
        result = validate_xml(_xml(submission))
    except ValidationError as error:
        result = _unbuildable(error)
    if result.state == VALID:
        return _change(submission, State.VALIDATED, "efactura.validated", actor, **_verdict(result))
    if result.state == INVALID:
        return _change(submission, State.INVALID, "efactura.invalid", actor, **_verdict(result))
    return _retry_later(submission, result.reason, retry_after=None)


def _xml(submission: Submission) -> bytes:
    document = with_xml_data(Document.objects.filter(pk=submission.document_id)).get()
    return document_xml(document)


def _unbuildable(error: ValidationError) -> ValidationResult:
    """The XML could not even be generated: each message, with the field it names, is a failure."""
    failures = tuple(
        Failure("PRAHO", FATAL, str(message), "" if field == "__all__" else field)
        for field, messages in _messages_by_field(error)
        for message in messages
    )
    return ValidationResult(INVALID, failures, reason="xml")


def _messages_by_field(error: ValidationError) -> Iterable[tuple[str, list[str]]]:
    if hasattr(error, "error_dict"):
        return error.message_dict.items()
    return [("__all__", error.messages)]


def _verdict(result: ValidationResult) -> dict[str, Any]:
    return {
        "validation": {
            "state": result.state,
            "reason": result.reason,
            "validator": result.validator,
            "failures": [
                {"rule_id": f.rule_id, "flag": f.flag, "text": f.text, "location": f.readable_location}
                for f in result.failures
            ],
        },
        "validated_at": timezone.now(),
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": "",
    }


# --- upload --------------------------------------------------------------------------------


def upload(submission: Submission, *, actor: User | None = None) -> Submission:
    """Send a validated document to ANAF once.

    Refused (ValidationError) unless the submission is validated: from unknown, uploaded,
    processing or accepted ANAF may hold the document already. Under the row lock the Upload
    row is written and the submission moved to unknown, and that is committed before the
    request goes out (see the module docstring). Then, by ANAF's answer:
    registered → uploaded with its index; refused → rejected with ANAF's errors; refused
    before registering (HTTP 429, daily quota, connection refused, authorization) → validated
    again with a backoff, the Upload marked never_reached; no answer (timeout, dropped
    connection, 5xx) → stays unknown, the Upload stays sent, for resolve_unknown.
    """
    document = with_xml_data(Document.objects.filter(pk=submission.document_id)).get()
    xml = document_xml(document)  # before the claim: a document that cannot be built is not claimed
    try:
        cif = normalize_cif(_seller_cif(document))
    except ValueError as error:  # nothing was sent: the seller's tax id must be fixed first
        return _retry_later(
            submission, _("The seller's CIF is not valid: %(error)s") % {"error": error}, retry_after=None
        )
    problem = _connection_problem()
    if problem is not None:
        _note_not_connected([submission], problem)
        return _fresh(submission)
    claimed = _claim(submission, actor)
    try:
        with AnafEfacturaClient() as client:
            answer = client.upload(xml, cif=cif, **_upload_options(document))
    except AnafUnknownOutcomeError as error:
        return _lost(claimed, error, actor)
    except AnafRejectedError as error:
        return _refused(claimed, error, actor)
    except (AnafRetryableError, AnafAuthError) as error:
        return _never_reached(claimed, error, actor)
    return _registered(claimed, answer.index, actor)


def _seller_cif(document: Document) -> str:
    if document.seller is None:
        raise ValidationError(
            {"seller": ValidationError(_("The document has no seller snapshot."), code="no_seller")}
        )
    return document.seller.tax_id


def _upload_options(document: Document) -> dict[str, Any]:
    """/uploadb2c for a consumer's document; standard CN for credit notes; extern=DA for a
    company buyer outside Romania (ANAF's parameter for buyers without a Romanian CUI)."""
    buyer = document.buyer or {}
    b2c = buyer.get("kind") == CustomerKind.INDIVIDUAL
    credit_note = document.document_type == DocumentType.CREDIT_NOTE
    return {
        "standard": Standard.CN if credit_note else Standard.UBL,
        "b2c": b2c,
        "external": not b2c and str(buyer.get("country") or "RO").upper() != "RO",
    }


def _claim(submission: Submission, actor: User | None) -> Upload:
    """The Upload row and the move to unknown, committed before anything is sent."""
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
        sent = Upload.objects.create(submission=locked, sent_at=timezone.now())
        _apply(locked, state=State.UNKNOWN, next_attempt_at=_unknown_recheck(sent.sent_at))
        record_event("efactura.upload_sent", actor=actor, target=locked, data={"upload": sent.pk})
    return sent


def _registered(sent: Upload, index: str, actor: User | None) -> Submission:
    now = timezone.now()
    with transaction.atomic():
        _resolve(sent, UploadOutcome.REGISTERED, index=index)
        submission = Submission.objects.select_for_update().get(pk=sent.submission_id)
        return _change(
            submission,
            State.UPLOADED,
            "efactura.uploaded",
            actor,
            upload_index=index,
            uploaded_at=now,
            attempts=0,
            next_attempt_at=now + POLL_MIN,
            last_error="",
            data={"upload_index": index},
        )


def _refused(sent: Upload, error: AnafRejectedError, actor: User | None) -> Submission:
    errors = [{"code": "", "message": message} for message in error.errors] or [
        {"code": "", "message": error.message}
    ]
    with transaction.atomic():
        _resolve(sent, UploadOutcome.REFUSED, detail=error.message)
        submission = Submission.objects.select_for_update().get(pk=sent.submission_id)
        return _change(
            submission,
            State.REJECTED,
            "efactura.rejected",
            actor,
            errors=errors,
            last_error=error.message,
            next_attempt_at=None,
            data={"at": "upload", "errors": errors},
        )


def _never_reached(sent: Upload, error: AnafError, actor: User | None) -> Submission:
    """ANAF did not register it (refused at the door or never connected to): validated again, later."""
    retry_after = error.retry_after if isinstance(error, AnafRetryableError) else None
    with transaction.atomic():
        _resolve(sent, UploadOutcome.NEVER_REACHED, detail=f"{error.message} {error.detail}".strip())
        submission = Submission.objects.select_for_update().get(pk=sent.submission_id)
        submission = _change(
            submission, State.VALIDATED, "efactura.upload_never_reached", actor, data={"error": error.message}
        )
        return _retry_later(submission, error.message, retry_after=retry_after)


def _lost(sent: Upload, error: AnafUnknownOutcomeError, actor: User | None) -> Submission:
    """The answer was lost: the submission stays unknown (as claimed), the Upload stays sent."""
    with transaction.atomic():
        Upload.objects.filter(pk=sent.pk).update(detail=f"{error.message} {error.detail}".strip())
        submission = Submission.objects.select_for_update().get(pk=sent.submission_id)
        _apply(submission, last_error=error.message)
        record_event("efactura.upload_unknown", actor=actor, target=submission, data={"upload": sent.pk})
    return submission


def _resolve(sent: Upload, outcome: str, *, index: str = "", detail: str = "") -> None:
    Upload.objects.filter(pk=sent.pk).update(
        outcome=outcome, index=index, detail=detail[:2000], resolved_at=timezone.now()
    )


# --- unknown outcomes ----------------------------------------------------------------------


def resolve_unknown(submission: Submission, *, actor: User | None = None) -> Submission:
    """Find out whether ANAF registered the upload whose answer was lost, before anything is sent again.

    ANAF lists a message per upload only once it has processed it, and an accepted upload's
    message leads to a ZIP holding the invoice as uploaded. So: list the seller's accepted
    messages since the upload was sent, skip those of uploads PRAHO knows (their index is on
    record), download the others and compare the invoice's number and issue date with ours.
    Found → accepted, with the index, download id and the signed ZIP archived.

    Not found → wait: ANAF may still be processing it. Only once EFACTURA_UNKNOWN_GRACE_MINUTES
    have passed since it was sent with nothing listed is the upload taken as never reached and
    the document validated again, for one new upload. A rejected upload cannot be recognised
    (its ZIP holds ANAF's error report, not the invoice), so it ends up re-sent after the grace
    period; ANAF rejects it again at worst, and a rejected upload has no fiscal effect.
    """
    if submission.state != State.UNKNOWN:
        return submission
    sent = submission.uploads.filter(outcome=UploadOutcome.SENT).order_by("-sent_at", "-pk").first()
    if sent is None:  # claimed, but the Upload is gone: cannot happen with PROTECT; be safe anyway
        return _retry_later(submission, _("No pending upload is recorded."), retry_after=None)
    document = Document.objects.select_related("seller").get(pk=submission.document_id)
    try:
        found = _find_at_anaf(sent, document)
    except (AnafRetryableError, AnafAuthError, AnafRejectedError) as error:
        return _retry_later(submission, error.message, retry_after=getattr(error, "retry_after", None))
    if found is not None:
        message, archive = found
        return _found(submission, sent, message, archive, actor)
    grace = timedelta(minutes=settings.EFACTURA_UNKNOWN_GRACE_MINUTES)
    if timezone.now() - sent.sent_at < grace:
        return _wait_for_listing(submission, sent)
    return _give_up_on(submission, sent, actor)


def _find_at_anaf(sent: Upload, document: Document) -> tuple[MessageItem, bytes] | None:
    now = timezone.now()
    start = max(sent.sent_at - CLOCK_MARGIN, now - LIST_WINDOW)
    with AnafEfacturaClient() as client:
        messages = client.messages_between(
            cif=_seller_cif(document), start=start, end=now, kind=MessageFilter.SENT
        )
        known = set(Upload.objects.exclude(index="").values_list("index", flat=True))
        for message in messages:
            if message.upload_index in known or not message.id.isdigit():
                continue
            archive = client.download(message.id)
            if _is_our_document(archive, document):
                return message, archive
    return None


def _is_our_document(archive: bytes, document: Document) -> bool:
    xml = read_answer(archive).document_xml
    if xml is None:
        return False
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return False
    return (root.findtext(UBL_ID) or "").strip() == document.number and (
        root.findtext(UBL_ISSUE_DATE) or ""
    ).strip() == document.issue_date.isoformat()


def _found(
    submission: Submission, sent: Upload, message: MessageItem, archive: bytes, actor: User | None
) -> Submission:
    now = timezone.now()
    with transaction.atomic():
        _resolve(sent, UploadOutcome.REGISTERED, index=message.upload_index, detail="found in ANAF's list")
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        record_event(
            "efactura.answer_downloaded",
            actor=actor,
            target=locked,
            data={"download_id": message.id, "bytes": len(archive)},
        )
        return _change(
            locked,
            State.ACCEPTED,
            "efactura.accepted",
            actor,
            upload_index=message.upload_index,
            uploaded_at=sent.sent_at,
            download_id=message.id,
            answer=archive,
            answered_at=now,
            attempts=0,
            next_attempt_at=None,
            last_error="",
            data={"upload_index": message.upload_index, "download_id": message.id, "resolved": True},
        )


def _wait_for_listing(submission: Submission, sent: Upload) -> Submission:
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        _apply(
            locked,
            next_attempt_at=_unknown_recheck(sent.sent_at),
            last_error=_("ANAF does not list this upload yet; PRAHO looks again before sending it again."),
        )
    return locked


def _unknown_recheck(sent_at: datetime) -> datetime:
    """Look again in UNKNOWN_RECHECK, but not later than the end of the grace period."""
    grace_ends = sent_at + timedelta(minutes=settings.EFACTURA_UNKNOWN_GRACE_MINUTES)
    return min(timezone.now() + UNKNOWN_RECHECK, max(grace_ends, timezone.now()))


def _give_up_on(submission: Submission, sent: Upload, actor: User | None) -> Submission:
    detail = _("Not in ANAF's message list %(minutes)s minutes after it was sent.") % {
        "minutes": settings.EFACTURA_UNKNOWN_GRACE_MINUTES
    }
    with transaction.atomic():
        _resolve(sent, UploadOutcome.NEVER_REACHED, detail=detail)
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        return _change(
            locked,
            State.VALIDATED,
            "efactura.upload_never_reached",
            actor,
            next_attempt_at=None,
            attempts=0,
            last_error=detail,
            data={"upload": sent.pk, "resolved": True},
        )


# --- polling -------------------------------------------------------------------------------


def poll(submission: Submission, *, actor: User | None = None) -> Submission:
    """Ask ANAF where an upload stands; archive its signed answer once it has decided.

    "in prelucrare" → processing; ok → the ZIP downloaded and archived, accepted; nok → the
    ZIP (ANAF's error report) archived, rejected with its errors; "XML cu erori nepreluat de
    sistem" → rejected. Network errors and 429 → a later retry with backoff.
    """
    if submission.state not in (State.UPLOADED, State.PROCESSING) or not submission.upload_index:
        return submission
    try:
        with AnafEfacturaClient() as client:
            status = client.status(submission.upload_index)
            archive = client.download(status.download_id) if status.download_id else None
    except AnafError as error:
        return _retry_later(submission, error.message, retry_after=getattr(error, "retry_after", None))
    if status.state == ProcessingState.PROCESSING:
        return _still_processing(submission, actor)
    return _decided(submission, status, archive, actor)


def _still_processing(submission: Submission, actor: User | None) -> Submission:
    since = timezone.now() - (submission.uploaded_at or timezone.now())
    wait = min(max(since / 4, POLL_MIN), POLL_MAX)
    changes: dict[str, Any] = {"next_attempt_at": timezone.now() + wait, "attempts": 0, "last_error": ""}
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state == State.PROCESSING:
            _apply(locked, **changes)
            return locked
        return _change(locked, State.PROCESSING, "efactura.processing", actor, **changes)


def _decided(
    submission: Submission, status: StatusResult, archive: bytes | None, actor: User | None
) -> Submission:
    now = timezone.now()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state not in (State.UPLOADED, State.PROCESSING):
            return locked  # another worker got there first
        if archive is not None:
            record_event(
                "efactura.answer_downloaded",
                actor=actor,
                target=locked,
                data={"download_id": status.download_id, "bytes": len(archive)},
            )
        answer: dict[str, Any] = {"download_id": status.download_id, "answer": archive, "answered_at": now}
        common: dict[str, Any] = {**answer, "attempts": 0, "next_attempt_at": None, "last_error": ""}
        if status.state == ProcessingState.OK:
            return _change(
                locked,
                State.ACCEPTED,
                "efactura.accepted",
                actor,
                data={"download_id": status.download_id},
                **common,
            )
        errors = _rejection_errors(status, archive)
        return _change(
            locked,
            State.REJECTED,
            "efactura.rejected",
            actor,
            errors=errors,
            data={"errors": errors},
            **common,
        )


def _rejection_errors(status: StatusResult, archive: bytes | None) -> list[dict[str, str]]:
    messages: tuple[str, ...] = read_answer(archive).errors if archive is not None else ()
    if status.state == ProcessingState.XML_ERRORS:
        messages = (XML_ERRORS_TEXT, *status.errors)
    return [{"code": _rule_code(message), "message": message} for message in messages or status.errors]


def _rule_code(message: str) -> str:
    """ANAF's "E: validari globale eroare regula: BR-RO-010, ..." names the rule after "regula:"."""
    _head, found, rest = message.partition("regula:")
    return rest.strip().split(",")[0].split()[0] if found and rest.strip() else ""


# --- shared --------------------------------------------------------------------------------


def _connection_problem() -> str | None:
    """Why nothing can be sent to ANAF now (no token, or one that cannot be renewed), or None."""
    try:
        tokens.access_token()
    except AnafAuthError as error:
        return error.message
    return None


def _note_not_connected(submissions: Iterable[Submission], problem: str) -> None:
    """Skip quietly, but leave the reason where staff see it."""
    ids = [submission.pk for submission in submissions]
    if ids:
        logger.info("e-Factura: %s submissions wait: %s", len(ids), problem)
        Submission.objects.filter(pk__in=ids).update(last_error=problem, updated_at=timezone.now())


def _retry_later(submission: Submission, reason: str, *, retry_after: float | None) -> Submission:
    """Exponential backoff from BACKOFF_BASE (at most BACKOFF_MAX), or longer when ANAF said so."""
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        wait = min(BACKOFF_BASE * 2**locked.attempts, BACKOFF_MAX)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        logger.info("e-Factura submission %s: %s; next attempt in %s", locked.pk, reason, wait)
        _apply(locked, attempts=locked.attempts + 1, next_attempt_at=timezone.now() + wait, last_error=reason)
    return locked


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


def _fresh(submission: Submission) -> Submission:
    return Submission.objects.get(pk=submission.pk)
