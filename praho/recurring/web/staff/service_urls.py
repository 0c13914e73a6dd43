"""Staff's renewals actions on a service (namespace "recurring", mounted at ""):
/staff/recurring/services/<id>/cancel/, resume/, exclusion/ and change-plan/."""

from django.urls import URLPattern, URLResolver, path

from praho.recurring.web.staff import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/recurring/services/<int:service_id>/cancel/", views.cancel, name="staff-service-cancel"),
    path("staff/recurring/services/<int:service_id>/resume/", views.resume, name="staff-service-resume"),
    path("staff/recurring/services/<int:service_id>/exclusion/", views.exclusion, name="service-exclusion"),
    path(
        "staff/recurring/services/<int:service_id>/change-plan/",
        views.change_plan,
        name="staff-service-change-plan",
    ),
]
