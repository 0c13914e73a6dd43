"""Catalog pages: staff management under /staff/catalog/ (namespace "catalog")."""

from django.urls import include, path

app_name = "catalog"

urlpatterns = [
    path("staff/catalog/", include("praho.catalog.web.staff.urls")),
]
