"""When a milestone's reminders fall due: offset arithmetic, pure functions only.

A milestone is due at the end of its day, local time. Each offset ("-7d" … "0d" …
"+7d") names a day relative to the due date; its reminder falls due at
REMINDER_HOUR local time that day. A reminder is *current* from that instant until
the next offset's instant (the last one: for one day), so that after downtime only
the latest offset still worth sending goes out (SPEC §8: catch up with one reminder,
not a burst). Coordinators' escalation is a track of its own, with one offset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

ESCALATION = "escalation"
ONE_DAY = dt.timedelta(days=1)


def offset_days(label: str) -> int:
    """The days of an offset label: "-7d" → -7, "0d" → 0, "+1d" → 1."""
    return int(label.removesuffix("d"))


def offset_label(days: int) -> str:
    """-7 → "-7d", 0 → "0d", 1 → "+1d" (the labels of SPEC §5)."""
    return f"{days:+d}d" if days else "0d"


def reminder_instant(day: dt.date, *, hour: int, tz: ZoneInfo) -> dt.datetime:
    """`hour` o'clock local time on `day`, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def deadline_end(due_date: dt.date, *, tz: ZoneInfo) -> dt.datetime:
    """The instant a milestone becomes overdue: the end of its day, local time."""
    return dt.datetime.combine(due_date + ONE_DAY, dt.time(0), tzinfo=tz)


@dataclass(frozen=True)
class Slot:
    """One offset of one milestone: due `at`, worth sending until `until`."""

    offset: str
    at: dt.datetime
    until: dt.datetime

    @property
    def is_escalation(self) -> bool:
        return self.offset == ESCALATION


@dataclass(frozen=True)
class Plan:
    """The reminders of one milestone, in two tracks sorted by time."""

    regular: tuple[Slot, ...]
    escalation: tuple[Slot, ...]

    def next_at(self, now: dt.datetime) -> dt.datetime | None:
        """The first instant after `now` at which a slot falls due (None: none will)."""
        future = [s.at for s in (*self.regular, *self.escalation) if s.at > now]
        return min(future, default=None)


def milestone_plan(
    due_date: dt.date,
    *,
    offsets: Sequence[str],
    escalation_days: int | None,
    hour: int,
    tz: ZoneInfo,
) -> Plan:
    days = sorted({offset_days(label) for label in offsets})
    instants = [reminder_instant(due_date + dt.timedelta(days=d), hour=hour, tz=tz) for d in days]
    regular = tuple(
        Slot(
            offset=offset_label(d),
            at=at,
            until=instants[i + 1] if i + 1 < len(instants) else at + ONE_DAY,
        )
        for i, (d, at) in enumerate(zip(days, instants, strict=True))
    )
    escalation: tuple[Slot, ...] = ()
    if escalation_days is not None:
        at = reminder_instant(due_date + dt.timedelta(days=escalation_days), hour=hour, tz=tz)
        # Worth sending while the overdue reminders still run, not for ever: a
        # milestone planned long after its date must not escalate out of the blue.
        end = max(at + ONE_DAY, regular[-1].until if regular else at)
        escalation = (Slot(offset=ESCALATION, at=at, until=end),)
    return Plan(regular=regular, escalation=escalation)


@dataclass(frozen=True)
class Due:
    """What a pass does for one track: send `send` (if any), record `skip` as skipped."""

    send: Slot | None
    skip: tuple[Slot, ...]


def due_in_track(
    track: Sequence[Slot], *, since: dt.datetime, now: dt.datetime, first_plan: bool
) -> Due:
    """The slots of a track that fell due in [since, now].

    The latest of them is sent if it is still current; the earlier ones were missed
    (downtime, or a pass that did not run) and are recorded as skipped. On a
    milestone's first plan (new, or its date just moved), slots before `now` were
    never scheduled at all: only a current one is sent, nothing is marked skipped.
    """
    came_due = [s for s in track if s.at <= now and (first_plan or s.at >= since)]
    if not came_due:
        return Due(send=None, skip=())
    latest = came_due[-1]
    send = latest if now < latest.until else None
    if first_plan:
        return Due(send=send, skip=())
    missed = tuple(s for s in came_due if s is not send)
    return Due(send=send, skip=missed)
