"""Staff customer pages, at /staff/customers/ in the "customers" namespace."""

from django.urls import path

from praho.customers import staff_views

urlpatterns = [
    path("", staff_views.customer_list, name="list"),
    path("search/", staff_views.customer_search, name="search"),
    path("new/", staff_views.customer_create, name="create"),
    path("new/anaf/", staff_views.anaf_prefill, name="anaf-prefill"),
    path("deleted/", staff_views.deleted_list, name="deleted"),
    path("<int:customer_id>/", staff_views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", staff_views.customer_edit, name="edit"),
    path("<int:customer_id>/profile/", staff_views.profile_edit, name="profile-edit"),
    path("<int:customer_id>/vies/", staff_views.vies_check, name="vies-check"),
    path("<int:customer_id>/delete/", staff_views.customer_delete, name="delete"),
    path("<int:customer_id>/restore/", staff_views.customer_restore, name="restore"),
]
