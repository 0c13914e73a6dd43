"""One plan's staff pages: its detail (features, prices current, planned and past,
relationships) and the forms changing it, each posting to one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.catalog import selectors
from praho.catalog.models import Feature, Plan, PlanRelation, Price
from praho.catalog.services import offer, pricing
from praho.catalog.web.staff.forms import FeatureLimitsForm, PlanForm, PriceForm, RelationForm
from praho.catalog.web.staff.views import TEMPLATES, save_plan_form
from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import add_service_errors, fiscal_today


def _plan(plan_id: int) -> Plan:
    return get_object_or_404(Plan.objects.select_related("group"), pk=plan_id)


def _render_detail(
    request: AuthenticatedHttpRequest,
    plan: Plan,
    *,
    price_form: PriceForm | None = None,
    relation_form: RelationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = fiscal_today()
    may_price = request.user.has_perm("catalog.add_price")
    may_relate = request.user.has_perm("catalog.change_plan")
    outgoing, incoming = selectors.plan_relations(plan)
    context: dict[str, Any] = {
        "plan": plan,
        "today": today,
        "features": selectors.plan_features(plan),
        "prices": selectors.plan_prices(plan, on=today),
        "outgoing": outgoing,
        "incoming": incoming,
        "price_form": price_form or (PriceForm(initial={"valid_from": today}) if may_price else None),
        "relation_form": relation_form or (RelationForm() if may_relate else None),
    }
    return render(request, TEMPLATES + "plan_detail.html", context, status=status)


@permission_required("catalog.view_plan", raise_exception=True)
def plan_detail(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    return _render_detail(request, _plan(plan_id))


@permission_required("catalog.change_plan", raise_exception=True)
def plan_edit(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    initial = PlanForm.initial_of(plan)
    form = PlanForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = save_plan_form(request, form, plan)
        if saved is not None:
            messages.success(request, _("The plan %(name)s was saved.") % {"name": saved.name})
            return redirect("catalog:plan", plan.pk)
    return render(request, TEMPLATES + "plan_form.html", {"form": form, "plan": plan})


@permission_required("catalog.change_plan", raise_exception=True)
def plan_features(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    features = list(Feature.objects.all())
    current = {row.feature_id: row.limit for row in plan.features.all()}
    form = FeatureLimitsForm(
        request.POST if request.method == "POST" else None, features=features, current=current
    )
    if request.method == "POST" and form.is_valid():
        try:
            offer.set_plan_features(actor=request.user, plan=plan, limits=form.limits())
        except ValidationError as error:
            add_service_errors(
                form,
                error,
                aliases={f"features.{feature.code}": f"limit_{feature.code}" for feature in features},
            )
        else:
            messages.success(request, _("The plan's features were saved."))
            return redirect("catalog:plan", plan.pk)
    return render(request, TEMPLATES + "plan_features.html", {"form": form, "plan": plan})


@require_POST
@permission_required("catalog.add_price", raise_exception=True)
def price_create(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    form = PriceForm(request.POST)
    if form.is_valid():
        try:
            price = pricing.plan_price(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if price.valid_from > fiscal_today():
                messages.success(request, _("The price was planned."))
            else:
                messages.success(request, _("The price is in force from today."))
            return redirect("catalog:plan", plan.pk)
    return _render_detail(request, plan, price_form=form, status=400)


@require_POST
@permission_required("catalog.change_price", raise_exception=True)
def price_remove(request: AuthenticatedHttpRequest, plan_id: int, price_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    price = get_object_or_404(Price, pk=price_id, plan=plan)
    try:
        pricing.remove_planned_price(actor=request.user, price=price)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The planned price was removed."))
    return redirect("catalog:plan", plan.pk)


@require_POST
@permission_required("catalog.change_plan", raise_exception=True)
def relation_create(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    form = RelationForm(request.POST)
    if form.is_valid():
        try:
            pricing.save_relation(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The relationship was saved."))
            return redirect("catalog:plan", plan.pk)
    return _render_detail(request, plan, relation_form=form, status=400)


@require_POST
@permission_required("catalog.change_plan", raise_exception=True)
def relation_remove(request: AuthenticatedHttpRequest, plan_id: int, relation_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    relation = get_object_or_404(PlanRelation, pk=relation_id, plan=plan)
    pricing.remove_relation(actor=request.user, relation=relation)
    messages.success(request, _("The relationship was removed."))
    return redirect("catalog:plan", plan.pk)
