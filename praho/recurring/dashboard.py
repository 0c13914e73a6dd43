"""Recurring billing's panel on the staff dashboard (praho.core.dashboards): renewals waiting for
staff — unpaid renewal documents past their due date, terminations awaiting confirmation — and
how the last billing run went. For staff who see billing runs; three queries."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from praho.core.dashboards import WORK, Panel
from praho.core.validation import fiscal_today
from praho.recurring.dunning_queries import awaiting_terminations, unpaid_renewal_documents
from praho.recurring.models import BillingRun

TEMPLATES = "recurring/dashboard/"


def waiting() -> dict[str, Any]:
    return {
        "overdue": unpaid_renewal_documents().filter(due_date__lt=fiscal_today()).count(),
        "terminations": awaiting_terminations().count(),
        "last_run": BillingRun.objects.order_by("-id").first(),
    }


def staff_panels(request: HttpRequest) -> list[Panel]:
    if not request.user.has_perm("recurring.view_billingrun"):
        return []
    return [Panel(TEMPLATES + "_renewals.html", waiting(), WORK + 3)]
