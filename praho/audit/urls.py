from django.urls import path

from praho.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("<int:event_id>/", views.event_detail, name="event-detail"),
]
