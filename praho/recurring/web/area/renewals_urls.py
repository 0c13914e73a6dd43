"""The customer area's renewals page under /app/renewals/ (namespace "recurring")."""

from django.urls import path

from praho.recurring.web.area import renewals

urlpatterns = [
    path("app/renewals/", renewals.renewals, name="area-renewals"),
    path("app/renewals/auto-pay/", renewals.auto_pay, name="area-auto-pay"),
]
