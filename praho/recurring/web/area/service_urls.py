"""The customer area's renewals actions on a service (namespace "recurring", mounted at ""):
/app/renewals/services/<id>/cancel/, resume/ and change-plan/."""

from django.urls import URLPattern, URLResolver, path

from praho.recurring.web.area import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("app/renewals/services/<int:service_id>/cancel/", views.cancel, name="area-service-cancel"),
    path("app/renewals/services/<int:service_id>/resume/", views.resume, name="area-service-resume"),
    path(
        "app/renewals/services/<int:service_id>/change-plan/",
        views.change_plan,
        name="area-service-change-plan",
    ),
]
