"""Calendar feeds: secret iCalendar URLs people subscribe to (SPEC §6).

The token is shown once, at creation; only its SHA-256 digest is stored, so a
leaked database hands out no working feed. A revoked feed stops at once: the
lookup only ever matches feeds that are not revoked.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checklists.errors import NotAllowed, NotFound
from checklists.models import CalendarFeed, Unit, User, Visit
from checklists.policies import Person
from checklists.selectors import units_visible_to, visits_visible_to
from checklists.services.audit import audit_record
from checklists.tokens import token_new
from checklists.wording import localised

# Writing last_used_at on every calendar refresh would turn every read into a
# write; a coarse stamp is all anyone needs ("used today").
LAST_USED_RESOLUTION = dt.timedelta(minutes=15)


@transaction.atomic
def calendar_feed_create(
    *,
    owner: Person,
    name: str = "",
    visit_id: int | None = None,
    host_unit_id: int | None = None,
) -> tuple[CalendarFeed, str]:
    """Create a feed of what `owner` (who acts) may see, optionally narrowed to one
    visit or one unit they may see. Returns the feed and its raw token (never
    stored).

    A visit or unit the owner may not see is refused as if it did not exist
    (NotFound). The feed is re-evaluated against the owner's access on every
    request, so this is not what keeps it safe; it keeps a person from naming a
    feed after something they cannot see.
    """
    if not isinstance(owner, User) or not owner.is_active:
        raise NotAllowed(_("Sign in to subscribe to a calendar."))
    if visit_id is not None and host_unit_id is not None:
        raise ValidationError(_("Narrow a feed to a visit or to a unit, not both."))
    visit = host_unit = None
    if visit_id is not None:
        visit = visits_visible_to(owner).filter(pk=visit_id).first()
        if visit is None:
            raise NotFound(_("There is no such visit."))
    if host_unit_id is not None:
        host_unit = units_visible_to(owner).filter(pk=host_unit_id).first()
        if host_unit is None:
            raise NotFound(_("There is no such unit."))
    # Trimmed, and a name of spaces only is no name: the feed gets a default one.
    name = name.strip() or _default_name(owner, visit=visit, host_unit=host_unit)
    token = token_new()
    feed = CalendarFeed(
        owner=owner,
        name=name,
        visit=visit,
        host_unit=host_unit,
        token_digest=token.digest,
        token_prefix=token.prefix,
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
    return feed, token.raw


def _default_name(owner: User, *, visit: Visit | None, host_unit: Unit | None) -> str:
    """A feed's name when its owner gave none (SPEC §6), in the owner's language:
    it is the calendar's name in their calendar program. Narrowed to a visit, the
    visit's code or number, never its title: a classified visit's title stays out
    of feeds (SPEC §14)."""
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        if visit is not None:
            label = visit.code or f"#{visit.pk}"
            return _("Inspection visits: %(name)s") % {"name": label}
        if host_unit is not None:
            label = localised(host_unit.name, host_unit.name_en)
            return _("Inspection visits: %(name)s") % {"name": label}
        return str(_("Inspection visits"))


@transaction.atomic
def calendar_feed_revoke(*, actor: Person, feed: CalendarFeed) -> CalendarFeed:
    """Revoke one of one's own feeds; its URL answers 404 from the next request
    on. Someone else's feed does not exist for the actor (NotFound). Revoking an
    already revoked feed changes nothing."""
    if feed.owner_id != actor.pk:
        raise NotFound(_("There is no such calendar subscription."))
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


def calendar_feed_touch(feed: CalendarFeed) -> None:
    """Record that the feed was fetched, at most once per LAST_USED_RESOLUTION."""
    now = timezone.now()
    if feed.last_used_at is not None and now - feed.last_used_at < LAST_USED_RESOLUTION:
        return
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    feed.last_used_at = now
