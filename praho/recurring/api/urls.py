"""/api/v1/ endpoints of recurring billing, included before provisioning's (praho/urls.py) so
that a service's cancel and change-plan endpoints are recurring's (change-plan answers with the
proration, in place of provisioning's)."""

from django.urls import URLPattern, URLResolver, path

from praho.recurring.api import runs, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("billing-runs/", runs.BillingRunListView.as_view(), name="api-billing-runs"),
    path("services/<int:service_id>/cancel/", views.CancelView.as_view(), name="api-service-cancel"),
    path(
        "services/<int:service_id>/change-plan/preview/",
        views.ChangePlanPreviewView.as_view(),
        name="api-service-change-plan-preview",
    ),
    path(
        "services/<int:service_id>/change-plan/",
        views.ChangePlanView.as_view(),
        name="api-service-change-plan",
    ),
]
