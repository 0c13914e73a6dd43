"""An upload whose answer was lost (the submission `unknown`): looked for in ANAF's message list,
never sent again on PRAHO's own (see praho.efactura.submissions for the whole way to ANAF).

ANAF lists an upload only once it has processed it, so an empty list proves nothing: PRAHO keeps
looking (every UNKNOWN_RECHECK within EFACTURA_UNKNOWN_GRACE_MINUTES, ever more rarely after)
and a staff member's submit past the grace period asks to give the upload up, which happens
only after one more look that succeeds and finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.billing.models import Document
from praho.efactura.gateways.anaf import AnafEfacturaClient
from praho.efactura.gateways.anaf_answers import MessageFilter, MessageItem
from praho.efactura.gateways.anaf_errors import AnafError
from praho.efactura.models import Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.submissions import steps
from praho.efactura.submissions.rules import is_our_document, seller_cif

State = SubmissionState
# An unknown upload is looked for every 10 minutes in the grace period, then ever more rarely
# (a quarter of the time since it was sent, at most every 6 hours) until found or given up.
UNKNOWN_RECHECK = timedelta(minutes=10)
UNKNOWN_RECHECK_MAX = timedelta(hours=6)
# Clocks differ: the message list is searched from a little before the upload was sent.
CLOCK_MARGIN = timedelta(minutes=5)
LIST_WINDOW = timedelta(days=59)  # ANAF lists 60 days back; a day less keeps clear of the edge


def resolve_unknown(
    *, submission: Submission, actor: User | None = None, give_up: bool = False
) -> Submission:
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

    `give_up` (that decision, made by `actor`): not found by this look, completed past the grace
    period → the upload is given up (never reached ANAF) and the submission not submitted.
    A look that fails never gives anything up.
    """
    if submission.state != State.UNKNOWN:
        return submission
    sent = pending_upload(submission)
    if sent is None:  # claimed, but the Upload is gone: cannot happen with PROTECT; be safe anyway
        reason = _("No pending upload is recorded.")
        return steps.retry_later(submission, reason, retry_after=None, expected=(State.UNKNOWN,))
    document = Document.objects.select_related("seller").get(pk=submission.document_id)
    try:
        found = _find_at_anaf(sent, document)
    except AnafError as error:
        retry_after = getattr(error, "retry_after", None)
        return steps.retry_later(
            submission, error.message, retry_after=retry_after, expected=(State.UNKNOWN,)
        )
    if found is not None:
        return _found(sent, *found, actor)
    if give_up and actor is not None:
        return _give_up(sent, actor)
    return _not_listed_yet(sent)


def pending_upload(submission: Submission) -> Upload | None:
    return submission.uploads.filter(outcome=UploadOutcome.SENT).order_by("-sent_at", "-pk").first()


def _find_at_anaf(sent: Upload, document: Document) -> tuple[MessageItem, bytes] | None:
    """The message of this upload, if ANAF lists it; the unrelated messages downloaded are remembered,
    and the end of a look that completed (last_listed_at)."""
    now = timezone.now()
    start = max(sent.sent_at - CLOCK_MARGIN, now - LIST_WINDOW)
    checked = list(sent.checked_messages)
    looked: dict[str, Any] = {}
    try:
        with AnafEfacturaClient() as client:
            listed = client.messages_between(
                cif=seller_cif(document), start=start, end=now, kind=MessageFilter.SENT
            )
            for message in _candidates(listed, set(checked), sent):
                archive = client.download(message.id)
                if is_our_document(archive, document):
                    return message, archive
                checked.append(message.id)
        looked["last_listed_at"] = now
    finally:
        if len(checked) > len(sent.checked_messages):
            looked["checked_messages"] = checked
        if looked:
            Upload.objects.filter(pk=sent.pk).update(**looked)
    return None


