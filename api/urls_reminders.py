"""API routes of the reminders (included by api/urls.py, after its `id` converter)."""

from django.urls import path

from api.views.reminders import (
    MilestoneRemindersView,
    NotificationViewSet,
    RecommendationRemindersView,
)

notification_list = NotificationViewSet.as_view({"get": "list"})
notification_read = NotificationViewSet.as_view({"post": "read"})

urlpatterns: list = [
    path("notifications/", notification_list, name="notification-list"),
    path("notifications/<id:pk>/read/", notification_read, name="notification-read"),
    path(
        "milestones/<id:milestone_pk>/reminders/",
        MilestoneRemindersView.as_view(),
        name="milestone-reminders",
    ),
    path(
        "recommendations/<id:recommendation_pk>/reminders/",
        RecommendationRemindersView.as_view(),
        name="recommendation-reminders",
    ),
]
