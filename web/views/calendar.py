"""The calendar page (FullCalendar reading the API's calendar/) and the person's
iCalendar subscriptions (checklists.services.feeds, as the API's calendar/feeds/)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checklists.models import User
from checklists.policies import is_coordinator
from checklists.selectors import units_visible_to
from checklists.selectors.feeds import calendar_feeds_live
from checklists.services.feeds import calendar_feed_create, calendar_feed_revoke
from web.forms_dashboard import FeedCreateForm
from web.views.base import is_htmx

# reverse() needs a real id; calendar.js puts each event's visit in its place.
VISIT_PLACEHOLDER = 987654321


def _feeds_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "feeds": calendar_feeds_live(request.user),
        "feed_form": FeedCreateForm(),
        "new_feed": None,
        **extra,
    }


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = request.user
    context = {
        "title": _("Calendar"),
        "events_url": reverse("api:calendar"),
        "visit_url_template": reverse("web:visit", kwargs={"visit_id": VISIT_PLACEHOLDER}),
        "visit_placeholder": VISIT_PLACEHOLDER,
        # login_required: a person, never anonymous.
        "units": units_visible_to(cast(User, user)).only("id", "name", "path").order_by("path"),
        "coordinator": is_coordinator(user),
        **_feeds_context(request, **extra),
    }
    return render(request, "web/dashboard/calendar.html", context, status=status)


def _feeds(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    return render(
        request, "web/dashboard/_feeds.html", _feeds_context(request, **extra), status=status
    )


@require_GET
@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@login_required
def feed_create(request: HttpRequest) -> HttpResponse:
    """Create a subscription and show its address, this once (only its digest is
    kept), so the answer is a page, never a redirect, and is not cached."""
    form = FeedCreateForm(request.POST)
    answer = _feeds if is_htmx(request) else _page
    if not form.is_valid():
        return answer(request, status=422, feed_form=form)
    feed, raw = calendar_feed_create(owner=request.user, name=form.cleaned_data["name"])
    https = request.build_absolute_uri(reverse("calendar-feed", args=[raw]))
    new_feed = {"feed": feed, "https": https, "webcal": "webcal://" + https.split("://", 1)[1]}
    response = answer(request, new_feed=new_feed)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def feed_revoke(request: HttpRequest, feed_id: int) -> HttpResponse:
    """Revoke one of one's own feeds; anyone else's (or a revoked one) is 404."""
    feed = get_object_or_404(calendar_feeds_live(request.user), pk=feed_id)
    calendar_feed_revoke(actor=request.user, feed=feed)
    if is_htmx(request):
        return _feeds(request, revoked=feed)
    messages.success(request, _("The subscription was revoked; its address no longer works."))
    return redirect("web:calendar")
