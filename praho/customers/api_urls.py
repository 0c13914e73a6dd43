"""/api/v1/customers/ (included at /api/v1/ by praho/urls.py)."""

from django.urls import path

from praho.customers.api import CustomerDetailView, CustomerListView, CustomerUsersView, CustomerUserView

urlpatterns = [
    path("customers/", CustomerListView.as_view(), name="api-customers"),
    path("customers/<int:customer_id>/", CustomerDetailView.as_view(), name="api-customer"),
    path("customers/<int:customer_id>/users/", CustomerUsersView.as_view(), name="api-customer-users"),
    path(
        "customers/<int:customer_id>/users/<int:membership_id>/",
        CustomerUserView.as_view(),
        name="api-customer-user",
    ),
]
