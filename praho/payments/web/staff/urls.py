from django.urls import path

from praho.payments.web.staff import views

urlpatterns = [
    path("cards/", views.card_payments, name="staff-cards"),
    path("cards/<int:payment_id>/refund/", views.refund, name="staff-refund"),
]
