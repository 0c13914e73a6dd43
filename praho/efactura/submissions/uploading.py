"""Sending a validated document's XML to ANAF at most once, and what ANAF's answer makes of the
submission (see praho.efactura.submissions for the whole way to ANAF)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.accounts.models import User
from praho.audit.services import record_event
from praho.billing.models import Document
from praho.efactura import locks
from praho.efactura.gateways.anaf import AnafEfacturaClient, normalize_cif
from praho.efactura.gateways.anaf_errors import (
    AnafAuthError,
    AnafConfigurationError,
    AnafError,
    AnafRejectedError,
    AnafRetryableError,
    AnafUnknownOutcomeError,
)
from praho.efactura.models import AT_ANAF, Submission, SubmissionState, Upload, UploadOutcome
from praho.efactura.submissions import environment as environments
from praho.efactura.submissions import poll as polls
from praho.efactura.submissions import steps, transitions
from praho.efactura.submissions import unknown as unknown_uploads
from praho.efactura.submissions.rules import (
    seller_cif,
    upload_options,
)

logger = logging.getLogger(__name__)

State = SubmissionState


# --- upload --------------------------------------------------------------------------------


def upload(*, submission: Submission, actor: User | None = None) -> Submission:
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
        return steps.retry_later(submission, reason, retry_after=None, expected=(State.VALIDATED,))
    problem = steps.connection_problem()
    if problem is not None:
        steps.note_not_connected([submission.pk], problem)
        return steps.load(submission.pk)
    # Everything the request needs is ready before the claim: what fails after it fails sending.
    options = upload_options(document)
    with AnafEfacturaClient() as client:
        claimed = _claim(submission, actor)
        if claimed is None:
            return steps.load(submission.pk)
        sent, xml = claimed
        return _send(client, sent, xml, cif=cif, options=options, actor=actor)


def _send(
    client: AnafEfacturaClient,
    sent: Upload,
    xml: bytes,
    *,
    cif: str,
    options: Mapping[str, Any],
    actor: User | None,
) -> Submission:
    try:
        answer = client.upload(xml, cif=cif, **options)
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
        locked = locks.submission(submission.pk)
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
        if environments.settle(locked=locked, actor=actor):  # ANAF accepted it here before: accepted again
            return None
        xml = bytes(locked.xml) if locked.xml is not None else b""
        if not xml or hashlib.sha256(xml).hexdigest() != locked.xml_sha256:
            reason = _("The validated XML is not stored intact; the document is validated again first.")
            dropped: dict[str, Any] = {"xml": None, "xml_sha256": "", "last_error": reason}
            steps.change(locked, State.NOT_SUBMITTED, "efactura.validate_again", actor, **dropped)
            return None
        environment = settings.EFACTURA_ENVIRONMENT
        sent = Upload.objects.create(submission=locked, sent_at=timezone.now(), environment=environment)
        transitions.move(
            locked,
            State.UNKNOWN,
            next_attempt_at=unknown_uploads.unknown_recheck(sent.sent_at),
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
    return steps.at_anaf(
        sent,
        index,
        detail="",
        actor=actor,
        to=State.UPLOADED,
        action="efactura.uploaded",
        data={"upload_index": index},
        changes={
            "upload_index": index,
            "uploaded_at": now,
            "attempts": 0,
            "next_attempt_at": now + polls.POLL_MIN,
            "last_error": "",
            "poll_refusals": 0,
        },
    )


def _refused(sent: Upload, error: AnafRejectedError, actor: User | None) -> Submission:
    errors = [{"code": "", "message": message} for message in error.errors] or [
        {"code": "", "message": error.message}
    ]
    return steps.after(
        sent,
        upload_changes=steps.resolved(UploadOutcome.REFUSED, detail=error.message),
        actor=actor,
        to=State.REJECTED,
        action="efactura.rejected",
        data={"at": "upload", "errors": errors},
        changes={"errors": errors, "last_error": error.message, "next_attempt_at": None},
    )


def _never_reached(sent: Upload, error: AnafError, actor: User | None) -> Submission:
    """ANAF did not register it (refused at the door or never connected to): validated again, later."""
    retry_after = error.retry_after if isinstance(error, AnafRetryableError) else None
    return steps.after(
        sent,
        upload_changes=steps.resolved(UploadOutcome.NEVER_REACHED, detail=f"{error.message} {error.detail}"),
        actor=actor,
        to=State.VALIDATED,
        action="efactura.upload_never_reached",
        data={"error": error.message},
        changes=lambda locked: steps.backoff(locked, error.message, retry_after),
    )


def _lost(sent: Upload, error: AnafUnknownOutcomeError, actor: User | None) -> Submission:
    """The answer was lost: the submission stays unknown (as claimed), the Upload stays sent."""
    return steps.after(
        sent,
        upload_changes={"detail": f"{error.message} {error.detail}".strip()},
        actor=actor,
        events=[("efactura.upload_unknown", {"upload": sent.pk})],
        changes={"last_error": error.message},
    )
