"""Staff pages of plans' metered items, in the "recurring" namespace (mounted at "")."""

from django.urls import path

from praho.recurring.web.staff import metered_views

urlpatterns = [
    path("staff/recurring/metered/", metered_views.metered_list, name="metered-items"),
    path("staff/recurring/metered/new/", metered_views.metered_create, name="metered-item-create"),
    path("staff/recurring/metered/<int:item_id>/edit/", metered_views.metered_edit, name="metered-item-edit"),
    path(
        "staff/recurring/metered/<int:item_id>/delete/",
        metered_views.metered_delete,
        name="metered-item-delete",
    ),
]
