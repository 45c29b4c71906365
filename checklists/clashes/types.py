"""What a clash check takes and gives: candidates, clashes, their kinds and
severities, and the wording helpers (checklists.clashes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from checklists.models import Unit, User

PERSON_DOUBLE_BOOKED = "person_double_booked"
UNIT_DOUBLE_BOOKED = "unit_double_booked"
DAY_OFF = "day_off"
TOO_LONG = "too_long"
RECENTLY_INSPECTED = "recently_inspected"
KINDS = (PERSON_DOUBLE_BOOKED, UNIT_DOUBLE_BOOKED, DAY_OFF, TOO_LONG, RECENTLY_INSPECTED)

ERROR = "error"
WARNING = "warning"
SEVERITY = {
    PERSON_DOUBLE_BOOKED: ERROR,
    UNIT_DOUBLE_BOOKED: ERROR,
    DAY_OFF: WARNING,
    TOO_LONG: WARNING,
    RECENTLY_INSPECTED: WARNING,
}


@dataclass(frozen=True)
class Candidate:
    """A visit as it would be: its window [start, end), host unit, people (user ids),
    the days of its working sessions, its outline code, and its own id when it is
    stored (so that it does not clash with itself). `label` names it in messages
    among candidates ("entry 3"); a stored visit is named by its title."""

    host_unit_id: int
    start: dt.datetime
    end: dt.datetime
    people: tuple[int, ...] = ()
    session_days: tuple[dt.date, ...] = ()
    outline_code: str = ""
    visit_id: int | None = None
    label: str = ""

    @classmethod
    def for_sessions(
        cls,
        *,
        host_unit_id: int,
        sessions: Iterable[tuple[dt.datetime, dt.datetime]],
        people: Iterable[int] = (),
        outline_code: str = "",
        visit_id: int | None = None,
        label: str = "",
    ) -> Candidate:
        """A visit from its working sessions ((start, end) pairs, at least one)."""
        spans = list(sessions)
        return cls(
            host_unit_id=host_unit_id,
            start=min(start for start, _end in spans),
            end=max(end for _start, end in spans),
            people=tuple(dict.fromkeys(people)),
            session_days=session_days(spans),
            outline_code=outline_code,
            visit_id=visit_id,
            label=label,
        )

    @classmethod
    def for_window(
        cls,
        *,
        host_unit_id: int,
        window_start: dt.date,
        window_end: dt.date,
        people: Iterable[int] = (),
        sessions: Iterable[tuple[dt.datetime, dt.datetime]] = (),
        outline_code: str = "",
        visit_id: int | None = None,
        label: str = "",
    ) -> Candidate:
        """A programme entry: its window runs from the start of `window_start` to
        the end of `window_end` (local days); `sessions` are the working sessions
        its visit would get (SPEC §5: one on `window_start`), for the day-off check."""
        return cls(
            host_unit_id=host_unit_id,
            start=local_midnight(window_start),
            end=local_midnight(window_end + dt.timedelta(days=1)),
            people=tuple(dict.fromkeys(people)),
            session_days=session_days(sessions),
            outline_code=outline_code,
            visit_id=visit_id,
            label=label,
        )

    @property
    def first_day(self) -> dt.date:
        return timezone.localdate(self.start)

    @property
    def last_day(self) -> dt.date:
        # The window is half-open: one ending at midnight ends on the day before.
        return timezone.localdate(self.end - dt.timedelta(microseconds=1))

    @property
    def length_days(self) -> int:
        """Calendar days the window touches, both ends counted."""
        return (self.last_day - self.first_day).days + 1

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Clash:
    """One clash of one candidate (`candidate`: its position in the batch). `visits`,
    `people`, `units` are ids, `dates` the days concerned; `others` the positions
    of the other candidates involved (within a batch)."""

    kind: str
    message: str
    candidate: int
    visits: tuple[int, ...] = ()
    people: tuple[int, ...] = ()
    units: tuple[int, ...] = ()
    dates: tuple[dt.date, ...] = ()
    others: tuple[int, ...] = field(default=())

    @property
    def severity(self) -> str:
        return SEVERITY[self.kind]

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        """The clash object of SPEC §5 (a 409 problem's `clashes`, a 2xx `clashes`)."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "visits": list(self.visits),
            "people": list(self.people),
            "units": list(self.units),
            "dates": [day.isoformat() for day in self.dates],
        }


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def session_days(sessions: Iterable[tuple[dt.datetime, dt.datetime]]) -> tuple[dt.date, ...]:
    """Every local day a working session touches, in order."""
    days: set[dt.date] = set()
    for start, end in sessions:
        day = timezone.localdate(start)
        last = timezone.localdate(end - dt.timedelta(microseconds=1))
        while day <= last:
            days.add(day)
            day += dt.timedelta(days=1)
    return tuple(sorted(days))


def years_before(day: dt.datetime, years: int) -> dt.datetime:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year - years, day=28)


def clash_errors(clashes: Iterable[Clash]) -> list[Clash]:
    return [clash for clash in clashes if clash.is_error]


# --- names for messages -----------------------------------------------------------


class Names:
    """People's and units' names, read once for the whole batch (messages are
    written after every query ran, so that names cost two queries, not one per clash)."""

    def __init__(self) -> None:
        self.person_ids: set[int] = set()
        self.unit_ids: set[int] = set()
        self.people: dict[int, str] = {}
        self.units: dict[int, str] = {}

    def load(self) -> None:
        if self.person_ids:
            self.people = {
                pk: full_name or username
                for pk, full_name, username in User.objects.filter(
                    pk__in=self.person_ids
                ).values_list("pk", "full_name", "username")
            }
        missing = self.unit_ids - set(self.units)
        if missing:
            self.units.update(Unit.objects.filter(pk__in=missing).values_list("pk", "name"))

    def person(self, pk: int) -> str:
        return self.people.get(pk, str(pk))

    def unit(self, pk: int) -> str:
        return self.units.get(pk, str(pk))


@dataclass(frozen=True)
class Pending:
    """A clash whose message needs names not read yet."""

    kind: str
    candidate: int
    wording: Any  # (names) -> str
    visits: tuple[int, ...] = ()
    people: tuple[int, ...] = ()
    units: tuple[int, ...] = ()
    dates: tuple[dt.date, ...] = ()
    others: tuple[int, ...] = ()

    def finish(self, names: Names) -> Clash:
        return Clash(
            kind=self.kind,
            message=self.wording(names),
            candidate=self.candidate,
            visits=self.visits,
            people=self.people,
            units=self.units,
            dates=self.dates,
            others=self.others,
        )

    @property
    def is_error(self) -> bool:
        return SEVERITY[self.kind] == ERROR


def day_text(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def span_text(start: dt.datetime, end: dt.datetime) -> str:
    first = timezone.localdate(start)
    last = timezone.localdate(end - dt.timedelta(microseconds=1))
    if first == last:
        return day_text(first)
    return _("%(first)s to %(last)s") % {"first": day_text(first), "last": day_text(last)}


def visit_name(title: str, code: str) -> str:
    return f"{code} – {title}" if code else title


def label_of(candidates: Sequence[Candidate], index: int) -> str:
    return candidates[index].label or _("another visit of this batch")
