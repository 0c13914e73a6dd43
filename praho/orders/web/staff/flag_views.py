"""Feature flags under /staff/orders/flags/: the list, a flag's form (name, note, on or off for
everyone, a stable share of customers, users, customers, plans) and deleting a flag. Writes go
through praho.orders.services.policy, which audits them and has waffle's cache flushed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from praho.core.formatting import typed_number
from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import add_service_errors
from praho.orders.models import FeatureFlag
from praho.orders.services import policy
from praho.orders.web.staff.forms import FeatureFlagForm
from praho.orders.web.staff.views import TEMPLATES


@permission_required("orders.view_featureflag", raise_exception=True)
def flag_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    flags = FeatureFlag.objects.annotate(
        user_count=Count("users", distinct=True),
        customer_count=Count("customers", distinct=True),
        plan_count=Count("plans", distinct=True),
    ).order_by("name")
    return render(request, TEMPLATES + "flag_list.html", {"flags": list(flags)})


def _initial(flag: FeatureFlag) -> dict[str, Any]:
    customers = flag.customers.all()
    return {
        "name": flag.name,
        "note": flag.note,
        "everyone": "" if flag.everyone is None else ("on" if flag.everyone else "off"),
        "percent": typed_number(flag.percent),
        "users": "\n".join(sorted(user.email for user in flag.users.all())),
        "customers": "\n".join(customer.tax_id or f"#{customer.pk}" for customer in customers),
        "plans": [str(pk) for pk in flag.plans.values_list("pk", flat=True)],
    }


def _flag_form(request: AuthenticatedHttpRequest, flag: FeatureFlag | None) -> HttpResponse:
    if request.method == "POST":
        form = FeatureFlagForm(request.POST)
        if form.is_valid():
            try:
                saved = policy.save_feature_flag(actor=request.user, flag=flag, **form.values())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Feature flag %(name)s saved.") % {"name": saved.name})
                return redirect("orders:flags")
    else:
        form = FeatureFlagForm(initial=_initial(flag) if flag else None)
    context = {"form": form, "flag": flag}
    return render(request, TEMPLATES + "flag_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission_required("orders.add_featureflag", raise_exception=True)
def flag_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _flag_form(request, None)


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_featureflag", raise_exception=True)
def flag_edit(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    return _flag_form(request, get_object_or_404(FeatureFlag, pk=flag_id))


@require_http_methods(["GET", "POST"])
@permission_required("orders.delete_featureflag", raise_exception=True)
def flag_delete(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(FeatureFlag, pk=flag_id)
    if request.method == "POST":
        name = flag.name
        policy.delete_feature_flag(actor=request.user, flag=flag)
        messages.success(request, _("Feature flag %(name)s deleted.") % {"name": name})
        return redirect("orders:flags")
    return render(request, TEMPLATES + "flag_delete.html", {"flag": flag})
