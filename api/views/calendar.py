"""The visit calendar (JSON, for FullCalendar) and the iCalendar feeds (SPEC §6)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import signed_in
from api.serializers_calendar import (
    CalendarEventSerializer,
    CalendarFeedCreatedSerializer,
    CalendarFeedCreateSerializer,
    CalendarFeedSerializer,
    CalendarQuerySerializer,
)
from checklists.calendar import (
    EventFilters,
    Window,
    calendar_events,
    calendar_rows,
    calendar_to_ics,
    feed_fingerprint,
    feed_last_modified,
)
from checklists.models import CalendarFeed
from checklists.pages import recommendation_page
from checklists.selectors.feeds import calendar_feed_for_token, calendar_feeds_live
from checklists.services.feeds import (
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_touch,
)

logger = logging.getLogger(__name__)

# A placeholder id that reverse() accepts; replaced per event by the selector.
_PLACEHOLDER = "987654321"


def _event_urls() -> tuple[str, str, str]:
    visit = reverse("api:visit-detail", args=[_PLACEHOLDER]).replace(_PLACEHOLDER, "{visit}")
    milestone = reverse("api:milestone-detail", args=[_PLACEHOLDER]).replace(_PLACEHOLDER, "{id}")
    recommendation = reverse("api:recommendation-detail", args=[_PLACEHOLDER]).replace(
        _PLACEHOLDER, "{id}"
    )
    return visit, milestone, recommendation


class CalendarView(APIView):
    """Every working session, milestone and recommendation deadline you may see
    between `start` and `end` (at most 400 days), unpaginated, in the shape
    FullCalendar reads: sessions with date-times in local time with their offset,
    milestones and recommendations' deadlines as all-day events whose `end` is the
    day after (exclusive). Titles are in your language."""

    @extend_schema(
        operation_id="calendar_list",
        parameters=[CalendarQuerySerializer],
        responses={200: CalendarEventSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = CalendarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        session_url, milestone_url, recommendation_url = _event_urls()
        events = calendar_events(
            user=signed_in(request),
            window=query.window(),
            filters=query.filters(),
            session_url=session_url,
            milestone_url=milestone_url,
            recommendation_url=recommendation_url,
        )
        return Response(events)


def _feed_url(request: Request, raw: str) -> str:
    return request.build_absolute_uri(reverse("calendar-feed", args=[raw]))


class CalendarFeedListView(generics.ListCreateAPIView):
    """Your calendar feeds: secret iCalendar addresses to subscribe to in Outlook,
    Google Calendar or Apple Calendar. A feed holds what you may see at the moment
    it is fetched, optionally narrowed to one visit or one unit. Its address is
    shown once, when it is created; only your own feeds are listed."""

    serializer_class = CalendarFeedSerializer

    def get_queryset(self) -> QuerySet[CalendarFeed]:
        return calendar_feeds_live(self.request.user)

    @extend_schema(
        request=CalendarFeedCreateSerializer,
        responses={201: CalendarFeedCreatedSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CalendarFeedCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # A visit or unit the person may not see answers 404 (the service's NotFound).
        feed, raw = calendar_feed_create(
            owner=request.user,
            name=data.validated_data["name"],
            visit_id=data.validated_data.get("visit"),
            host_unit_id=data.validated_data.get("host_unit"),
        )
        body = CalendarFeedCreatedSerializer(
            feed, context={"request": request, "feed_url": _feed_url(request, raw)}
        ).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class CalendarFeedDetailView(generics.RetrieveDestroyAPIView):
    """One of your feeds; DELETE revokes it: its address stops working at once."""

    serializer_class = CalendarFeedSerializer
    lookup_url_kwarg = "feed_pk"

    def get_queryset(self) -> QuerySet[CalendarFeed]:
        # Someone else's feed answers 404, like one that does not exist.
        return calendar_feeds_live(self.request.user)

    def perform_destroy(self, instance: CalendarFeed) -> None:
        calendar_feed_revoke(actor=self.request.user, feed=instance)


# --- the feed itself -----------------------------------------------------------------

# How long the time at which a feed's content was first seen is remembered
# (see _content_changed_at).
_FIRST_SEEN_TTL = 60 * 60 * 24 * 30


def _content_changed_at(feed: CalendarFeed, fingerprint: str, now: dt.datetime) -> dt.datetime:
    """When this feed's content (by fingerprint) was first served: its Last-Modified.

    The latest `updated_at` of its events is not enough: an event that *leaves* the
    feed (its owner lost access to the visit) leaves no newer stamp behind, and a
    client asking only with If-Modified-Since would be told nothing changed. So the
    time each content was first seen is kept in the cache, and a new content gets a
    time at least one second (HTTP dates' resolution) after the previous one's.
    Without the cache (evicted, down) the answer is "now", which costs a full
    answer, not a stale one, except for a change in the very second of the
    previous answer.
    """
    key = f"calendar-feed:{feed.pk}:seen"
    now = now.replace(microsecond=0)
    try:
        seen = cache.get(key)
        if seen and seen[0] == fingerprint:
            return seen[1]
        changed = max(now, seen[1] + dt.timedelta(seconds=1)) if seen else now
        cache.set(key, (fingerprint, changed), _FIRST_SEEN_TTL)
    except Exception:  # A cache outage must not take the feed down with it.
        logger.warning("calendar feed cache unavailable", exc_info=True)
        return now
    return changed


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar text of a feed (a plain Django view: calendar clients send no
    credentials, the secret URL is the credential). Unknown or revoked: 404."""
    feed = calendar_feed_for_token(token)
    if feed is None:
        raise Http404
    owner = feed.owner
    language = owner.language or "vi"
    rows = calendar_rows(
        user=owner,
        window=Window.around(timezone.localdate()),
        filters=EventFilters(visit=feed.visit_id, host_unit=feed.host_unit_id),
        detailed=True,
    )
    calendar_feed_touch(feed)
    with translation.override(language):
        name = feed.name or _("Inspection visits")
    fingerprint = feed_fingerprint(rows, language=language, name=name)
    etag = f'"{fingerprint[:32]}"'
    now = timezone.now()
    # Not before any event's own change (a first answer), nor before the content
    # was first served (see _content_changed_at).
    last_modified = _content_changed_at(feed, fingerprint, now)
    newest = feed_last_modified(rows)
    if newest is not None and newest > last_modified:
        last_modified = newest
    last_modified_ts = int(last_modified.timestamp())
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=last_modified_ts, response=None
    )
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified_ts),
        # The URL is a secret: no shared cache may keep it; clients revalidate.
        "Cache-Control": "private, no-cache",
        "X-Robots-Tag": "noindex",
    }
    if not_modified is not None:
        for name_, value in headers.items():
            not_modified[name_] = value
        return not_modified
    # Every event links to its visit's page; a classified visit's says nothing else (SPEC §6).
    visit_page = reverse("web:visit", kwargs={"visit_id": _PLACEHOLDER})
    visit_url = request.build_absolute_uri(visit_page).replace(_PLACEHOLDER, "{visit}")
    # A recommendation's deadline links to the recommendation's page.
    recommendation_url = request.build_absolute_uri(recommendation_page(int(_PLACEHOLDER))).replace(
        _PLACEHOLDER, "{id}"
    )
    with translation.override(language):
        body = calendar_to_ics(
            rows, name=name, visit_url=visit_url, recommendation_url=recommendation_url
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8", headers=headers)
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response
