"""The customer area's orders and services of the current customer.

Who: orders (what was bought, for how much, its proforma) are for members whose role has the
BILLING capability, as billing's pages are, and so is cancelling one; services (what the
customer has and may use) are shown to every member (VIEW: technical users run them, viewers
look). Ids are looked up within the current customer only: another customer's answer 404.
Lists run a fixed number of queries whatever their length.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from praho.billing.models import DocumentStatus
from praho.catalog.models import PlanFeature
from praho.core.contributions import contributions
from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.customers.models import Customer, Membership
from praho.customers.roles import Capability, can
from praho.customers.web.area.views import area_page
from praho.orders.entitlements import entitlements_of
from praho.orders.models import Order, OrderStatus, Service
from praho.orders.services.fulfilment import CANCELLABLE, cancel_order
from praho.orders.web.area import offer
from praho.orders.web.area.forms import CancelForm

PAGE_SIZE = 25
# An app's `service_panels.area_panel(request, service)`: its part of the service page, as HTML.
AreaPanel = Callable[[HttpRequest, Service], str]
TEMPLATES = "orders/area/"
# The proforma the billing area shows (it hides cancelled ones).
SHOWN_DOCUMENT = (DocumentStatus.ISSUED, DocumentStatus.CONVERTED)


def customer_orders(customer: Customer) -> QuerySet[Order]:
    """The customer's placed orders (carts are not orders yet), newest first."""
    return Order.objects.filter(customer=customer).exclude(status=OrderStatus.DRAFT)


def customer_services(customer: Customer) -> QuerySet[Service]:
    return Service.objects.filter(customer=customer)


@area_page(Capability.BILLING)
def orders(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    listed = customer_orders(membership.customer).select_related("document").order_by("-placed_at", "-id")
    page = DeferredJoinPaginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"customer": membership.customer, "page_obj": page, "orders": page.object_list}
    return render(request, TEMPLATES + "orders.html", context)


def _order(membership: Membership, order_id: int) -> Order:
    return get_object_or_404(
        customer_orders(membership.customer).select_related("document", "invoice"), pk=order_id
    )


def _order_context(membership: Membership, order: Order) -> dict[str, object]:
    document = order.document
    return {
        "customer": membership.customer,
        "order": order,
        "lines": list(order.lines.order_by("position")),
        "document": document if document is not None and document.status in SHOWN_DOCUMENT else None,
        "invoice": order.invoice,
        "may_cancel": order.status in CANCELLABLE
        and not (document is not None and document.document_type == "invoice"),
    }


@area_page(Capability.BILLING)
def order(request: AuthenticatedHttpRequest, membership: Membership, order_id: int) -> HttpResponse:
    found = _order(membership, order_id)
    return render(request, TEMPLATES + "order.html", _order_context(membership, found))


@area_page(Capability.BILLING)
def order_cancel(request: AuthenticatedHttpRequest, membership: Membership, order_id: int) -> HttpResponse:
    """GET: the confirmation; POST: cancel the order (its proforma is cancelled too)."""
    found = _order(membership, order_id)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_order(actor=request.user, order=found, reason=form.cleaned_data["reason"])
        except ValidationError as refused:
            for message in refused.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Order %(number)s was cancelled.") % {"number": found.number})
        return redirect("orders:area-order", found.pk)
    context = _order_context(membership, found) | {"form": form}
    return render(request, TEMPLATES + "order_cancel.html", context)


@area_page()
def services(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    listed = customer_services(membership.customer).select_related("plan").order_by("-id")
    page = DeferredJoinPaginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "customer": membership.customer,
        "page_obj": page,
        "services": page.object_list,
        "may_order": can(membership.role, Capability.BILLING),
    }
    return render(request, TEMPLATES + "services.html", context)


def area_panels() -> list[AreaPanel]:
    return cast(list[AreaPanel], contributions("service_panels", "area_panel"))


@area_page()
def service(request: AuthenticatedHttpRequest, membership: Membership, service_id: int) -> HttpResponse:
    features = PlanFeature.objects.select_related("feature").order_by("feature__position", "feature_id")
    found = get_object_or_404(
        customer_services(membership.customer)
        .select_related("plan__group", "parent__plan")
        .prefetch_related(Prefetch("plan__features", queryset=features)),
        pk=service_id,
    )
    context = {
        "customer": membership.customer,
        "service": found,
        "features": offer.shown_features(found.plan.features.all()),
        "children": list(found.children.select_related("plan").order_by("pk")),
        "entitlements": entitlements_of(membership.customer),
        # What the apps above orders show of the service (provisioning: login, usage).
        "panels": [panel(request, found) for panel in area_panels()],
    }
    return render(request, TEMPLATES + "service.html", context)
