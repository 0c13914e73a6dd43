"""Staff pages of billing runs under /staff/recurring/: the run history (with "run now" and the
progress of a run under way), one run's summary and renewals, the forecast of the next 30/90
days."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import fiscal_today
from praho.recurring import forecast as forecasting
from praho.recurring.display import forecast_charts
from praho.recurring.models import BillingRun, Renewal, RunStatus
from praho.recurring.services.runs import start_run

PAGE_SIZE = 50
TEMPLATES = "recurring/staff/"


@permission_required("recurring.view_billingrun", raise_exception=True)
def runs(request: AuthenticatedHttpRequest) -> HttpResponse:
    page_obj = DeferredJoinPaginator(
        BillingRun.objects.select_related("started_by").order_by("-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    shown = list(page_obj)
    context = {
        "page_obj": page_obj,
        "runs": shown,
        "under_way": any(run.status == RunStatus.RUNNING for run in shown),
    }
    if request.htmx and request.GET.get("part") == "table":
        return render(request, TEMPLATES + "_runs_table.html", context)
    return render(request, TEMPLATES + "runs.html", context)


@require_POST
@permission_required("recurring.run_billing", raise_exception=True)
def run_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        run = start_run(actor=request.user, on=fiscal_today())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("recurring:runs")
    messages.success(request, _("Billing run #%(id)s started; this page follows it.") % {"id": run.pk})
    return redirect("recurring:runs")


@permission_required("recurring.view_billingrun", raise_exception=True)
def run_detail(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(BillingRun.objects.select_related("started_by"), pk=run_id)
    renewals = (
        Renewal.objects.filter(run=run)
        .select_related("service__plan", "service__customer", "document")
        .order_by("document_id", "service_id")
    )
    page_obj = DeferredJoinPaginator(renewals, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"run": run, "page_obj": page_obj, "renewals": list(page_obj)}
    return render(request, TEMPLATES + "run.html", context)


@permission_required("recurring.view_billingrun", raise_exception=True)
def forecast(request: AuthenticatedHttpRequest) -> HttpResponse:
    days = 90 if request.GET.get("days") == "90" else 30
    found = forecasting.forecast(today=fiscal_today(), days=days)
    context = {
        "forecast": found,
        "charts": forecast_charts(found),
        "days": days,
        "windows": forecasting.WINDOWS,
    }
    return render(request, TEMPLATES + "forecast.html", context)
