"""The customer area's card payments under /app/payments/ (namespace "payments")."""

from django.urls import path

from praho.payments.web.area import views

urlpatterns = [
    path("pay/<int:document_id>/", views.pay, name="pay"),
    path("cards/", views.portal, name="portal"),
]
