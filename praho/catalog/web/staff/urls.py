"""Staff catalog pages, at /staff/catalog/ in the "catalog" namespace."""

from django.urls import path

from praho.catalog.web.staff import coupon_views, plan_views, views

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:plan_id>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/edit/", plan_views.plan_edit, name="plan-edit"),
    path("plans/<int:plan_id>/features/", plan_views.plan_features, name="plan-features"),
    path("plans/<int:plan_id>/prices/", plan_views.price_create, name="price-create"),
    path("plans/<int:plan_id>/prices/<int:price_id>/remove/", plan_views.price_remove, name="price-remove"),
    path("plans/<int:plan_id>/relations/", plan_views.relation_create, name="relation-create"),
    path(
        "plans/<int:plan_id>/relations/<int:relation_id>/remove/",
        plan_views.relation_remove,
        name="relation-remove",
    ),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_create, name="group-create"),
    path("groups/<int:group_id>/edit/", views.group_edit, name="group-edit"),
    path("features/", views.feature_list, name="features"),
    path("features/new/", views.feature_create, name="feature-create"),
    path("features/<int:feature_id>/edit/", views.feature_edit, name="feature-edit"),
    path("coupons/", coupon_views.coupon_list, name="coupons"),
    path("coupons/new/", coupon_views.coupon_create, name="coupon-create"),
    path("coupons/<int:coupon_id>/", coupon_views.coupon_detail, name="coupon"),
    path("coupons/<int:coupon_id>/edit/", coupon_views.coupon_edit, name="coupon-edit"),
]
