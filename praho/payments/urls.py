"""Payments' pages: the customer area's under /app/payments/, staff's under /staff/payments/
(namespace "payments")."""

from django.urls import include, path

app_name = "payments"

urlpatterns = [
    path("app/payments/", include("praho.payments.web.area.urls")),
    path("staff/payments/", include("praho.payments.web.staff.urls")),
]
