"""Recurring billing's pages (namespace "recurring"): staff's under /staff/recurring/."""

from django.urls import include, path

app_name = "recurring"

urlpatterns = [
    path("staff/recurring/dunning/", include("praho.recurring.web.staff.dunning_urls")),
]
