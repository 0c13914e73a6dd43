"""Demo e-Factura: the demo's invoices and credit notes validated as ANAF would, offline.

Runs after the demo billing (praho.billing.demo, earlier in INSTALLED_APPS). Each issued invoice
and credit note gets its submission and is validated with the official artifacts of
EFACTURA_VALIDATION_DIR (the development settings use `../shared/efactura` when it is there), so
the staff pages show real verdicts. Without the artifacts nothing is validated here: the demo
does not ask ANAF's online service once per document (it is offline on a laptop); the documents
are validated when they are submitted. Nothing is sent to ANAF: that needs a connection an
administrator makes. Running it again validates only what is not validated yet.
"""

from __future__ import annotations

from collections import Counter

from django.conf import settings

from praho.efactura import submissions
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.submissions.rules import documents_without_submission
from praho.efactura.ubl.validation import NOT_VALIDATED

State = SubmissionState


def load(*, with_passwords: bool) -> list[str]:
    if not settings.EFACTURA_VALIDATION_DIR:
        return [
            "",
            "e-Factura: the demo's documents were not validated: EFACTURA_VALIDATION_DIR is not set "
            '(README, "e-Factura validation"); they are validated when they are submitted.',
        ]
    for document in documents_without_submission().order_by("pk"):
        submissions.submission_for(document=document)
    waiting = Submission.objects.filter(state__in=submissions.VALIDATABLE).order_by("pk")
    for submission in waiting.select_related("document"):
        submissions.validate(submission=submission)
    return _summary()


def _summary() -> list[str]:
    rows = list(Submission.objects.select_related("document").order_by("document__number"))
    verdicts = Counter(row.validation.get("state", NOT_VALIDATED) for row in rows)
    validators = sorted({row.validation["validator"] for row in rows if row.validation.get("validator")})
    lines = [
        "",
        f"e-Factura: {len(rows)} invoices and credit notes validated with {', '.join(validators) or '-'}: "
        f"{verdicts['valid']} valid, {verdicts['invalid']} invalid, {verdicts[NOT_VALIDATED]} not validated.",
    ]
    for row in rows:
        if row.state == State.INVALID:
            rules = ", ".join(failure["rule_id"] for failure in row.validation.get("failures", []))
            lines.append(f"  {row.document.number}: invalid ({rules})")
        elif row.validation.get("state", NOT_VALIDATED) == NOT_VALIDATED:
            lines.append(f"  {row.document.number}: not validated: {row.last_error}")
    return lines
