"""e-Factura's panel on the staff dashboard (praho.core.dashboards), for staff who follow
submissions (efactura.view_submission): how many documents need attention, each count linking
to its section of the e-Factura page. Two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.http import HttpRequest

from praho.core.dashboards import WORK, Panel
from praho.core.validation import fiscal_today
from praho.core.workdays import add_working_days
from praho.efactura.models import Submission, SubmissionState
from praho.efactura.submissions.rules import documents_without_submission, from_start_date

State = SubmissionState


@dataclass(frozen=True)
class Attention:
    tracked: int  # submissions in any of the states below (a rejected one may be past its deadline too)
    past_deadline: int  # not accepted, deadline passed
    near_deadline: int  # not accepted, at most one working day left
    rejected: int
    invalid: int  # failed validation
    untracked: int  # issued, not taken in by e-Factura yet

    @property
    def total(self) -> int:
        """Documents needing attention, each counted once."""
        return self.tracked + self.untracked


def needing_attention(today: date) -> Attention:
    """The counts the e-Factura page lists in its sections (presenters.dashboard), as of `today`."""
    near = add_working_days(today, 1)
    pending = ~Q(state=State.ACCEPTED)
    soon = pending & Q(deadline__lte=near)
    counts = Submission.objects.aggregate(
        tracked=Count("id", filter=soon | Q(state__in=(State.REJECTED, State.INVALID))),
        past_deadline=Count("id", filter=pending & Q(deadline__lt=today)),
        near_deadline=Count("id", filter=pending & Q(deadline__gte=today, deadline__lte=near)),
        rejected=Count("id", filter=Q(state=State.REJECTED)),
        invalid=Count("id", filter=Q(state=State.INVALID)),
    )
    return Attention(**counts, untracked=from_start_date(documents_without_submission()).count())


def staff_panels(request: HttpRequest) -> list[Panel]:
    if not request.user.has_perm("efactura.view_submission"):
        return []
    attention = needing_attention(fiscal_today())
    return [Panel("efactura/dashboard/_attention.html", {"attention": attention}, WORK)]
