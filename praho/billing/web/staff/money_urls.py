"""Staff money pages, at /staff/billing/ in the "billing" namespace: payments, customer
accounts, the seller's data and exchange rates (documents are in staff_urls.py)."""

from django.urls import path

from praho.billing.web.staff import money_views as views

urlpatterns = [
    path("payments/", views.payment_list, name="payments"),
    path("invoices/<int:document_id>/pay/", views.payment_create, name="payment-create"),
    path("customers/<int:customer_id>/", views.customer_account, name="account"),
    path("customers/<int:customer_id>/apply-credit/", views.apply_credit, name="apply-credit"),
    path("seller/", views.seller_detail, name="seller"),
    path("seller/edit/", views.seller_edit, name="seller-edit"),
    path("rates/", views.rate_list, name="rates"),
    path("rates/fetch/", views.rates_fetch, name="rates-fetch"),
]
