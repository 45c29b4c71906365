"""The calendar page (FullCalendar reading the API's calendar/) and the person's
iCalendar subscriptions (checklists.services.feeds, as the API's calendar/feeds/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checklists.classification import classification_mark
from checklists.errors import NotFound
from checklists.limits import MAX_SUGGESTIONS
from checklists.models import Unit, User, Visit
from checklists.pages import recommendation_page
from checklists.policies import is_coordinator
from checklists.selectors.feeds import (
    calendar_feeds_listed,
    calendar_feeds_live,
    feed_initial_suggestions,
    feed_unit_suggestions,
    feed_visit_suggestions,
    feed_visit_token,
    feed_visits_named,
)
from checklists.services.feeds import calendar_feed_create, calendar_feed_revoke
from checklists.wording import localised
from web.forms_dashboard import FeedCreateForm, SuggestionForm
from web.views.base import ID_PLACEHOLDER, is_htmx, signed_in
from web.views.refusals import show_refusal


@dataclass(frozen=True)
class Suggestion:
    """One <option> of a subscription field's <datalist>: what the field then
    holds (a code) and what the person reads beside it."""

    value: str
    label: str


def _visit_suggestion(visit: Visit) -> Suggestion:
    mark = classification_mark(visit.classification)
    host = localised(visit.host_unit.name, visit.host_unit.name_en)
    label = f"{visit.title} · {host}"
    return Suggestion(feed_visit_token(visit), f"[{mark}] {label}" if mark else label)


def _unit_suggestion(unit: Unit) -> Suggestion:
    return Suggestion(unit.code, localised(unit.name, unit.name_en))


def _suggestions(user: User, kind: str, text: str) -> tuple[list[Suggestion], bool]:
    """At most MAX_SUGGESTIONS, and whether there were more."""
    if kind == "visit":
        found: list[Any] = feed_visit_suggestions(user, text, limit=MAX_SUGGESTIONS)
        shown = [_visit_suggestion(v) for v in found[:MAX_SUGGESTIONS]]
    else:
        found = feed_unit_suggestions(user, text, limit=MAX_SUGGESTIONS)
        shown = [_unit_suggestion(u) for u in found[:MAX_SUGGESTIONS]]
    return shown, len(found) > MAX_SUGGESTIONS


def _initial_suggestions(user: User) -> dict[str, list[Suggestion]]:
    visits, units = feed_initial_suggestions(user, limit=MAX_SUGGESTIONS)
    return {
        "visit_suggestions": [_visit_suggestion(v) for v in visits[:MAX_SUGGESTIONS]],
        "unit_suggestions": [_unit_suggestion(u) for u in units[:MAX_SUGGESTIONS]],
    }


def _feeds_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    user = signed_in(request)
    return {
        "feeds": calendar_feeds_listed(user),
        "feed_form": FeedCreateForm(user=user),
        # Without JavaScript these are all the field offers; typing a code works too.
        **_initial_suggestions(user),
        "new_feed": None,
        **extra,
    }


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = signed_in(request)
    context = {
        "title": _("Calendar"),
        "events_url": reverse("api:calendar"),
        # reverse() needs a real id; calendar.js puts each event's visit in its place.
        "visit_url_template": reverse("web:visit", kwargs={"visit_id": ID_PLACEHOLDER}),
        "visit_placeholder": ID_PLACEHOLDER,
        # A recommendation's deadline opens the recommendation's page.
        "recommendation_url_template": recommendation_page(ID_PLACEHOLDER),
        # The unit filter offers units as the person types (web.views.units).
        "unit_label": _("Host unit"),
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
    """The calendar; `?visit=<id>` (the visit page's "subscribe" link) fills the
    subscription form with that visit, when the person sees it."""
    extra: dict[str, Any] = {}
    wanted = request.GET.get("visit", "")
    if wanted.isdigit() and len(wanted) <= 18:
        found = feed_visits_named(signed_in(request), f"#{wanted}")
        if found:
            form = FeedCreateForm(
                user=signed_in(request), initial={"visit": feed_visit_token(found[0])}
            )
            extra["feed_form"] = form
    return _page(request, **extra)


@require_GET
@login_required
def feed_suggestions(request: HttpRequest) -> HttpResponse:
    """The <option>s of a subscription field's <datalist> for what has been typed
    (htmx swaps them in), at most MAX_SUGGESTIONS of what the person may see."""
    kind = "visit" if "visit" in request.GET else "host_unit" if "host_unit" in request.GET else ""
    form = SuggestionForm(request.GET)
    if not kind or not form.is_valid():
        return HttpResponseBadRequest(_("Type at most a few words to search."))
    shown, more = _suggestions(signed_in(request), kind, form.cleaned_data[kind])
    context = {"suggestions": shown, "more": more, "kind": kind, "limit": MAX_SUGGESTIONS}
    return render(request, "web/dashboard/_feed_suggestions.html", context)


@require_POST
@login_required
def feed_create(request: HttpRequest) -> HttpResponse:
    """Create a subscription and show its address, this once (only its digest is
    kept), so the answer is a page, never a redirect, and is not cached."""
    user = signed_in(request)
    form = FeedCreateForm(request.POST, user=user)
    answer = _feeds if is_htmx(request) else _page
    if not form.is_valid():
        return answer(request, status=422, feed_form=form)
    visit, host_unit = form.cleaned_data["visit"], form.cleaned_data["host_unit"]
    try:
        feed, raw = calendar_feed_create(
            owner=user,
            name=form.cleaned_data["name"],
            visit_id=visit.pk if visit is not None else None,
            host_unit_id=host_unit.pk if host_unit is not None else None,
        )
    except NotFound as refusal:
        # Seen when the form was checked, out of sight now: the same answer as an
        # unknown name, beside the form.
        form.add_error(None, refusal.message)
        return answer(request, status=422, feed_form=form)
    except ValidationError as refusal:  # a visit and a unit at once
        return answer(request, status=show_refusal(form, refusal), feed_form=form)
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
