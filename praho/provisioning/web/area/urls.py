"""Provisioning's pages in the customer area, under /app/services/ (namespace "provisioning_area";
the service page itself is orders', which shows provisioning's panel on it)."""

from django.urls import URLPattern, URLResolver, path

from praho.provisioning.web.area import views

app_name = "provisioning_area"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:service_id>/password/", views.password, name="password"),
]
