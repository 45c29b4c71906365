"""Recommendations' deadlines in the calendar and the feeds (SPEC §6, §11): which
rows, and their JSON events. checklists.calendar renders them in iCalendar with
the sessions and milestones.

Who sees which recommendation is checklists.selectors.conclusions'
`recommendations_visible_to` alone (a draft is not in any calendar: it has no
deadline yet for anyone but its writers). One query, whatever the number of events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from checklists.classification import marked
from checklists.models import Recommendation, TeamMembership, User
from checklists.selectors import involvement_q
from checklists.selectors.conclusions import recommendations_visible_to

KIND = "recommendation"
# A calendar title quotes the start of the recommendation's text, not all of it.
TITLE_WORDS = 12

RECOMMENDATION_FIELDS = (
    "id", "visit_id", "code", "text", "due_date", "state", "addressee_id", "visit__title",
    "visit__status", "visit__host_unit_id", "visit__classification",
)  # fmt: skip
# What a feed adds: SEQUENCE, DTSTAMP and DESCRIPTION.
FEED_RECOMMENDATION_FIELDS = (
    *RECOMMENDATION_FIELDS, "sequence", "updated_at", "visit__code", "visit__updated_at",
    "visit__host_unit__name", "addressee__name",
)  # fmt: skip


def recommendation_rows(
    user: User,
    *,
    first_day: dt.date,
    day_after_last: dt.date,
    visit: int | None = None,
    host_unit: int | None = None,
    team_member: int | None = None,
    mine: bool | None = None,
    detailed: bool = False,
) -> list[dict[str, Any]]:
    """The issued recommendations the person sees whose due date is in
    [first_day, day_after_last), as rows; with `detailed` (a feed), also the open
    or reported ones due earlier, whatever their age (SPEC §6: open deadlines stay
    until done). `host_unit` narrows to the visits to that unit or the
    recommendations addressed to it."""
    if not user.is_authenticated or not user.is_active:
        return []
    in_window = Q(due_date__gte=first_day, due_date__lt=day_after_last)
    if detailed:
        in_window |= Q(due_date__lt=first_day, state__in=Recommendation.PENDING_STATES)
    condition = in_window & ~Q(state=Recommendation.State.DRAFT) & Q(due_date__isnull=False)
    if visit is not None:
        condition &= Q(visit_id=visit)
    if host_unit is not None:
        condition &= Q(visit__host_unit_id=host_unit) | Q(addressee_id=host_unit)
    if team_member is not None:
        condition &= Q(
            visit__in=TeamMembership.objects.filter(user_id=team_member).values("visit_id")
        )
    if mine is not None:
        own = involvement_q(user, visit_field="visit")
        if user.host_unit_id is not None:
            own |= Q(addressee_id=user.host_unit_id)
        condition &= own if mine else ~own
    fields = FEED_RECOMMENDATION_FIELDS if detailed else RECOMMENDATION_FIELDS
    return list(
        recommendations_visible_to(user)
        .filter(condition)
        .order_by("due_date", "id")
        .values(*fields)
    )


def recommendation_label(row: dict[str, Any], words: int = TITLE_WORDS) -> str:
    """ "Recommendation KN-01: the start of its text", in the active language."""
    text = Truncator(" ".join(row["text"].split())).words(words)
    return _("Recommendation %(code)s: %(text)s") % {"code": row["code"], "text": text}


def recommendation_title(row: dict[str, Any]) -> str:
    return _("%(milestone)s — %(visit)s") % {
        "milestone": recommendation_label(row),
        "visit": row["visit__title"],
    }


def recommendation_overdue(row: dict[str, Any], today: dt.date) -> bool:
    """Recommendation.overdue_on for a row."""
    return row["state"] in Recommendation.PENDING_STATES and row[
        "due_date"
    ] < Recommendation.overdue_before(today)


def recommendation_events(
    rows: list[dict[str, Any]], *, url: str, today: dt.date
) -> list[dict[str, Any]]:
    """The JSON events (SPEC §5, §6): all-day on the due date; `state` the
    recommendation's, `overdue` beside it; `host_unit` the addressee, `visit` the
    visit that issued it; `url` (holding `{id}`) filled per event."""
    one_day = dt.timedelta(days=1)
    return [
        {
            "id": f"{KIND}-{row['id']}",
            "kind": KIND,
            # Behind the mark of a classified visit, as every page shows it (§14).
            "title": marked(row["visit__classification"], recommendation_title(row)),
            "start": row["due_date"].isoformat(),
            "end": (row["due_date"] + one_day).isoformat(),
            "all_day": True,
            "visit": row["visit_id"],
            "host_unit": row["addressee_id"],
            "state": row["state"],
            "overdue": recommendation_overdue(row, today),
            "url": url.replace("{id}", str(row["id"])),
        }
        for row in rows
    ]
