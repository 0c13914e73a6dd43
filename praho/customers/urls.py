"""Customer pages: the staff area under /staff/customers/, the customer area under /app/."""

from django.urls import include, path

app_name = "customers"

urlpatterns = [
    path("staff/customers/", include("praho.customers.web.staff.urls")),
    path("staff/customers/<int:customer_id>/users/", include("praho.customers.web.staff.member_urls")),
    path("app/", include("praho.customers.web.area.urls")),
]
