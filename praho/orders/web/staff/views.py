"""Staff pages of orders under /staff/orders/: the list with filters, an order's page and what
its buttons do (approve, refuse, cancel, each after a confirmation page), and the customer
picker the lists and the order form share. Placing an order is in place_views.py, services in
service_views.py, the approval policy in policy_views.py and feature flags in flag_views.py.

Each view parses the request, calls one service or query and renders; the rules and their
messages come from praho.orders.services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import add_service_errors
from praho.customers import selectors as customer_selectors
from praho.customers.models import Customer
from praho.orders.models import Order, OrderStatus
from praho.orders.services import fulfilment
from praho.orders.web.staff import queries
from praho.orders.web.staff.forms import DecisionForm, OrderFilterForm

PAGE_SIZE = 25
TEMPLATES = "orders/staff/"

EVENT_LABELS = {
    "orders.order_placed": gettext_lazy("Placed"),
    "orders.order_approved": gettext_lazy("Approved"),
    "orders.order_refused": gettext_lazy("Refused"),
    "orders.order_cancelled": gettext_lazy("Cancelled"),
    "orders.order_paid": gettext_lazy("Paid"),
}


# --- the customer picker ----------------------------------------------------------------------------


def picker_context(
    request: AuthenticatedHttpRequest, *, selected: Customer | None, query: str, optional: bool
) -> dict[str, Any]:
    """The choices of the customer picker: the chosen customer and those matching the search."""
    query = query[:100].strip()
    results = customer_selectors.search_customers(request.user, query) if query else []
    return {
        "selected": selected,
        "results": [customer for customer in results if selected is None or customer.pk != selected.pk],
        "query": query,
        "optional": optional,
        "too_short": bool(query) and not customer_selectors.searchable(query),
        "min_length": customer_selectors.MIN_SEARCH_LENGTH,
    }


def picker_for(request: AuthenticatedHttpRequest, customer_id: Any, *, optional: bool) -> dict[str, Any]:
    selected = queries.visible_customer(request.user, customer_id) if customer_id else None
    return picker_context(
        request, selected=selected, query=request.GET.get("customer_q", ""), optional=optional
    )


@permission_required("orders.view_order", raise_exception=True)
def customer_picker(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The picker's choices as the search box is typed in (htmx), keeping the customer chosen."""
    picker = picker_context(
        request,
        selected=queries.visible_customer(request.user, request.GET.get("customer")),
        query=request.GET.get("customer_q", ""),
        optional=request.GET.get("optional") == "1",
    )
    return render(request, "billing/staff/_customer_options.html", {"picker": picker})


# --- the list ------------------------------------------------------------------------------------------


@permission_required("orders.view_order", raise_exception=True)
def order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = queries.staff_orders(data) if valid else Order.objects.none()
    page_obj = DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"form": form, "page_obj": page_obj, "orders": list(page_obj)}
    if request.htmx:
        return render(request, TEMPLATES + "_order_results.html", context)
    context["picker"] = picker_for(request, data.get("customer"), optional=True)
    return render(request, TEMPLATES + "order_list.html", context)


# --- an order's page --------------------------------------------------------------------------------------


def _actions(request: AuthenticatedHttpRequest, order: Order) -> dict[str, bool]:
    may = request.user.has_perm
    waiting = order.status == OrderStatus.AWAITING_APPROVAL
    return {
        "approve": waiting and may("orders.approve_order"),
        "refuse": waiting and may("orders.approve_order"),
        "cancel": order.status in fulfilment.CANCELLABLE and may("orders.change_order"),
    }


@permission_required("orders.view_order", raise_exception=True)
def order_detail(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    order = queries.order_for_staff(order_id)
    history = [
        {"event": event, "label": EVENT_LABELS.get(event.action, event.action)}
        for event in queries.history_of(order, "orders.order")
    ]
    context = {
        "order": order,
        "lines": queries.order_lines(order),
        "services": queries.services_of_order(order),
        "history": history,
        "actions": _actions(request, order),
    }
    return render(request, TEMPLATES + "order_detail.html", context)


# --- approve, refuse, cancel ----------------------------------------------------------------------------


ACTIONS: dict[str, dict[str, Any]] = {
    "approve": {
        "title": gettext_lazy("Approve this order?"),
        "label": gettext_lazy("Note (optional)"),
        "button": gettext_lazy("Approve and bill the order"),
        "explain": gettext_lazy("Approving issues the order's proforma; paying it creates the services."),
        "done": gettext_lazy("Order %(number)s approved."),
    },
    "refuse": {
        "title": gettext_lazy("Refuse this order?"),
        "label": gettext_lazy("Why it is refused"),
        "button": gettext_lazy("Refuse the order"),
        "explain": gettext_lazy("The order is closed; its coupon use is given back. This cannot be undone."),
        "done": gettext_lazy("Order %(number)s refused."),
    },
    "cancel": {
        "title": gettext_lazy("Cancel this order?"),
        "label": gettext_lazy("Why it is cancelled"),
        "button": gettext_lazy("Cancel the order"),
        "explain": gettext_lazy(
            "Its proforma, if issued, is cancelled and its coupon use given back. This cannot be undone."
        ),
        "done": gettext_lazy("Order %(number)s cancelled."),
    },
}


def _decide(
    request: AuthenticatedHttpRequest, order_id: int, action: str, call: Callable[[Order, str], Order]
) -> HttpResponse:
    order = queries.order_for_staff(order_id)
    spec = ACTIONS[action]
    if request.method == "GET" and not _actions(request, order)[action]:
        messages.error(
            request,
            _("This order is %(status)s: there is nothing to decide.")
            % {"status": order.get_status_display().lower()},
        )
        return redirect("orders:order", order.pk)
    form = DecisionForm(request.POST or None)
    form.fields["text"].label = spec["label"]
    form.fields["text"].required = action == "refuse"
    if request.method == "POST" and form.is_valid():
        try:
            call(order, form.cleaned_data["text"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error, aliases={"reason": "text"})
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("orders:order", order.pk)
        else:
            messages.success(request, str(spec["done"]) % {"number": order.number})
            return redirect("orders:order", order.pk)
    context = {"order": order, "form": form, "spec": spec, "action": action}
    return render(request, TEMPLATES + "order_decide.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission_required("orders.approve_order", raise_exception=True)
def order_approve(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    return _decide(
        request,
        order_id,
        "approve",
        lambda order, text: fulfilment.approve_order(actor=request.user, order=order, note=text),
    )


@require_http_methods(["GET", "POST"])
@permission_required("orders.approve_order", raise_exception=True)
def order_refuse(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    return _decide(
        request,
        order_id,
        "refuse",
        lambda order, text: fulfilment.refuse_order(actor=request.user, order=order, reason=text),
    )


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_order", raise_exception=True)
def order_cancel(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    return _decide(
        request,
        order_id,
        "cancel",
        lambda order, text: fulfilment.cancel_order(actor=request.user, order=order, reason=text),
    )
