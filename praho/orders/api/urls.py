"""/api/v1/ orders endpoints (included at /api/v1/ by praho/urls.py): orders, their actions,
services and a customer's entitlements, named "api-orders", "api-order", "api-order-<action>",
"api-services", "api-service" and "api-customer-entitlements"."""

from django.urls import URLPattern, URLResolver, path

from praho.orders.api import orders, services

urlpatterns: list[URLPattern | URLResolver] = [
    path("orders/", orders.OrderListView.as_view(), name="api-orders"),
    path("orders/<int:order_id>/", orders.OrderDetailView.as_view(), name="api-order"),
    path("orders/<int:order_id>/cancel/", orders.OrderCancelView.as_view(), name="api-order-cancel"),
    path("orders/<int:order_id>/approve/", orders.OrderApproveView.as_view(), name="api-order-approve"),
    path("orders/<int:order_id>/refuse/", orders.OrderRefuseView.as_view(), name="api-order-refuse"),
    path("services/", services.ServiceListView.as_view(), name="api-services"),
    path(
        "customers/<int:customer_id>/entitlements/",
        services.EntitlementsView.as_view(),
        name="api-customer-entitlements",
    ),
]
