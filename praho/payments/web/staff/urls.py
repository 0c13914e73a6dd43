from django.urls import path

from praho.payments.web.staff import bank_views, views

urlpatterns = [
    path("cards/", views.card_payments, name="staff-cards"),
    path("cards/<int:payment_id>/refund/", views.refund, name="staff-refund"),
    path("bank/", bank_views.statements, name="bank-statements"),
    path("bank/transfers/", bank_views.queue, name="bank-queue"),
    path("bank/transfers/<int:pk>/", bank_views.transaction, name="bank-transaction"),
    path("bank/transfers/<int:pk>/confirm/", bank_views.confirm, name="bank-confirm"),
    path("bank/transfers/<int:pk>/split/", bank_views.split, name="bank-split"),
    path("bank/transfers/<int:pk>/credit/", bank_views.credit, name="bank-credit"),
    path("bank/transfers/<int:pk>/ignore/", bank_views.ignore, name="bank-ignore"),
]
