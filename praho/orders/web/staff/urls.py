"""Staff pages of orders, services, the approval policy and feature flags, at /staff/orders/
in the "orders" namespace."""

from django.urls import URLPattern, URLResolver, path

from praho.orders.web.staff import flag_views, place_views, policy_views, service_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.order_list, name="orders"),
    path("new/", place_views.order_place, name="order-place"),
    path("customers/", views.customer_picker, name="customer-picker"),
    path("<int:order_id>/", views.order_detail, name="order"),
    path("<int:order_id>/approve/", views.order_approve, name="order-approve"),
    path("<int:order_id>/refuse/", views.order_refuse, name="order-refuse"),
    path("<int:order_id>/cancel/", views.order_cancel, name="order-cancel"),
    path("services/", service_views.service_list, name="services"),
    path("services/<int:service_id>/", service_views.service_detail, name="service"),
    path("review/", policy_views.review_flags, name="review-flags"),
    path("review/<int:customer_id>/remove/", policy_views.review_flag_remove, name="review-flag-remove"),
    path("thresholds/", policy_views.thresholds, name="thresholds"),
    path("flags/", flag_views.flag_list, name="flags"),
    path("flags/new/", flag_views.flag_create, name="flag-create"),
    path("flags/<int:flag_id>/", flag_views.flag_edit, name="flag-edit"),
    path("flags/<int:flag_id>/delete/", flag_views.flag_delete, name="flag-delete"),
]
