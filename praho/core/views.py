from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from praho.core import dashboards, search
from praho.core.http import AuthenticatedHttpRequest


def home(request: HttpRequest) -> HttpResponse:
    """Send each visitor to their area: staff, customer, or the login page."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect("staff-dashboard" if request.user.is_staff else "customer-dashboard")


def staff_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The staff gate (StaffSecondFactorMiddleware) already admitted the user.
    panels = dashboards.staff_panels(request)
    context = {
        "panels": [panel for panel in panels if not panel.secondary],
        "secondary_panels": [panel for panel in panels if panel.secondary],
    }
    return render(request, "core/staff_dashboard.html", context)


@login_required
def customer_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "core/customer_dashboard.html", {"panels": dashboards.customer_panels(request)})


@require_GET
def staff_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The staff search box: customers, documents by number, payments by reference, as one types
    (the staff gate admits only staff; each app shows only the kinds the user's role may see)."""
    query = search.clean_query(request.GET.get("q", ""))
    groups = search.staff_search(request.user, query)
    context = {
        "query": query,
        "groups": groups,
        "found": sum(len(group.results) for group in groups),
        "too_short": bool(query) and not search.searchable(query),
        "min_length": search.MIN_QUERY_LENGTH,
    }
    template = "core/_search_results.html" if request.htmx else "core/search.html"
    return render(request, template, context)
