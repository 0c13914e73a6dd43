from django.urls import path

from praho.accounts.web import invitation_views, staff_views, views

app_name = "accounts"

urlpatterns = [
    path("app/profile/", views.profile, name="profile"),
    path("i18n/language/", views.set_language, name="set-language"),
    path("staff/users/", staff_views.staff_list, name="staff-users"),
    path(
        "staff/users/invitations/<int:invitation_id>/resend/",
        staff_views.staff_invitation_resend,
        name="staff-invitation-resend",
    ),
    path(
        "staff/users/invitations/<int:invitation_id>/revoke/",
        staff_views.staff_invitation_revoke,
        name="staff-invitation-revoke",
    ),
    path("invitations/staff/<str:token>/", invitation_views.accept, name="staff-invitation"),
    path("staff/users/<int:user_id>/roles/", staff_views.staff_roles, name="staff-roles"),
    path("staff/users/<int:user_id>/api-tokens/", staff_views.api_tokens, name="api-tokens"),
    path("staff/lockouts/", staff_views.lockout_list, name="lockouts"),
    path("staff/lockouts/lift/", staff_views.lockout_lift, name="lockout-lift"),
]
