"""Staff coupon pages: list, detail (with its uses) and the form creating or changing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from praho.catalog import selectors
from praho.catalog.models import Coupon
from praho.catalog.services import promotions
from praho.catalog.web.staff.coupon_forms import CouponForm
from praho.catalog.web.staff.views import PAGE_SIZE, TEMPLATES
from praho.core.http import AuthenticatedHttpRequest
from praho.core.validation import add_service_errors


@permission_required("catalog.view_coupon", raise_exception=True)
def coupon_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.staff_coupons(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "coupon_list.html", {"page_obj": page})


@permission_required("catalog.view_coupon", raise_exception=True)
def coupon_detail(request: AuthenticatedHttpRequest, coupon_id: int) -> HttpResponse:
    coupon = get_object_or_404(Coupon, pk=coupon_id)
    context = {
        "coupon": coupon,
        "plans": list(coupon.plans.order_by("code")),
        "groups": list(coupon.groups.order_by("position", "id")),
    }
    return render(request, TEMPLATES + "coupon_detail.html", context)


def _edit(request: AuthenticatedHttpRequest, coupon: Coupon | None) -> HttpResponse:
    initial = CouponForm.initial_of(coupon) if coupon is not None else None
    form = CouponForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = promotions.save_coupon(actor=request.user, coupon=coupon, **form.service_values())
        except ValidationError as error:
            aliases = {f"amounts.{c}": f"amount_{c}" for c in ("RON", "EUR", "USD")}
            aliases.update({f"minimum_order.{c}": f"minimum_{c}" for c in ("RON", "EUR", "USD")})
            add_service_errors(form, error, aliases=aliases)
        else:
            messages.success(request, _("The coupon %(code)s was saved.") % {"code": saved.code})
            return redirect("catalog:coupon", saved.pk)
    return render(request, TEMPLATES + "coupon_form.html", {"form": form, "coupon": coupon})


@permission_required("catalog.add_coupon", raise_exception=True)
def coupon_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, None)


@permission_required("catalog.change_coupon", raise_exception=True)
def coupon_edit(request: AuthenticatedHttpRequest, coupon_id: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Coupon, pk=coupon_id))
