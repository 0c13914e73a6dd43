"""Staff pages of services under /staff/orders/services/: the list with filters (status, plan,
customer) and a service's page (plan, cycle, prices, next due date, the package it belongs to,
the order that created it, and the panels the apps above orders add to it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render

from praho.core.contributions import contributions
from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.orders.models import Service
from praho.orders.web.staff import queries
from praho.orders.web.staff.forms import ServiceFilterForm
from praho.orders.web.staff.views import PAGE_SIZE, TEMPLATES, picker_for


@permission_required("orders.view_service", raise_exception=True)
def service_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ServiceFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    found = queries.staff_services(data) if valid else Service.objects.none()
    page_obj = DeferredJoinPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"form": form, "page_obj": page_obj, "services": list(page_obj)}
    if request.htmx:
        return render(request, TEMPLATES + "_service_results.html", context)
    context["picker"] = picker_for(request, data.get("customer"), optional=True)
    return render(request, TEMPLATES + "service_list.html", context)


@permission_required("orders.view_service", raise_exception=True)
def service_detail(request: AuthenticatedHttpRequest, service_id: int) -> HttpResponse:
    service = queries.service_for_staff(service_id)
    group, line = service.group, service.order_line
    package = list(group.services.select_related("plan").order_by("pk")) if group is not None else []
    context = {
        "service": service,
        "children": [other for other in package if other.parent_id == service.pk],
        "package": package,
        "order": line.order if line is not None else None,
        "history": queries.history_of(service, "orders.service"),
        # What the apps above orders show of it (provisioning: server, account, actions).
        "panels": [panel(request, service) for panel in contributions("service_panels", "staff_panel")],  # type: ignore[operator]
    }
    return render(request, TEMPLATES + "service_detail.html", context)
