from django.urls import path

from praho.core import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_dashboard, name="staff-dashboard"),
    path("staff/search/", views.staff_search, name="staff-search"),
    path("app/", views.customer_dashboard, name="customer-dashboard"),
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
]