def _candidates(listed: Sequence[MessageItem], checked: set[str], sent: Upload) -> list[MessageItem]:
    """The listed messages that may be this upload's: not checked yet, not another upload of PRAHO's."""
    unchecked = [message for message in listed if message.id.isdigit() and message.id not in checked]
    indexes = {message.upload_index for message in unchecked if message.upload_index}
    known = set(Upload.objects.filter(index__in=indexes).exclude(pk=sent.pk).values_list("index", flat=True))
    return [message for message in unchecked if message.upload_index not in known]


def _found(sent: Upload, message: MessageItem, archive: bytes, actor: User | None) -> Submission:
    now = timezone.now()
    return steps.at_anaf(
        sent,
        message.upload_index,
        detail="found in ANAF's list",
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
            "poll_refusals": 0,
        },
    )


def _not_listed_yet(sent: Upload) -> Submission:
    """Not in ANAF's list: look again soon within the grace period, more rarely after it."""
    if timezone.now() < grace_ends(sent):
        last_error = _("ANAF does not list this upload yet; PRAHO looks again before anything else is done.")
        next_look = unknown_recheck(sent.sent_at)
    else:
        last_error = _(
            "ANAF has not listed this upload since it was sent at %(sent)s. PRAHO keeps looking; if "
            "ANAF's SPV shows nothing for this document either, a staff member may send it again."
        ) % {"sent": timezone.localtime(sent.sent_at).strftime("%Y-%m-%d %H:%M %Z")}
        since = timezone.now() - sent.sent_at
        next_look = timezone.now() + min(max(since / 4, UNKNOWN_RECHECK), UNKNOWN_RECHECK_MAX)
    return steps.after(
        sent,
        changes={"next_attempt_at": next_look, "last_error": last_error},
    )


def grace_ends(sent: Upload) -> datetime:
    return sent.sent_at + timedelta(minutes=settings.EFACTURA_UNKNOWN_GRACE_MINUTES)


def unknown_recheck(sent_at: datetime) -> datetime:
    """Look again in UNKNOWN_RECHECK, but not later than the end of the grace period."""
    grace_ends = sent_at + timedelta(minutes=settings.EFACTURA_UNKNOWN_GRACE_MINUTES)
    return min(timezone.now() + UNKNOWN_RECHECK, max(grace_ends, timezone.now()))


def may_send_again(submission: Submission) -> bool:
    """Whether a staff member's submit would send the document again: after a rejection or failed
    validation, or an unknown upload that a look in ANAF's list, completed past the grace
    period, did not find (the task looks once more before it gives the upload up)."""
    if submission.state in (State.REJECTED, State.INVALID):
        return True
    if submission.state != State.UNKNOWN:
        return False
    sent = pending_upload(submission)
    return sent is not None and sent.last_listed_at is not None and sent.last_listed_at >= grace_ends(sent)


def upload_past_grace(submission: Submission) -> Upload | None:
    sent = pending_upload(submission)
    return sent if sent is not None and timezone.now() >= grace_ends(sent) else None


def _give_up(sent: Upload, actor: User) -> Submission:
    """A staff member's decision, carried out after a look that found nothing: if that look ended
    past the grace period, the unknown upload never reached ANAF and the document goes back to
    not submitted; else it waits (ANAF may still be processing it)."""
    sent.refresh_from_db(fields=["last_listed_at"])
    if sent.last_listed_at is None or sent.last_listed_at < grace_ends(sent):
        return _not_listed_yet(sent)
    detail = _("Given up by %(actor)s: not in ANAF's message list since it was sent.") % {"actor": actor}
    data = {"upload": sent.pk, "sent_at": sent.sent_at.isoformat(), "resolved": True}
    return steps.after(
        sent,
        upload_changes=steps.resolved(UploadOutcome.NEVER_REACHED, index=sent.index, detail=detail),
        actor=actor,
        to=State.NOT_SUBMITTED,
        action="efactura.upload_given_up",
        data={**data, "listed_until": sent.last_listed_at.isoformat()},
        changes=steps.FRESH_START,
    )
