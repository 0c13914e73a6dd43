"""The approval policy under /staff/orders/: customers flagged for review (their orders wait
for approval whatever their amount) and the approval threshold per currency. Writes go
through praho.orders.services.policy, which audits them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from praho.core.formatting import typed_number
from praho.core.http import AuthenticatedHttpRequest
from praho.core.money import Currency
from praho.core.validation import add_service_errors
from praho.orders.models import OrderPolicy
from praho.orders.services import policy
from praho.orders.web.staff import queries
from praho.orders.web.staff.forms import DecisionForm, ReviewFlagForm, ThresholdForm
from praho.orders.web.staff.views import TEMPLATES, picker_context


@require_http_methods(["GET", "POST"])
@permission_required("orders.view_reviewflag", raise_exception=True)
def review_flags(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The customers flagged for review, and the form that flags one more."""
    data = request.POST if request.method == "POST" else None
    form = ReviewFlagForm(data)
    customer = queries.visible_customer(request.user, data.get("customer")) if data is not None else None
    if data is not None and "find_customer" not in data:
        if not request.user.has_perm("orders.add_reviewflag"):
            raise PermissionDenied
        if form.is_valid():
            if customer is None:
                form.add_error("customer", _("Choose the customer."))
            else:
                try:
                    policy.flag_for_review(
                        actor=request.user, customer=customer, reason=form.cleaned_data["reason"]
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(
                        request, _("%(customer)s is flagged for review.") % {"customer": customer.name}
                    )
                    return redirect("orders:review-flags")
    query = data.get("customer_q", "") if data is not None else ""
    context: dict[str, Any] = {
        "form": form,
        "flags": queries.review_flags(),
        "picker": picker_context(request, selected=customer, query=query, optional=False),
        "remove_form": DecisionForm(),
    }
    return render(request, TEMPLATES + "review_flags.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required("orders.delete_reviewflag", raise_exception=True)
def review_flag_remove(request: AuthenticatedHttpRequest, customer_id: int) -> HttpResponse:
    customer = queries.visible_customer(request.user, customer_id)
    if customer is None:
        raise Http404
    try:
        policy.remove_review_flag(actor=request.user, customer=customer, reason=request.POST.get("text", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(customer)s is no longer flagged for review.") % {"customer": customer.name}
        )
    return redirect("orders:review-flags")


@require_http_methods(["GET", "POST"])
@permission_required("orders.view_orderpolicy", raise_exception=True)
def thresholds(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = {row.currency: typed_number(row.approval_threshold) for row in OrderPolicy.objects.all()}
    form = ThresholdForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST":
        if not request.user.has_perm("orders.change_orderpolicy"):
            raise PermissionDenied
        if form.is_valid():
            try:
                policy.set_approval_thresholds(
                    actor=request.user, thresholds={c: form.cleaned_data.get(c, "") for c in Currency.values}
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Approval thresholds saved."))
                return redirect("orders:thresholds")
    return render(request, TEMPLATES + "thresholds.html", {"form": form}, status=400 if form.errors else 200)
