"""Staff pages of plans' metered items (usage billing): the list, the form creating or changing
one, and its deletion; for staff who edit plans (catalog.change_plan)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from praho.core.formatting import typed_number
from praho.core.http import AuthenticatedHttpRequest
from praho.core.numbers import is_plain_integer
from praho.core.validation import add_service_errors
from praho.recurring.metered_queries import staff_metered_items
from praho.recurring.models import Measure, MeteredItem, TierMode
from praho.recurring.services import metered
from praho.recurring.web.staff.metered_forms import MeteredItemForm, tiers_as_text

PERMISSION = "catalog.change_plan"
PAGE_SIZE = 50
TEMPLATES = "recurring/staff/"


def pricing_of(item: MeteredItem) -> str:
    """ "0,5 RON per GB" or the tiers, as the list shows them."""
    if item.tier_mode == TierMode.FLAT:
        text = _("%(price)s %(currency)s per hour") if item.measure == Measure.VM_HOURS else None
        return (text or _("%(price)s %(currency)s per GB")) % {
            "price": typed_number(item.unit_price),
            "currency": item.currency,
        }
    return "; ".join(tiers_as_text(item.tiers).splitlines())


def _plan_filter(request: AuthenticatedHttpRequest) -> int | None:
    value = request.GET.get("plan", "")
    return int(value) if is_plain_integer(value) and 0 < int(value) < 2**31 else None


@permission_required(PERMISSION, raise_exception=True)
def metered_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    plan_id = _plan_filter(request)
    page = Paginator(staff_metered_items(plan_id=plan_id), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(item, pricing_of(item)) for item in page]
    return render(
        request, TEMPLATES + "metered_list.html", {"page_obj": page, "rows": rows, "plan_id": plan_id}
    )


def _edit(request: AuthenticatedHttpRequest, item: MeteredItem | None) -> HttpResponse:
    if item is not None:
        initial: dict[str, Any] = MeteredItemForm.initial_of(item)
    else:
        initial = {"plan": _plan_filter(request)}
    form = MeteredItemForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = metered.save_metered_item(actor=request.user, item=item, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The metered item of %(plan)s was saved.") % {"plan": saved.plan.code}
            )
            return redirect("recurring:metered-items")
    return render(request, TEMPLATES + "metered_form.html", {"form": form, "item": item})


@permission_required(PERMISSION, raise_exception=True)
def metered_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, None)


@permission_required(PERMISSION, raise_exception=True)
def metered_edit(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    return _edit(request, get_object_or_404(MeteredItem.objects.select_related("plan"), pk=item_id))


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def metered_delete(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(MeteredItem.objects.select_related("plan"), pk=item_id)
    try:
        metered.delete_metered_item(actor=request.user, item=item)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The metered item of %(plan)s was deleted.") % {"plan": item.plan.code})
    return redirect("recurring:metered-items")
