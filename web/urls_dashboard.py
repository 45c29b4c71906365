from django.urls import path
from django.views.generic import RedirectView

# Registers the `id` path converter (at most 18 digits): an id too long for a
# bigint answers 404 instead of overflowing in the database.
import backend.converters  # noqa: F401
from web.views import calendar, coverage, dashboard, recommendations, registers, units

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="web:deadlines"), name="home"),
    path("deadlines/", dashboard.deadlines, name="deadlines"),
    path(
        "notifications/<id:notification_id>/read/",
        dashboard.notification_read,
        name="notification_read",
    ),
    path("notifications/preference/", dashboard.notify_preference, name="notify_preference"),
    path("visits/", dashboard.overview, name="overview"),
    path("recommendations/", recommendations.recommendations, name="recommendations"),
    path("coverage/", coverage.coverage, name="coverage"),
    path("registers/", registers.registers, name="registers"),
    path("registers/<id:register_id>/raise/", registers.register_raise_view, name="register_raise"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("units/suggestions/", units.suggestions, name="unit_suggestions"),
    path("calendar/feeds/", calendar.feed_create, name="calendar_feed_create"),
    path(
        "calendar/feeds/suggestions/", calendar.feed_suggestions, name="calendar_feed_suggestions"
    ),
    path("calendar/feeds/<id:feed_id>/revoke/", calendar.feed_revoke, name="calendar_feed_revoke"),
]
