"""Validating a submission's XML before it is uploaded (the submission `not_submitted` or
`invalid`; see praho.efactura.submissions for the whole way to ANAF)."""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import ValidationError

from praho.accounts.models import User
from praho.billing.models import Document
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.selectors import with_xml_data
from praho.efactura.submissions import steps
from praho.efactura.submissions.rules import (
    unbuildable,
    verdict,
)
from praho.efactura.submissions.steps import VALIDATABLE
from praho.efactura.ubl.document import document_xml
from praho.efactura.ubl.validation import INVALID, VALID, validate_xml

logger = logging.getLogger(__name__)

State = SubmissionState


# --- validation ----------------------------------------------------------------------------


def validate(*, submission: Submission, actor: User | None = None) -> Submission:
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
        return steps.step(
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
        return steps.step(
            submission.pk,
            VALIDATABLE,
            actor=actor,
            to=State.INVALID,
            action="efactura.invalid",
            changes=changes,
            record_same=True,  # validated again (a staff submit): the new verdict is on record
        )
    return steps.retry_later(submission, result.reason, retry_after=None, expected=VALIDATABLE)


def _xml(submission: Submission) -> bytes:
    document = with_xml_data(Document.objects.filter(pk=submission.document_id)).get()
    return document_xml(document)
