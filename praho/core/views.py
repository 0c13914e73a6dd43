from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from praho.core import selectors
from praho.core.http import AuthenticatedHttpRequest


def home(request: HttpRequest) -> HttpResponse:
    """Send each visitor to their area: staff, customer, or the login page."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect("staff-dashboard" if request.user.is_staff else "customer-dashboard")


def staff_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The staff gate (StaffSecondFactorMiddleware) already admitted the user.
    return render(request, "core/staff_dashboard.html", {"summary": selectors.staff_summary(request.user)})


@login_required
def customer_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "core/customer_dashboard.html", {"summary": selectors.customer_summary(request.user)}
    )
