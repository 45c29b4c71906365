"""API routes of the calendar (included by api/urls.py)."""

from django.urls import path

from api.views.calendar import CalendarFeedDetailView, CalendarFeedListView, CalendarView

urlpatterns = [
    path("calendar/", CalendarView.as_view(), name="calendar"),
    path("calendar/feeds/", CalendarFeedListView.as_view(), name="calendar-feed-list"),
    # `id` (at most 18 digits) is registered by api/urls.py.
    path(
        "calendar/feeds/<id:feed_pk>/",
        CalendarFeedDetailView.as_view(),
        name="calendar-feed-detail",
    ),
]
