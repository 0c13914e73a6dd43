"""What the staff pages show of e-Factura: a document's panel on billing's document page and the
dashboard at /staff/efactura/. Reads only; the writes are praho.efactura.submissions'.

Each part runs a fixed number of queries whatever the number of documents: the dashboard
one aggregate for the counts and one query per section (each shows at most ROWS_SHOWN rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from praho.accounts.models import User
from praho.billing.models import Document, DocumentStatus
from praho.billing.models.documents import FISCAL_TYPES
from praho.core.workdays import add_working_days
from praho.efactura.deadlines import deadline_for
from praho.efactura.models import AT_ANAF, Submission, SubmissionState
from praho.efactura.submissions.rules import documents_without_submission, from_start_date
from praho.efactura.submissions.unknown import may_send_again

State = SubmissionState
ROWS_SHOWN = 50
# The submission's columns the pages show: the archived answer (a ZIP) stays in the database.
HAS_ANSWER = ExpressionWrapper(Q(answer__isnull=False), output_field=BooleanField())
# submissions.submit refuses only an accepted document; in the other states it validates and
# uploads (again after a rejection or failed validation) or asks ANAF where the document stands.
NOTHING_LEFT = (State.ACCEPTED,)


def _submissions() -> QuerySet[Submission]:
    # The archived answer and the validated XML stay in the database: pages show neither.
    return Submission.objects.defer("answer", "xml").annotate(has_answer=HAS_ANSWER)


def has_xml(document: Document) -> bool:
    """Issued invoices and credit notes have an e-Factura XML; drafts and proformas do not."""
    return document.document_type in FISCAL_TYPES and document.status == DocumentStatus.ISSUED


def may_submit(user: User, submission: Submission | None) -> bool:
    allowed = submission is None or submission.state not in NOTHING_LEFT
    return allowed and user.has_perm("efactura.submit_efactura")


def submit_label(submission: Submission | None) -> str:
    """What the button does in the submission's state: "new", "again" or "ask" (ANAF may hold it)."""
    if submission is None:
        return "new"
    if may_send_again(submission):
        return "again"
    return "ask" if submission.state in AT_ANAF else "new"


# --- a document's panel --------------------------------------------------------------------


def document_panel(document: Document, user: User) -> dict[str, Any] | None:
    """The e-Factura panel of an issued invoice or credit note for a staff member who follows
    submissions (efactura.view_submission); None when there is nothing to show them. One query."""
    if not has_xml(document) or not user.has_perm("efactura.view_submission"):
        return None
    submission = _submissions().filter(document=document).first()
    validation = submission.validation if submission else {}
    return {
        "document": document,
        "submission": submission,
        "state_label": submission.get_state_display() if submission else State.NOT_SUBMITTED.label,
        "state": submission.state if submission else State.NOT_SUBMITTED,
        "tracked": submission is not None,
        "deadline": submission.deadline if submission else deadline_for(document.issue_date),
        "validation_reason": validation.get("reason", ""),
        "failures": validation.get("failures", []),
        "errors": submission.errors if submission else [],
        "submit": may_submit(user, submission),
        "submit_label": submit_label(submission),
    }


# --- the dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int
    percent: int  # of the largest count, for the bar


@dataclass(frozen=True)
class Section:
    """One list of documents to look at, with how many there are in all."""

    rows: list[Any]
    total: int
    shown: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shown", len(self.rows))


@dataclass(frozen=True)
class Untracked:
    document: Document
    deadline: date
    overdue: bool


def _state_counts(today: date, near: date) -> tuple[list[StateCount], int, int]:
    """Counts by state, and of the unaccepted ones past and near their deadline (one query)."""
    rows = (
        Submission.objects.order_by()
        .values("state")
        .annotate(
            count=Count("id"),
            overdue=Count("id", filter=Q(deadline__lt=today)),
            near=Count("id", filter=Q(deadline__gte=today, deadline__lte=near)),
        )
    )
    totals: dict[str, int] = {}
    overdue = near_deadline = 0
    for row in rows:
        totals[row["state"]] = int(row["count"])
        if row["state"] != State.ACCEPTED:
            overdue += int(row["overdue"])
            near_deadline += int(row["near"])
    largest = max(totals.values(), default=0)
    counts = [
        StateCount(
            state.value,
            str(state.label),
            totals.get(state.value, 0),
            round(100 * totals.get(state.value, 0) / largest) if largest else 0,
        )
        for state in State
    ]
    return counts, overdue, near_deadline


def _listed(submissions: QuerySet[Submission], *order: str) -> list[Submission]:
    return list(submissions.select_related("document__customer").order_by(*order, "pk")[:ROWS_SHOWN])


def dashboard(today: date) -> dict[str, Any]:
    """Everything /staff/efactura/ shows on `today` (a fiscal date): seven queries."""
    near = add_working_days(today, 1)
    counts, overdue_total, near_total = _state_counts(today, near)
    total_of = {count.state: count.count for count in counts}
    unaccepted = _submissions().exclude(state=State.ACCEPTED)
    untracked = from_start_date(documents_without_submission())  # before the start date: not PRAHO's
    untracked_rows = [
        Untracked(document, deadline_for(document.issue_date), deadline_for(document.issue_date) < today)
        for document in untracked.select_related("customer")[:ROWS_SHOWN]
    ]
    return {
        "today": today,
        "counts": counts,
        "tracked_total": sum(total_of.values()),
        "overdue": Section(_listed(unaccepted.filter(deadline__lt=today), "deadline"), overdue_total),
        "near": Section(
            _listed(unaccepted.filter(deadline__gte=today, deadline__lte=near), "deadline"), near_total
        ),
        "rejected": Section(
            _listed(_submissions().filter(state=State.REJECTED), "-answered_at"), total_of[State.REJECTED]
        ),
        "invalid": Section(
            _listed(_submissions().filter(state=State.INVALID), "-validated_at"), total_of[State.INVALID]
        ),
        "untracked": Section(untracked_rows, untracked.count()),
    }
