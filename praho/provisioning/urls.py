"""Provisioning pages: staff under /staff/provisioning/ (namespace "provisioning")."""

from django.urls import include, path

app_name = "provisioning"

urlpatterns = [
    path("staff/provisioning/", include("praho.provisioning.web.staff.urls")),
]
