"""The visit calendar: working sessions, milestones and recommendations'
deadlines as events, for the JSON calendar (FullCalendar) and the iCalendar feeds
people subscribe to.

Who sees what is decided by `checklists.selectors.visits_visible_to` (and, for
recommendations, `recommendations_visible_to`) alone; this module only shapes the
rows. Each call costs three queries (sessions, milestones, recommendations),
whatever the number of events: `values()` with the visit (and host unit) joined
in, never one query per event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import icalendar
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checklists.calendar_recommendations import (
    FEED_RECOMMENDATION_FIELDS,
    recommendation_events,
    recommendation_label,
    recommendation_rows,
)
from checklists.classification import classification_mark, is_classified, marked
from checklists.models import (
    Milestone,
    Recommendation,
    Responsible,
    TeamMembership,
    User,
    Visit,
    WorkingSession,
)
from checklists.selectors import involvement_q, visits_visible_to

# The longest window the JSON calendar answers (SPEC §6).
MAX_WINDOW = dt.timedelta(days=400)
# A feed holds the events of this window around today: a subscribed calendar shows
# what the feed holds, so the past year stays visible, and two years ahead covers
# any visit being planned.
FEED_PAST = dt.timedelta(days=366)
FEED_FUTURE = dt.timedelta(days=731)
# Part of every feed's ETag: bump it when the rendering changes, so that clients
# holding a copy made by older code fetch the new one.
FEED_FORMAT = "4"
PRODID = "-//Inspection helper//Visit calendar//EN"


class EventKind:
    SESSION = "session"
    MILESTONE = "milestone"
    RECOMMENDATION = "recommendation"
    CHOICES = (SESSION, MILESTONE, RECOMMENDATION)


@dataclass(frozen=True)
class EventFilters:
    """Narrowing on top of what the person may see (SPEC §5's calendar filters, and
    a feed's visit or unit)."""

    visit: int | None = None
    host_unit: int | None = None
    team_member: int | None = None
    kind: str | None = None
    mine: bool | None = None


@dataclass(frozen=True)
class Window:
    """[start, end) as aware datetimes. A milestone (a whole local day) is in the
    window when its day overlaps it."""

    start: dt.datetime
    end: dt.datetime

    @property
    def first_day(self) -> dt.date:
        return timezone.localtime(self.start).date()

    @property
    def day_after_last(self) -> dt.date:
        end = timezone.localtime(self.end)
        return end.date() if end.time() == dt.time(0) else end.date() + dt.timedelta(days=1)

    @classmethod
    def around(cls, today: dt.date) -> Window:
        midnight = timezone.make_aware(dt.datetime.combine(today, dt.time(0)))
        return cls(start=midnight - FEED_PAST, end=midnight + FEED_FUTURE)


# --- the queries ----------------------------------------------------------------

SESSION_FIELDS = (
    "id", "visit_id", "start", "end", "visit__title", "visit__status", "visit__host_unit_id",
    "visit__classification",
)  # fmt: skip
MILESTONE_FIELDS = (
    "id", "visit_id", "title", "title_en", "due_date", "done_at", "visit__title",
    "visit__status", "visit__host_unit_id", "visit__classification",
)  # fmt: skip
# What a feed adds: what iCalendar's SEQUENCE, DTSTAMP, LOCATION and DESCRIPTION need.
FEED_SESSION_FIELDS = (
    *SESSION_FIELDS, "location", "sequence", "updated_at", "visit__code",
    "visit__updated_at", "visit__host_unit__name",
)  # fmt: skip
FEED_MILESTONE_FIELDS = (
    *MILESTONE_FIELDS, "key", "responsible", "sequence", "updated_at", "visit__code",
    "visit__updated_at", "visit__host_unit__name",
)  # fmt: skip


def _visit_condition(user: User, filters: EventFilters) -> Q | None:
    """The events' visits as one condition on `visit…` lookups; None when the person
    sees nothing at all."""
    if not user.is_authenticated or not user.is_active:
        return None
    condition = Q()
    # A coordinator of everything sees every visit: no subquery to evaluate.
    if not user.coordinates_everything:
        condition &= Q(visit__in=visits_visible_to(user).values("pk"))
    if filters.visit is not None:
        condition &= Q(visit_id=filters.visit)
    if filters.host_unit is not None:
        condition &= Q(visit__host_unit_id=filters.host_unit)
    if filters.team_member is not None:
        condition &= Q(
            visit__in=TeamMembership.objects.filter(user_id=filters.team_member).values("visit_id")
        )
    if filters.mine is not None:
        mine = involvement_q(user, visit_field="visit")
        condition &= mine if filters.mine else ~mine
    return condition


def _session_rows(condition: Q, window: Window, fields: Iterable[str]) -> list[dict[str, Any]]:
    # Overlap, not containment: a session that started before the window and
    # runs into it is shown.
    return list(
        WorkingSession.objects.filter(condition, start__lt=window.end, end__gt=window.start)
        .order_by("start", "id")
        .values(*fields)
    )


def _milestone_rows(
    condition: Q, window: Window, fields: Iterable[str], *, open_ones_of_any_age: bool = False
) -> list[dict[str, Any]]:
    in_window = Q(due_date__gte=window.first_day, due_date__lt=window.day_after_last)
    if open_ones_of_any_age:
        # A feed keeps an open deadline until it is done, however long ago it fell
        # due (SPEC §6): an overdue one matters most. Those of a closed or cancelled
        # visit are over.
        in_window |= Q(due_date__lt=window.first_day, done_at__isnull=True) & ~Q(
            visit__status__in=Visit.FINISHED_STATUSES
        )
    return list(
        Milestone.objects.filter(condition, in_window).order_by("due_date", "id").values(*fields)
    )


@dataclass
class CalendarRows:
    sessions: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    recommendations: list[dict[str, Any]] = field(default_factory=list)


def calendar_rows(
    *, user: User, window: Window, filters: EventFilters = EventFilters(), detailed: bool = False
) -> CalendarRows:
    """The sessions, milestones and recommendations' deadlines the person may see
    in the window, as rows (three queries, none when the person sees nothing)."""
    condition = _visit_condition(user, filters)
    if condition is None:
        return CalendarRows([], [], [])
    sessions = milestones = []
    if filters.kind in (None, EventKind.SESSION):
        sessions = _session_rows(
            condition, window, FEED_SESSION_FIELDS if detailed else SESSION_FIELDS
        )
    if filters.kind in (None, EventKind.MILESTONE):
        milestones = _milestone_rows(
            condition,
            window,
            FEED_MILESTONE_FIELDS if detailed else MILESTONE_FIELDS,
            open_ones_of_any_age=detailed,
        )
    recommendations: list[dict[str, Any]] = []
    if filters.kind in (None, EventKind.RECOMMENDATION):
        recommendations = recommendation_rows(
            user,
            first_day=window.first_day,
            day_after_last=window.day_after_last,
            visit=filters.visit,
            host_unit=filters.host_unit,
            team_member=filters.team_member,
            mine=filters.mine,
            detailed=detailed,
        )
    return CalendarRows(sessions, milestones, recommendations)


# --- the JSON calendar ---------------------------------------------------------------


def milestone_state(row: dict[str, Any], today: dt.date) -> str:
    """Milestone.state_on for a row; a cancelled visit's deadlines are "cancelled"."""
    if row["visit__status"] == Visit.Status.CANCELLED:
        return Visit.Status.CANCELLED
    if row["done_at"] is not None:
        return Milestone.State.DONE
    if row["due_date"] < today:
        return Milestone.State.OVERDUE
    if (row["due_date"] - today).days <= settings.MILESTONE_DUE_SOON_DAYS:
        return Milestone.State.DUE_SOON
    return Milestone.State.UPCOMING


def _milestone_title(row: dict[str, Any], english: bool, template: str | None = None) -> str:
    title = (row["title_en"] or row["title"]) if english else row["title"]
    template = template or _("%(milestone)s — %(visit)s")
    return template % {"milestone": title, "visit": row["visit__title"]}


def _marked(row: dict[str, Any], title: str) -> str:
    # The signed-in calendar shows a classified visit's events in full (whoever
    # gets them may see the visit), behind its mark, as every page does (SPEC §14).
    return marked(row["visit__classification"], title)


def calendar_events(
    *,
    user: User,
    window: Window,
    filters: EventFilters = EventFilters(),
    session_url: str = "",
    milestone_url: str = "",
    recommendation_url: str = "",
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Events in the shape of SPEC §5, ready for FullCalendar: sessions with ISO
    datetimes in local time with their offset, milestones and recommendations'
    deadlines all-day (`end` is the day after, exclusive). Titles in the active
    language.

    `session_url` may hold `{visit}`, `milestone_url` and `recommendation_url`
    `{id}`; each is filled per event.
    """
    today = today or timezone.localdate()
    rows = calendar_rows(user=user, window=window, filters=filters)
    english = translation.get_language() == "en"
    milestone_title = _("%(milestone)s — %(visit)s")
    local = timezone.get_current_timezone()
    one_day = dt.timedelta(days=1)
    events: list[dict[str, Any]] = [
        {
            "id": f"session-{row['id']}",
            "kind": EventKind.SESSION,
            "title": _marked(row, row["visit__title"]),
            "start": row["start"].astimezone(local).isoformat(timespec="seconds"),
            "end": row["end"].astimezone(local).isoformat(timespec="seconds"),
            "all_day": False,
            "visit": row["visit_id"],
            "host_unit": row["visit__host_unit_id"],
            # A session is as far along as its visit.
            "state": row["visit__status"],
            "url": session_url.replace("{visit}", str(row["visit_id"])),
        }
        for row in rows.sessions
    ]
    events.extend(
        {
            "id": f"milestone-{row['id']}",
            "kind": EventKind.MILESTONE,
            "title": _marked(row, _milestone_title(row, english, milestone_title)),
            "start": row["due_date"].isoformat(),
            "end": (row["due_date"] + one_day).isoformat(),
            "all_day": True,
            "visit": row["visit_id"],
            "host_unit": row["visit__host_unit_id"],
            "state": milestone_state(row, today),
            "url": milestone_url.replace("{id}", str(row["id"])),
        }
        for row in rows.milestones
    )
    events.extend(recommendation_events(rows.recommendations, url=recommendation_url, today=today))
    return events


# --- the iCalendar feed ----------------------------------------------------------------


def feed_fingerprint(rows: CalendarRows, *, language: str, name: str) -> str:
    """A digest of everything a feed's text depends on: its ETag. Computed from the
    rows, before the (costlier) rendering, so an unchanged feed answers 304 cheaply.
    Events that leave the feed (access lost, visit moved out of the window) change
    it too, since their ids are part of it."""
    digest = hashlib.sha256(f"{FEED_FORMAT}|{language}|{name}|".encode())
    for kind, keys, items in (
        ("s", FEED_SESSION_FIELDS, rows.sessions),
        ("m", FEED_MILESTONE_FIELDS, rows.milestones),
        ("r", FEED_RECOMMENDATION_FIELDS, rows.recommendations),
    ):
        digest.update(kind.encode())
        for row in items:
            digest.update(repr(tuple(row[key] for key in keys)).encode())
    return digest.hexdigest()


def feed_last_modified(rows: CalendarRows) -> dt.datetime | None:
    """The latest change of any event of the feed (or of its visit)."""
    stamps = [
        max(row["updated_at"], row["visit__updated_at"])
        for row in (*rows.sessions, *rows.milestones, *rows.recommendations)
    ]
    return max(stamps, default=None)


def _uid(kind: str, pk: int) -> str:
    domain = settings.CALENDAR_UID_DOMAIN
    return f"{kind}-{pk}@{domain}"


def _sequence(row: dict[str, Any]) -> int:
    # A cancellation is a change attendees must see: RFC 5546 counts STATUS among
    # the properties that raise SEQUENCE. Cancelled is a final state, so adding one
    # for it keeps SEQUENCE growing (it never goes back down).
    cancelled = row["visit__status"] == Visit.Status.CANCELLED
    return row["sequence"] + (1 if cancelled else 0)


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued after CRLF + space,
    never splitting a UTF-8 character."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        cut = start + limit
        # Back off to the first byte of a character (continuation bytes are 10xxxxxx).
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        parts.append(data[start:cut])
        # A continuation line's leading space counts towards its 75 octets.
        start, limit = cut, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _text(value: str) -> str:
    # icalendar's TEXT escaping (backslash, comma, semicolon, newline).
    return icalendar.vText(value).to_ical().decode()


def _url_of(template: str, row: dict[str, Any]) -> str:
    return template.replace("{visit}", str(row["visit_id"])).replace("{id}", str(row["id"]))


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_to_ics(
    rows: CalendarRows, *, name: str, visit_url: str = "", recommendation_url: str = ""
) -> bytes:
    """RFC 5545 text of a feed, in the active language: times in UTC, milestones as
    all-day events (VALUE=DATE, DTEND the day after), a cancelled visit's events
    kept with STATUS:CANCELLED; CRLF line ends, lines folded at 75 octets.

    A feed leaves the building (a phone's calendar, a cloud account), so the events
    of a classified visit carry only its mark and number (`[MẬT] Đợt kiểm tra #12`,
    SPEC §6, §14): no title, host unit, place or deadline wording, and for a
    description only the link to the visit's page (`visit_url`, holding `{visit}`),
    where the person signs in to read the rest. A recommendation's deadline links
    to its own page (`recommendation_url`, holding `{id}`); a cancelled
    recommendation stays with STATUS:CANCELLED.

    The calendar's properties go through `icalendar` (`Calendar`); the events are
    written line by line with icalendar's value encoding (`vText`), because
    building a `Component` per event costs about 0.7 ms each, over a second for a
    feed of 2,000 events. The tests parse the result with `icalendar` and with
    the strict `ical` parser.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # No METHOD: a subscribed feed is not an iTIP message, and METHOD:PUBLISH would
    # require an ORGANIZER on every event (RFC 5546; libical's restriction check).
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    # How often clients should refresh (RFC 7986, and Outlook's older name for it).
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    head = calendar.to_ical().decode()
    end_marker = "END:VCALENDAR\r\n"
    assert head.endswith(end_marker)
    lines: list[str] = [head[: -len(end_marker)].removesuffix("\r\n")]

    # Translations looked up once, not once per event.
    session_title = _("Working session: %(visit)s")
    milestone_title = _("%(milestone)s — %(visit)s")
    unit_line = _("Host unit: %(unit)s")
    status_line = _("Visit status: %(status)s")
    responsible_line = _("Responsible: %(side)s")
    done_line = _("Done on %(date)s")
    classified_title = _("Inspection visit #%(id)s")
    statuses = {value: str(label) for value, label in Visit.Status.choices}
    responsible = {value: str(label) for value, label in Responsible.choices}
    english = translation.get_language() == "en"
    dtstamps: dict[tuple[dt.datetime, dt.datetime], str] = {}

    def common(
        kind: str,
        row: dict[str, Any],
        extra: list[str],
        *,
        cancelled: bool = False,
        link_to: str = "",
    ) -> None:
        own_cancel = cancelled
        cancelled = cancelled or row["visit__status"] == Visit.Status.CANCELLED
        # DTSTAMP is when the event last changed, never the request's time:
        # otherwise every refresh looks like a change to the client. The visit's
        # own change time counts too (its title is the event's, its status the
        # event's STATUS).
        key = (row["updated_at"], row["visit__updated_at"])
        if key not in dtstamps:
            dtstamps[key] = _utc(max(key))
        changed = dtstamps[key]
        lines.append(f"UID:{_uid(kind, row['id'])}")
        lines.append(f"DTSTAMP:{changed}")
        lines.append(f"LAST-MODIFIED:{changed}")
        # A recommendation cancelled (its visit not) raises SEQUENCE too.
        lines.append(f"SEQUENCE:{_sequence(row) + (1 if own_cancel else 0)}")
        lines.append("STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED")
        # Every event links back to its page (SPEC §6): its visit's, or a
        # recommendation's own, where the person
        # signs in; clients show URL as a link, and DESCRIPTION carries it too for
        # those that do not.
        link_to = link_to or visit_url
        link = _url_of(link_to, row) if link_to else ""
        if link:
            lines.append(_fold(f"URL;VALUE=URI:{link}"))
        if is_classified(row["visit__classification"]):
            if link:
                lines.append(_fold(f"DESCRIPTION:{_text(link)}"))
            return
        visit = row["visit__title"] + (f" ({row['visit__code']})" if row["visit__code"] else "")
        description = "\n".join(
            [
                visit,
                unit_line % {"unit": row["visit__host_unit__name"]},
                status_line % {"status": statuses.get(row["visit__status"], "")},
                *extra,
                *([link] if link else []),
            ]
        )
        lines.append(_fold(f"DESCRIPTION:{_text(description)}"))

    def classified_summary(row: dict[str, Any]) -> str | None:
        """The only words a classified visit's event shows; None for the others."""
        mark = classification_mark(row["visit__classification"])
        if not mark:
            return None
        return f"[{mark}] " + classified_title % {"id": row["visit_id"]}

    for row in rows.sessions:
        summary = classified_summary(row)
        lines.append("BEGIN:VEVENT")
        if summary is None:
            summary = session_title % {"visit": row["visit__title"]}
        lines.append(_fold(f"SUMMARY:{_text(summary)}"))
        lines.append(f"DTSTART:{_utc(row['start'])}")
        lines.append(f"DTEND:{_utc(row['end'])}")
        lines.append("TRANSP:OPAQUE")
        if row["location"] and not is_classified(row["visit__classification"]):
            lines.append(_fold(f"LOCATION:{_text(row['location'])}"))
        common(EventKind.SESSION, row, [])
        lines.append("END:VEVENT")
    one_day = dt.timedelta(days=1)
    for row in rows.milestones:
        extra = [responsible_line % {"side": responsible.get(row["responsible"], "")}]
        if row["done_at"] is not None:
            extra.append(done_line % {"date": timezone.localdate(row["done_at"]).isoformat()})
        lines.append("BEGIN:VEVENT")
        summary = classified_summary(row) or _milestone_title(row, english, milestone_title)
        lines.append(_fold(f"SUMMARY:{_text(summary)}"))
        # All-day: VALUE=DATE, and DTEND is the day after (exclusive).
        lines.append(f"DTSTART;VALUE=DATE:{row['due_date']:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{row['due_date'] + one_day:%Y%m%d}")
        # A deadline does not make anyone busy.
        lines.append("TRANSP:TRANSPARENT")
        common(EventKind.MILESTONE, row, extra)
        lines.append("END:VEVENT")
    addressee_line = _("Addressed to: %(unit)s")
    state_line = _("Recommendation state: %(state)s")
    states = {value: str(label) for value, label in Recommendation.State.choices}
    for row in rows.recommendations:
        extra = [
            addressee_line % {"unit": row["addressee__name"]},
            state_line % {"state": states.get(row["state"], "")},
        ]
        lines.append("BEGIN:VEVENT")
        summary = classified_summary(row) or milestone_title % {
            "milestone": recommendation_label(row),
            "visit": row["visit__title"],
        }
        lines.append(_fold(f"SUMMARY:{_text(summary)}"))
        lines.append(f"DTSTART;VALUE=DATE:{row['due_date']:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{row['due_date'] + one_day:%Y%m%d}")
        lines.append("TRANSP:TRANSPARENT")
        common(
            EventKind.RECOMMENDATION,
            row,
            extra,
            cancelled=row["state"] == Recommendation.State.CANCELLED,
            link_to=recommendation_url,
        )
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()
