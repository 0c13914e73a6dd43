"""/api/v1/ provisioning endpoints, included before orders' (praho/urls.py) so that a service's
detail carries its server, panel id and operations: "api-service" and "api-service-<action>"."""

from django.urls import URLPattern, URLResolver, path

from praho.provisioning.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("services/<int:service_id>/", views.ServiceDetailView.as_view(), name="api-service"),
    path("services/<int:service_id>/suspend/", views.SuspendView.as_view(), name="api-service-suspend"),
    path("services/<int:service_id>/unsuspend/", views.UnsuspendView.as_view(), name="api-service-unsuspend"),
    path("services/<int:service_id>/terminate/", views.TerminateView.as_view(), name="api-service-terminate"),
    path(
        "services/<int:service_id>/change-plan/",
        views.ChangePlanView.as_view(),
        name="api-service-change-plan",
    ),
]
