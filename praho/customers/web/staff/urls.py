"""Staff customer pages, at /staff/customers/ in the "customers" namespace."""

from django.urls import path

from praho.customers.web import change_request_views
from praho.customers.web.staff import views as staff_views

urlpatterns = [
    path("", staff_views.customer_list, name="list"),
    path("search/", staff_views.customer_search, name="search"),
    path("new/", staff_views.customer_create, name="create"),
    path("new/anaf/", staff_views.anaf_prefill, name="anaf-prefill"),
    path("deleted/", staff_views.deleted_list, name="deleted"),
    path("changes/", change_request_views.staff_list, name="change-requests"),
    path("changes/<int:request_id>/", change_request_views.staff_review, name="change-request"),
    path(
        "changes/<int:request_id>/approve/",
        change_request_views.staff_decide,
        {"decision": "approve"},
        name="change-request-approve",
    ),
    path(
        "changes/<int:request_id>/reject/",
        change_request_views.staff_decide,
        {"decision": "reject"},
        name="change-request-reject",
    ),
    path("changes/<int:request_id>/lookup/", change_request_views.staff_lookup, name="change-request-lookup"),
    path("<int:customer_id>/", staff_views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", staff_views.customer_edit, name="edit"),
    path("<int:customer_id>/profile/", staff_views.profile_edit, name="profile-edit"),
    path("<int:customer_id>/vies/", staff_views.vies_check, name="vies-check"),
    path("<int:customer_id>/delete/", staff_views.customer_delete, name="delete"),
    path("<int:customer_id>/restore/", staff_views.customer_restore, name="restore"),
]
