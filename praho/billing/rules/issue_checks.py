"""The dates of a document at issue: what is refused and what staff are warned of.

Refused: an issue date after today (Europe/Bucharest): a document cannot be issued in the future.
An issue date before the series' last issued document is refused by numbering (the numbers of a
series follow its documents' dates).

Warnings, which do not stop the issue (the document must be issued all the same; staff and the
API are told, and the audit event keeps them):
- `issued_late`: art. 319(16) Codul fiscal wants the invoice by the 15th of the month after the
  chargeable event (the tax point date); the issue date is past it.
- `efactura_late`: ANAF must have the invoice within 5 working days of its issue date; a document
  dated that far back is late for e-Factura the moment it is issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from praho.billing.models import Document, DocumentType
from praho.core.validation import FISCAL_TIME_ZONE, fiscal_today
from praho.core.workdays import add_working_days

EFACTURA_WORKING_DAYS = 5


@dataclass(frozen=True)
class IssueWarning:
    code: str
    message: str


def refuse_future_issue_date(document: Document) -> None:
    today = fiscal_today()
    if document.issue_date > today:
        raise ValidationError(
            {
                "issue_date": ValidationError(
                    _("A document cannot be issued with a date after today (%(today)s)."),
                    code="future_issue_date",
                    params={"today": today.isoformat()},
                )
            }
        )


def legal_issue_deadline(chargeable_on: date) -> date:
    """Art. 319(16): the 15th of the month after the chargeable event."""
    year, month = (
        (chargeable_on.year + 1, 1)
        if chargeable_on.month == 12
        else (chargeable_on.year, chargeable_on.month + 1)
    )
    return date(year, month, 15)


def issue_warnings(document: Document, *, today: date | None = None) -> list[IssueWarning]:
    """What staff are told when `document` is issued `today` (default: the day it was issued, in
    Bucharest, or today for a draft)."""
    if document.document_type not in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE):
        return []
    if today is None:
        issued_at = document.issued_at
        today = timezone.localdate(issued_at, FISCAL_TIME_ZONE) if issued_at else fiscal_today()
    warnings = []
    if document.tax_point_date and document.issue_date > legal_issue_deadline(document.tax_point_date):
        warnings.append(
            IssueWarning(
                "issued_late",
                _(
                    "Issued after the legal term: the tax point is %(tax_point)s, so the invoice was due by "
                    "%(deadline)s (art. 319(16) of the Romanian Fiscal Code)."
                )
                % {
                    "tax_point": document.tax_point_date.isoformat(),
                    "deadline": legal_issue_deadline(document.tax_point_date).isoformat(),
                },
            )
        )
    efactura_deadline = add_working_days(document.issue_date, EFACTURA_WORKING_DAYS)
    if efactura_deadline < today:
        warnings.append(
            IssueWarning(
                "efactura_late",
                _(
                    "ANAF had to receive a document dated %(issue_date)s by %(deadline)s (5 working days): "
                    "it is late for e-Factura as soon as it is issued; submit it at once."
                )
                % {"issue_date": document.issue_date.isoformat(), "deadline": efactura_deadline.isoformat()},
            )
        )
    return warnings
