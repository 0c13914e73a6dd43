"""Orders pages: staff under /staff/orders/, the customer area (catalog, cart, checkout, orders,
services) under /app/shop/ (namespace "orders"; area names start with "area-")."""

from django.urls import include, path

app_name = "orders"

urlpatterns = [
    path("staff/orders/", include("praho.orders.web.staff.urls")),
    path("app/shop/", include("praho.orders.web.area.urls")),
]
