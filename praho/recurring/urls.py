"""Recurring billing's pages, in the "recurring" namespace, mounted at "" (paths start with
staff/recurring/ and app/renewals/)."""

from django.urls import include, path

app_name = "recurring"

urlpatterns = [
    path("", include("praho.recurring.web.staff.run_urls")),
    path("", include("praho.recurring.web.staff.metered_urls")),
    path("", include("praho.recurring.web.staff.service_urls")),
    path("", include("praho.recurring.web.area.service_urls")),
]
