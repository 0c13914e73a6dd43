"""/api/v1/customers/ (included at /api/v1/ by praho/urls.py)."""

from django.urls import path

from praho.customers.api.change_requests import (
    ChangeRequestApproveView,
    ChangeRequestCancelView,
    ChangeRequestDetailView,
    ChangeRequestListView,
    ChangeRequestRejectView,
)
from praho.customers.api.customers import (
    CustomerDetailView,
    CustomerListView,
    CustomerUsersView,
    CustomerUserView,
)

REQUEST = "customers/<int:customer_id>/change-requests/<int:request_id>/"

urlpatterns = [
    path("customers/", CustomerListView.as_view(), name="api-customers"),
    path("customers/<int:customer_id>/", CustomerDetailView.as_view(), name="api-customer"),
    path("customers/<int:customer_id>/users/", CustomerUsersView.as_view(), name="api-customer-users"),
    path(
        "customers/<int:customer_id>/users/<int:membership_id>/",
        CustomerUserView.as_view(),
        name="api-customer-user",
    ),
    path(
        "customers/<int:customer_id>/change-requests/",
        ChangeRequestListView.as_view(),
        name="api-customer-change-requests",
    ),
    path(REQUEST, ChangeRequestDetailView.as_view(), name="api-customer-change-request"),
    path(REQUEST + "cancel/", ChangeRequestCancelView.as_view(), name="api-customer-change-request-cancel"),
    path(
        REQUEST + "approve/", ChangeRequestApproveView.as_view(), name="api-customer-change-request-approve"
    ),
    path(REQUEST + "reject/", ChangeRequestRejectView.as_view(), name="api-customer-change-request-reject"),
]
