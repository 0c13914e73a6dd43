"""The inbox's staff pages under /staff/inbox/ (namespace "inbox")."""

from django.urls import path

from praho.inbox.web import views

app_name = "inbox"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("replay-failed/", views.replay_failed, name="replay-failed"),
    path("<int:event_id>/", views.event_detail, name="event"),
    path("<int:event_id>/replay/", views.event_replay, name="event-replay"),
]
