"""Customer pages: the staff area under /staff/customers/, the customer area under /app/."""

from django.urls import include, path

app_name = "customers"

urlpatterns = [
    path("staff/customers/", include("praho.customers.staff_urls")),
    path("staff/customers/<int:customer_id>/users/", include("praho.customers.staff_member_urls")),
    path("app/", include("praho.customers.area_urls")),
]
