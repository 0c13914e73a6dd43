"""Staff catalog pages: product groups, features and the plan list (with plan creation).

Each view parses the request, calls one service or selector and renders; the rules and their
messages come from praho.catalog.services. Reading needs catalog.view_*; writing add_/change_*."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from praho.catalog import selectors
from praho.catalog.models import Feature, Plan, ProductGroup
from praho.catalog.services import offer
from praho.catalog.web.staff.forms import FeatureForm, GroupForm, PlanFilterForm, PlanForm
from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import add_service_errors

PAGE_SIZE = 50
TEMPLATES = "catalog/staff/"
MODULE_ALIASES = {
    f"module_params.{name}": name for name in ("package", "template", "cores", "memory_mb", "disk_gb")
}


def _values(form: Any) -> dict[str, Any]:
    return dict(form.cleaned_data)


# --- groups -----------------------------------------------------------------------------------


@permission_required("catalog.view_productgroup", raise_exception=True)
def group_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, TEMPLATES + "group_list.html", {"groups": list(selectors.staff_groups())})


def _edit_row(
    request: AuthenticatedHttpRequest,
    *,
    form_class: Any,
    row: Any,
    save: Any,
    argument: str,
    template: str,
    done: str,
    saved_message: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    initial = {name: getattr(row, name) for name in form_class.base_fields} if row is not None else None
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(actor=request.user, **{argument: row}, **_values(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved_message % {"name": saved.name})
            return redirect(done)
    return render(request, TEMPLATES + template, {"form": form, "row": row, **(extra or {})})


@permission_required("catalog.add_productgroup", raise_exception=True)
def group_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit_row(
        request,
        form_class=GroupForm,
        row=None,
        save=offer.save_group,
        argument="group",
        template="group_form.html",
        done="catalog:groups",
        saved_message=_("The group %(name)s was saved."),
    )


@permission_required("catalog.change_productgroup", raise_exception=True)
def group_edit(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    return _edit_row(
        request,
        form_class=GroupForm,
        row=get_object_or_404(ProductGroup, pk=group_id),
        save=offer.save_group,
        argument="group",
        template="group_form.html",
        done="catalog:groups",
        saved_message=_("The group %(name)s was saved."),
    )


# --- features ---------------------------------------------------------------------------------


@permission_required("catalog.view_feature", raise_exception=True)
def feature_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, TEMPLATES + "feature_list.html", {"features": list(Feature.objects.all())})


@permission_required("catalog.add_feature", raise_exception=True)
def feature_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit_row(
        request,
        form_class=FeatureForm,
        row=None,
        save=offer.save_feature,
        argument="feature",
        template="feature_form.html",
        done="catalog:features",
        saved_message=_("The feature %(name)s was saved."),
    )


@permission_required("catalog.change_feature", raise_exception=True)
def feature_edit(request: AuthenticatedHttpRequest, feature_id: int) -> HttpResponse:
    return _edit_row(
        request,
        form_class=FeatureForm,
        row=get_object_or_404(Feature, pk=feature_id),
        save=offer.save_feature,
        argument="feature",
        template="feature_form.html",
        done="catalog:features",
        saved_message=_("The feature %(name)s was saved."),
    )


# --- plans ------------------------------------------------------------------------------------


@permission_required("catalog.view_plan", raise_exception=True)
def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PlanFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {"group": form.cleaned_data["group"], "visibility": form.cleaned_data["visibility"]}
    plans = selectors.staff_plans(**filters)
    if form.is_bound and not form.is_valid():
        plans = plans.none()
    context = {"form": form, "page_obj": Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))}
    if request.htmx:
        return render(request, TEMPLATES + "_plan_results.html", context)
    return render(request, TEMPLATES + "plan_list.html", context)


def save_plan_form(request: AuthenticatedHttpRequest, form: PlanForm, plan: Plan | None) -> Plan | None:
    """The plan saved from the form, or None with the service's errors on the form."""
    try:
        return offer.save_plan(actor=request.user, plan=plan, **form.service_values())
    except ValidationError as error:
        add_service_errors(form, error, aliases=MODULE_ALIASES)
        return None


@permission_required("catalog.add_plan", raise_exception=True)
def plan_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        plan = save_plan_form(request, form, None)
        if plan is not None:
            messages.success(request, _("The plan %(name)s was saved.") % {"name": plan.name})
            return redirect("catalog:plan", plan.pk)
    return render(request, TEMPLATES + "plan_form.html", {"form": form, "plan": None})
