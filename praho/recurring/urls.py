"""Recurring billing's pages (namespace "recurring", mounted at ""): the customer area's under
/app/renewals/, staff's under /staff/recurring/."""

from django.urls import include, path

app_name = "recurring"

urlpatterns = [
    path("", include("praho.recurring.web.area.renewals_urls")),
    path("", include("praho.recurring.web.staff.run_urls")),
    path("", include("praho.recurring.web.staff.metered_urls")),
    path("staff/recurring/dunning/", include("praho.recurring.web.staff.dunning_urls")),
    path("", include("praho.recurring.web.staff.service_urls")),
    path("", include("praho.recurring.web.area.service_urls")),
]
