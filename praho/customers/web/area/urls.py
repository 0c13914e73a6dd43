"""The customer area, under /app/ (namespace "customers")."""

from django.urls import path

from praho.customers.web import change_request_views
from praho.customers.web.area import signup_views
from praho.customers.web.area import views as area_views

urlpatterns = [
    path("customer/", area_views.profile, name="area-profile"),
    path("customer/edit/", area_views.edit, name="area-edit"),
    path("customer/billing/", area_views.billing, name="area-billing"),
    path("customer/addresses/", area_views.addresses, name="area-addresses"),
    path("customer/addresses/add/", area_views.address_add, name="area-address-add"),
    path("customer/addresses/<int:address_id>/edit/", area_views.address_edit, name="area-address-edit"),
    path(
        "customer/addresses/<int:address_id>/delete/", area_views.address_delete, name="area-address-delete"
    ),
    path("customer/users/", area_views.users, name="area-users"),
    path("customer/users/<int:membership_id>/role/", area_views.user_role, name="area-user-role"),
    path("customer/users/<int:membership_id>/remove/", area_views.user_remove, name="area-user-remove"),
    path(
        "customer/invitations/<int:invitation_id>/revoke/",
        area_views.invitation_revoke,
        name="area-invitation-revoke",
    ),
    path("customer/changes/", change_request_views.area_list, name="area-change-requests"),
    path("customer/changes/new/", change_request_views.area_new, name="area-change-request-new"),
    path(
        "customer/changes/<int:request_id>/cancel/",
        change_request_views.area_cancel,
        name="area-change-request-cancel",
    ),
    path("customer/switch/", area_views.switch, name="area-switch"),
    path("company/new/", signup_views.company_new, name="company-new"),
    path("company/new/anaf/", signup_views.company_anaf, name="company-anaf"),
    path("invitations/<str:token>/", area_views.invitation_accept, name="invitation-accept"),
]
