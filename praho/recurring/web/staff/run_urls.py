"""Staff pages of billing runs, in the "recurring" namespace (mounted at "")."""

from django.urls import path

from praho.recurring.web.staff import run_views

urlpatterns = [
    path("staff/recurring/runs/", run_views.runs, name="runs"),
    path("staff/recurring/runs/now/", run_views.run_now, name="run-now"),
    path("staff/recurring/runs/<int:run_id>/", run_views.run_detail, name="run"),
    path("staff/recurring/forecast/", run_views.forecast, name="forecast"),
]
