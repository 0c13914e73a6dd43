"""Billing pages: the staff area under /staff/billing/, the customer area under /app/billing/."""

from django.urls import include, path

app_name = "billing"

urlpatterns = [
    path("staff/billing/", include("praho.billing.staff_urls")),
    path("staff/billing/", include("praho.billing.staff_money_urls")),
    path("app/billing/", include("praho.billing.area_urls")),
]
