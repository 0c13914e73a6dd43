"""A customer's users for staff, under /staff/customers/<customer_id>/users/ (namespace "customers")."""

from django.urls import path

from praho.customers.web.staff import member_views as staff_member_views

urlpatterns = [
    path("", staff_member_views.staff_members, name="staff-members"),
    path("<int:membership_id>/role/", staff_member_views.staff_member_role, name="staff-member-role"),
    path("<int:membership_id>/remove/", staff_member_views.staff_member_remove, name="staff-member-remove"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        staff_member_views.staff_invitation_revoke,
        name="staff-invitation-revoke",
    ),
]
