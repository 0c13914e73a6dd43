"""Staff pages of dunning under /staff/recurring/dunning/: the queue of unpaid renewal documents,
the terminations waiting for confirmation, the schedule and the exempt customers.

Seeing them takes recurring.view_dunningnotice, changing anything recurring.manage_dunning. Each
view parses the request, calls one service or query and renders; the rules and their messages
come from praho.recurring.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from praho.billing.web.staff.views import picker_context
from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import add_service_errors, fiscal_today
from praho.customers import selectors as customer_selectors
from praho.customers.models import Customer
from praho.recurring import dunning_queries as queries
from praho.recurring.services import dunning, dunning_schedule
from praho.recurring.web.staff.dunning_forms import ExemptionForm, QueueFilterForm, StepForm

PAGE_SIZE = 25
TEMPLATES = "recurring/staff/"
SEE = "recurring.view_dunningnotice"
MANAGE = "recurring.manage_dunning"


def _customer(request: AuthenticatedHttpRequest, customer_id: Any) -> Customer | None:
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        return None
    return customer_selectors.customers_visible_to(request.user).filter(pk=pk).first()


@permission_required(SEE, raise_exception=True)
def customer_picker(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The picker's choices as the search box is typed in (htmx), keeping the customer chosen."""
    picker = picker_context(
        request,
        selected=_customer(request, request.GET.get("customer")),
        query=request.GET.get("customer_q", ""),
        optional=request.GET.get("optional") == "1",
    )
    return render(request, "billing/staff/_customer_options.html", {"picker": picker})


# --- the queue ---------------------------------------------------------------------------------------


@permission_required(SEE, raise_exception=True)
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    today = fiscal_today()
    found = queries.dunning_queue(data, today=today)
    if not valid:
        found = found.none()
    page_obj = DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page_obj": page_obj,
        "rows": queries.queue_rows(list(page_obj), today=today),
    }
    if request.htmx:
        return render(request, TEMPLATES + "_dunning_results.html", context)
    selected = _customer(request, data.get("customer")) if data.get("customer") else None
    context["picker"] = picker_context(
        request, selected=selected, query=request.GET.get("customer_q", ""), optional=True
    )
    return render(request, TEMPLATES + "dunning_queue.html", context)


# --- terminations awaiting confirmation --------------------------------------------------------------


@permission_required(SEE, raise_exception=True)
def terminations(request: AuthenticatedHttpRequest) -> HttpResponse:
    page_obj = DeferredJoinPaginator(queries.awaiting_terminations(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, TEMPLATES + "dunning_terminations.html", {"page_obj": page_obj, "notices": list(page_obj)}
    )


@require_POST
@permission_required(MANAGE, raise_exception=True)
def confirm_termination(request: AuthenticatedHttpRequest, notice_id: int) -> HttpResponse:
    try:
        notice = dunning.confirm_termination(notice_id=notice_id, actor=request.user)
    except ValidationError as error:
        if error.code == "not_found":
            raise Http404 from None
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Termination confirmed for %(document)s. %(detail)s")
            % {"document": notice.document, "detail": notice.detail},
        )
    return redirect("recurring:dunning-terminations")


# --- the schedule ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(SEE, raise_exception=True)
def schedule(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StepForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.user.has_perm(MANAGE):
            raise PermissionDenied
        if form.is_valid():
            try:
                step = dunning_schedule.add_step(actor=request.user, **form.values())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Step added: %(action)s, %(days)+d days from the due date.")
                    % {"action": step.get_action_display(), "days": step.days},
                )
                return redirect("recurring:dunning-schedule")
    context = {"form": form, "steps": queries.schedule()}
    return render(request, TEMPLATES + "dunning_schedule.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def delete_step(request: AuthenticatedHttpRequest, step_id: int) -> HttpResponse:
    try:
        dunning_schedule.delete_step(actor=request.user, step_id=step_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Step removed from the schedule."))
    return redirect("recurring:dunning-schedule")


# --- exemptions --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(SEE, raise_exception=True)
def exemptions(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = ExemptionForm(data)
    customer = _customer(request, data.get("customer")) if data is not None else None
    if data is not None and "find_customer" not in data:
        if not request.user.has_perm(MANAGE):
            raise PermissionDenied
        if form.is_valid():
            if customer is None:
                form.add_error("customer", _("Choose the customer."))
            else:
                try:
                    dunning_schedule.set_exemption(
                        actor=request.user, customer=customer, reason=form.cleaned_data["reason"]
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request, _("%(customer)s is exempt from dunning.") % {"customer": customer.name}
                    )
                    return redirect("recurring:dunning-exemptions")
    query = data.get("customer_q", "") if data is not None else ""
    context: dict[str, Any] = {
        "form": form,
        "exempt": list(queries.exempt_customers()),
        "picker": picker_context(request, selected=customer, query=query, optional=False),
    }
    return render(request, TEMPLATES + "dunning_exemptions.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def lift_exemption(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer(request, customer_id)
    if customer is None:
        raise Http404
    try:
        dunning_schedule.lift_exemption(actor=request.user, customer=customer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(customer)s is chased for unpaid renewals again.") % {"customer": customer.name}
        )
    return redirect("recurring:dunning-exemptions")
