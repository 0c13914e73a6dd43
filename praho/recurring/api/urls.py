"""/api/v1/ endpoints of recurring billing, included before provisioning's (praho/urls.py) so
that a service's cancel and change-plan endpoints are recurring's."""

from django.urls import URLPattern, URLResolver, path

from praho.recurring.api import runs

urlpatterns: list[URLPattern | URLResolver] = [
    path("billing-runs/", runs.BillingRunListView.as_view(), name="api-billing-runs"),
]
