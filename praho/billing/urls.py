"""Billing pages: the staff area under /staff/billing/, the customer area under /app/billing/."""

from django.urls import include, path

app_name = "billing"

urlpatterns = [
    path("staff/billing/", include("praho.billing.web.staff.urls")),
    path("staff/billing/", include("praho.billing.web.staff.money_urls")),
    path("app/billing/", include("praho.billing.web.area.urls")),
]
