"""Staff's renewals actions on a service, under /staff/recurring/services/<id>/: cancel at the end
of the period or now (with a credit note for the unused days), take a cancellation back, and change
the plan (GET: the proration preview; POST: confirm), and leave it out of billing runs (or take it
back: recurring.run_billing). provisioning.manage_service (403 otherwise);
a service the user may not see is a 404. Each POST goes back to the service page with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.orders.models import Service
from praho.orders.selectors import services_visible_to
from praho.recurring.services import cancellation, plan_change
from praho.recurring.services.access import STAFF_PERMISSION
from praho.recurring.services.exclusion import set_excluded
from praho.recurring.web.staff.panel import other_plans

TEMPLATES = "recurring/staff/"


def _service(request: AuthenticatedHttpRequest, service_id: int) -> Service:
    return get_object_or_404(
        services_visible_to(request.user).select_related("plan", "customer"), pk=service_id
    )


def _back(service: Service) -> HttpResponse:
    return redirect("orders:service", service_id=service.pk)


def _refused(request: AuthenticatedHttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@require_POST
@permission_required(STAFF_PERMISSION, raise_exception=True)
def cancel(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
    service = _service(request, service_id)
    when = request.POST.get("when", "")
    try:
        done = cancellation.cancel(
            actor=request.user, service_id=service.pk, when=when, children=request.POST.get("children", "")
        )
    except ValidationError as error:
        _refused(request, error)
        return _back(service)
    if done.when == cancellation.NOW:
        note = done.credit_note
        messages.success(
            request,
            _("Service terminated; credit note %(number)s for %(amount)s %(currency)s.")
            % {"number": note.number, "amount": f"{done.credit:.2f}", "currency": service.currency}
            if note is not None
            else _("Service terminated; nothing to credit (the period was not paid)."),
        )
    else:
        assert done.cancel_at is not None
        messages.success(
            request, _("The service ends after %(date)s.") % {"date": done.cancel_at.strftime("%d.%m.%Y")}
        )
    return _back(service)


@require_POST
@permission_required(STAFF_PERMISSION, raise_exception=True)
def resume(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
    service = _service(request, service_id)
    try:
        cancellation.resume(actor=request.user, service_id=service.pk)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The service renews again."))
    return _back(service)


@permission_required(STAFF_PERMISSION, raise_exception=True)
def change_plan(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
    service = _service(request, service_id)
    chosen = (request.POST if request.method == "POST" else request.GET).get("plan", "")
    plan = next((plan for plan in other_plans(service) if str(plan.pk) == chosen), None)
    if plan is None:
        messages.error(request, _("Choose a plan from the list."))
        return _back(service)
    try:
        if request.method == "POST":
            done = plan_change.change_plan(actor=request.user, service_id=service.pk, plan=plan)
            messages.success(
                request,
                _("Moving it to %(plan)s: net %(amount)s %(currency)s for the rest of the period.")
                % {"plan": plan.name, "amount": f"{done.net:.2f}", "currency": done.currency},
            )
            return _back(service)
        previewed = plan_change.preview(service, plan, actor=request.user)
    except ValidationError as error:
        _refused(request, error)
        return _back(service)
    context = {"service": service, "plan": plan, "preview": previewed}
    if request.htmx:
        return render(request, TEMPLATES + "_preview.html", context)
    return render(request, TEMPLATES + "change_plan.html", context)


@require_POST
@permission_required("recurring.run_billing", raise_exception=True)
def exclusion(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
    service = _service(request, service_id)
    excluded = request.POST.get("excluded") == "1"
    try:
        set_excluded(
            actor=request.user,
            service_id=service.pk,
            excluded=excluded,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The service is left out of billing runs.")
            if excluded
            else _("The service is billed by runs again."),
        )
    return _back(service)
