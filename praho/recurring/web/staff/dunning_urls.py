"""Dunning's staff pages, included at "staff/recurring/dunning/" in the "recurring" namespace."""

from django.urls import URLPattern, path

from praho.recurring.web.staff import dunning_views

urlpatterns: list[URLPattern] = [
    path("", dunning_views.queue, name="dunning-queue"),
    path("customers/", dunning_views.customer_picker, name="dunning-customer-picker"),
    path("terminations/", dunning_views.terminations, name="dunning-terminations"),
    path(
        "terminations/<int:notice_id>/confirm/",
        dunning_views.confirm_termination,
        name="dunning-termination-confirm",
    ),
    path("schedule/", dunning_views.schedule, name="dunning-schedule"),
    path("schedule/<int:step_id>/delete/", dunning_views.delete_step, name="dunning-step-delete"),
    path("exemptions/", dunning_views.exemptions, name="dunning-exemptions"),
    path("exemptions/<int:customer_id>/lift/", dunning_views.lift_exemption, name="dunning-exemption-lift"),
]
