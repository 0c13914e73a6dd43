"""Recurring billing's pages (namespace "recurring", mounted at ""): staff under /staff/recurring/,
the customer area under /app/renewals/."""

from django.urls import URLPattern, URLResolver, include, path

app_name = "recurring"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("praho.recurring.web.staff.service_urls")),
    path("", include("praho.recurring.web.area.service_urls")),
]
