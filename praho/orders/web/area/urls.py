"""The customer area's shop, orders and services, under /app/shop/ (namespace "orders")."""

from django.urls import URLPattern, URLResolver, path

from praho.orders.web.area import records_views, shop_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", shop_views.catalog, name="area-shop"),
    path("plans/<int:plan_id>/", shop_views.plan, name="area-plan"),
    path("plans/<int:plan_id>/preview/", shop_views.plan_preview, name="area-plan-preview"),
    path("cart/", shop_views.cart, name="area-cart"),
    path("cart/items/<int:index>/", shop_views.cart_change, name="area-cart-change"),
    path("cart/items/<int:index>/remove/", shop_views.cart_remove, name="area-cart-remove"),
    path("cart/coupon/", shop_views.cart_coupon, name="area-cart-coupon"),
    path("cart/coupon/remove/", shop_views.cart_coupon_remove, name="area-cart-coupon-remove"),
    path("cart/checkout/", shop_views.checkout, name="area-checkout"),
    path("orders/", records_views.orders, name="area-orders"),
    path("orders/<int:order_id>/", records_views.order, name="area-order"),
    path("orders/<int:order_id>/cancel/", records_views.order_cancel, name="area-order-cancel"),
    path("services/", records_views.services, name="area-services"),
    path("services/<int:service_id>/", records_views.service, name="area-service"),
]
