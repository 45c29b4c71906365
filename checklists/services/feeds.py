"""Calendar feeds: secret iCalendar URLs people subscribe to (SPEC §6).

The token is shown once, at creation; only its SHA-256 digest is stored, so a
leaked database hands out no working feed. A revoked feed stops at once: the
lookup only ever matches feeds that are not revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import CalendarFeed, Unit, User, Visit
from checklists.selectors import units_visible_to, visits_visible_to
from checklists.services.audit import audit_record

TOKEN_BYTES = 32
TOKEN_PREFIX_LENGTH = 8
# Writing last_used_at on every calendar refresh would turn every read into a
# write; a coarse stamp is all anyone needs ("used today").
LAST_USED_RESOLUTION = dt.timedelta(minutes=15)


def feed_token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(
    *,
    owner: User,
    name: str = "",
    visit: Visit | None = None,
    host_unit: Unit | None = None,
) -> tuple[CalendarFeed, str]:
    """Create a feed of what `owner` may see, optionally narrowed to one visit or
    one unit they may see. Returns the feed and its raw token (never stored)."""
    if visit is not None and host_unit is not None:
        raise ValidationError(_("Narrow a feed to a visit or to a unit, not both."))
    # The feed is re-evaluated against the owner's access on every request, so this
    # is not what keeps it safe; it keeps a person from naming a feed after
    # something they cannot see.
    if visit is not None and not visits_visible_to(owner).filter(pk=visit.pk).exists():
        raise ValidationError({"visit": _("There is no such visit.")})
    if host_unit is not None and not units_visible_to(owner).filter(pk=host_unit.pk).exists():
        raise ValidationError({"host_unit": _("There is no such unit.")})
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed(
        owner=owner,
        name=name,
        visit=visit,
        host_unit=host_unit,
        token_digest=feed_token_digest(raw),
        token_prefix=raw[:TOKEN_PREFIX_LENGTH],
    )
    feed.full_clean()
    feed.save()
    audit_record(
        actor=owner,
        action="create",
        obj=feed,
        visit_id=visit.pk if visit is not None else None,
        changes={
            "name": name,
            "visit": visit.pk if visit is not None else None,
            "host_unit": host_unit.pk if host_unit is not None else None,
            "token_prefix": feed.token_prefix,
        },
    )
    return feed, raw


@transaction.atomic
def calendar_feed_revoke(*, actor: User, feed: CalendarFeed) -> CalendarFeed:
    """Revoke a feed; its URL answers 404 from the next request on. Revoking an
    already revoked feed changes nothing."""
    now = timezone.now()
    # Conditional, so that two revocations at once record one event.
    revoked = CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if revoked:
        feed.revoked_at = now
        audit_record(
            actor=actor,
            action="revoke",
            obj=feed,
            visit_id=feed.visit_id,
            changes={"token_prefix": feed.token_prefix},
        )
    return feed


def calendar_feed_for_token(raw: str) -> CalendarFeed | None:
    """The live feed of a raw token, with its owner (and the owner's coordinator
    scope, which visibility needs) in the same query; None for an unknown, revoked
    or deactivated one."""
    feed = (
        CalendarFeed.objects.select_related("owner", "owner__coordinator_scope")
        .filter(token_digest=feed_token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.owner.is_active:
        return None
    return feed


def calendar_feed_touch(feed: CalendarFeed) -> None:
    """Record that the feed was fetched, at most once per LAST_USED_RESOLUTION."""
    now = timezone.now()
    if feed.last_used_at is not None and now - feed.last_used_at < LAST_USED_RESOLUTION:
        return
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    feed.last_used_at = now
