"""/api/v1/ payments endpoints (included at /api/v1/ by praho/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from praho.payments.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("bank-statements/", views.BankStatementUploadView.as_view(), name="api-bank-statements"),
]
