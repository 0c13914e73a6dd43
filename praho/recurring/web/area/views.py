"""The customer area's renewals actions on a service, under /app/renewals/services/<id>/:
cancel at the end of the period, keep it (take the cancellation back), and upgrade (GET: the
proration preview; POST: confirm). Members whose role has the BILLING capability; others get the
area's 403 page; another customer's service is a 404. Each POST goes back to the service page with
a message saying what happened or why nothing did."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.http import AuthenticatedHttpRequest
from praho.customers.models import Membership
from praho.customers.roles import Capability
from praho.customers.web.area.views import area_page
from praho.orders.models import Service
from praho.recurring.services import cancellation, plan_change
from praho.recurring.services.access import upgrade_plans

TEMPLATES = "recurring/area/"


def _service(membership: Membership, service_id: int) -> Service:
    return get_object_or_404(
        Service.objects.select_related("plan", "customer").filter(customer=membership.customer), pk=service_id
    )


def _back(service: Service) -> HttpResponse:
    return redirect("orders:area-service", service.pk)


def _refused(request: AuthenticatedHttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@require_POST
@area_page(Capability.BILLING)
def cancel(request: AuthenticatedHttpRequest, membership: Membership, service_id: int) -> HttpResponse:
    service = _service(membership, service_id)
    try:
        done = cancellation.cancel(actor=request.user, service_id=service.pk, when=cancellation.PERIOD_END)
    except ValidationError as error:
        _refused(request, error)
    else:
        assert done.cancel_at is not None
        messages.success(
            request,
            _("The service runs until %(date)s and renews no more.")
            % {"date": done.cancel_at.strftime("%d.%m.%Y")},
        )
    return _back(service)


@require_POST
@area_page(Capability.BILLING)
def resume(request: AuthenticatedHttpRequest, membership: Membership, service_id: int) -> HttpResponse:
    service = _service(membership, service_id)
    try:
        cancellation.resume(actor=request.user, service_id=service.pk)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The service renews again."))
    return _back(service)


@area_page(Capability.BILLING)
def change_plan(request: AuthenticatedHttpRequest, membership: Membership, service_id: int) -> HttpResponse:
    """GET ?plan=: what the upgrade costs now (the page, or the panel's part of it for htmx);
    POST plan=: do it."""
    service = _service(membership, service_id)
    chosen = (request.POST if request.method == "POST" else request.GET).get("plan", "")
    plan = next((plan for plan in upgrade_plans(service.plan_id) if str(plan.pk) == chosen), None)
    if plan is None:
        messages.error(request, _("Choose a plan from the list."))
        return _back(service)
    try:
        if request.method == "POST":
            done = plan_change.change_plan(actor=request.user, service_id=service.pk, plan=plan)
            messages.success(request, _changed_message(done))
            return _back(service)
        previewed = plan_change.preview(service, plan, actor=request.user)
    except ValidationError as error:
        _refused(request, error)
        return _back(service)
    context = {"service": service, "plan": plan, "preview": previewed, "customer": membership.customer}
    if request.htmx:
        return render(request, TEMPLATES + "_preview.html", context)
    return render(request, TEMPLATES + "change_plan.html", context)


def _changed_message(done: plan_change.PlanChange) -> str:
    if done.document_id is not None and done.net > 0:
        return _("Plan change requested: %(amount)s %(currency)s are billed for the rest of the period.") % {
            "amount": f"{done.net:.2f}",
            "currency": done.currency,
        }
    if done.document_id is not None:
        return _(
            "Plan change requested: %(amount)s %(currency)s are credited for the rest of the period."
        ) % {
            "amount": f"{-done.net:.2f}",
            "currency": done.currency,
        }
    return _("Plan change requested.")
