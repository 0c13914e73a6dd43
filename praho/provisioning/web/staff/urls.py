"""Provisioning's staff pages under /staff/provisioning/ (namespace "provisioning"): servers,
operations, and the actions of the panel on orders' service page."""

from django.urls import URLPattern, URLResolver, path

from praho.provisioning.web.staff import action_views, operation_views, server_views

SERVICE_ACTIONS = {
    "create": action_views.create,
    "activate": action_views.activate,
    "suspend": action_views.suspend,
    "unsuspend": action_views.unsuspend,
    "terminate": action_views.terminate,
    "cancel": action_views.cancel,
    "reset-password": action_views.reset_password,
    "welcome": action_views.welcome,
}

urlpatterns: list[URLPattern | URLResolver] = [
    path("servers/", server_views.server_list, name="servers"),
    path("servers/new/", server_views.server_create, name="server-create"),
    path("servers/<int:server_id>/", server_views.server_edit, name="server-edit"),
    path("servers/<int:server_id>/test/", server_views.server_test, name="server-test"),
    path("operations/", operation_views.operation_list, name="operations"),
    path("operations/<int:operation_id>/retry/", operation_views.operation_retry, name="operation-retry"),
    *(
        path(f"services/<int:service_id>/{action}/", view, name=f"service-{action}")
        for action, view in SERVICE_ACTIONS.items()
    ),
    path(
        "services/<int:service_id>/operations/<int:operation_id>/retry/",
        action_views.retry,
        name="service-retry",
    ),
]
