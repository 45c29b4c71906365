"""Reads of calendar feeds: a person's live feeds, the feed of a secret address, and
the visits and units a new feed can be narrowed to."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from checklists.models import CalendarFeed, Unit, User, Visit
from checklists.policies import Person
from checklists.selectors import involvement_q, units_visible_to, visits_visible_to
from checklists.selectors.units import unit_suggestions, units_named
from checklists.tokens import token_digest


def calendar_feeds_live(owner: Person) -> QuerySet[CalendarFeed]:
    """The person's feeds that still work, newest first; nobody else's, so that
    someone else's feed answers 404 like one that does not exist."""
    return CalendarFeed.objects.filter(owner_id=owner.pk, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def calendar_feed_for_token(raw: str) -> CalendarFeed | None:
    """The live feed of a raw token, with its owner (and the owner's coordinator
    scope, which visibility needs) in the same query; None for an unknown, revoked
    or deactivated one."""
    feed = (
        CalendarFeed.objects.select_related("owner", "owner__coordinator_scope")
        .filter(token_digest=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.owner.is_active:
        return None
    return feed


def calendar_feeds_listed(owner: Person) -> QuerySet[CalendarFeed]:
    """The person's live feeds as the calendar page lists them, with the visit or
    unit each is narrowed to (one query)."""
    return calendar_feeds_live(owner).select_related("visit", "host_unit")


# --- what a new feed can be narrowed to ---------------------------------------------
#
# The pages name a visit by its code (unique when set), or "#<id>" when it has none,
# and a unit by its code (unique): short, typed by hand as easily as picked from
# the suggestions, and meaningful on a form shown again with its errors.


def _involved_visits(user: User) -> QuerySet[Visit]:
    """The visits the person is on the team of or hosts (all among those they see)."""
    if not user.is_authenticated or not user.is_active:
        return Visit.objects.none()
    return Visit.objects.filter(involvement_q(user))


def feed_visit_token(visit: Visit) -> str:
    return visit.code or f"#{visit.pk}"


def feed_visit_suggestions(user: User, text: str, *, limit: int) -> list[Visit]:
    """Up to `limit` + 1 visits the person sees whose code or title contains `text`
    (the extra one tells the page there are more), newest first; with no text, the
    visits they are on the team of or host. Never a visit they may not see."""
    text = text.strip()
    if text:
        visits = visits_visible_to(user).filter(Q(code__icontains=text) | Q(title__icontains=text))
    else:
        # The visits one is on the team of or hosts are among those one sees: no
        # need to build and test the whole of visits_visible_to as well.
        visits = _involved_visits(user)
    return list(
        visits.select_related("host_unit")
        .only(
            "id",
            "code",
            "title",
            "classification",
            "host_unit__name",
            "host_unit__name_en",
            # What feed_initial_suggestions makes the unit suggestions of.
            "host_unit__code",
            "host_unit__path",
        )
        .order_by("-id")[: limit + 1]
    )


def feed_initial_suggestions(user: User, *, limit: int) -> tuple[list[Visit], list[Unit]]:
    """feed_visit_suggestions(user, "") and feed_unit_suggestions(user, ""): one
    query when the person is on the team of or hosts at most `limit` visits (all
    of them then came back, and the units are their host units and the person's
    own, which the signed-in user carries); else a second one for the units."""
    visits = feed_visit_suggestions(user, "", limit=limit)
    if len(visits) > limit:
        return visits, feed_unit_suggestions(user, "", limit=limit)
    units = {visit.host_unit_id: visit.host_unit for visit in visits}
    if user.host_unit is not None and user.is_active:
        units.setdefault(user.host_unit.pk, user.host_unit)
    return visits, sorted(units.values(), key=lambda unit: unit.path)[: limit + 1]


def feed_visits_named(user: User, text: str) -> list[Visit]:
    """The visits the person sees that `text` names: the one whose code (or
    "#<id>") it is, else those whose code or title contains it (at most two: one is
    an answer, two a question). A visit they may not see is never named, so it
    reads exactly like one that does not exist."""
    text = text.strip()
    visible = visits_visible_to(user)
    if text.startswith("#") and text[1:].isdigit() and len(text) <= 19:
        return list(visible.filter(pk=int(text[1:])))
    exact = list(visible.filter(code__iexact=text).exclude(code="")[:1])
    if exact:
        return exact
    return list(visible.filter(Q(code__icontains=text) | Q(title__icontains=text))[:2])


def feed_unit_suggestions(user: User, text: str, *, limit: int) -> list[Unit]:
    """Up to `limit` + 1 units the person sees whose code or name contains `text`,
    in tree order; with no text, their own unit and the host units of the visits
    they are on the team of."""
    if text.strip():
        return unit_suggestions(units_visible_to(user), text, limit=limit)
    # Their own unit and their visits' host units are among the units they see.
    own = Q(pk__in=_involved_visits(user).values("host_unit_id"))
    if user.host_unit_id is not None and user.is_active:
        own |= Q(pk=user.host_unit_id)
    return unit_suggestions(Unit.objects.filter(own), text, limit=limit)


def feed_units_named(user: User, text: str) -> list[Unit]:
    """The units the person sees that `text` names: the one whose code it is, else
    those whose name contains it (at most two), as feed_visits_named."""
    return units_named(units_visible_to(user), text)
