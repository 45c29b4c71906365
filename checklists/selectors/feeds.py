"""Reads of calendar feeds: a person's live feeds, and the feed of a secret address."""

from __future__ import annotations

from django.db.models import QuerySet

from checklists.models import CalendarFeed
from checklists.policies import Person
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
