"""Each kind of clash, for a whole batch: the stored side in SQL (checklists.clashes.sql),
the candidates among themselves in Python."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.clashes.sql import ACTIVE, WINDOW_COLUMNS, aware, overlap, query
from checklists.clashes.types import (
    DAY_OFF,
    PERSON_DOUBLE_BOOKED,
    RECENTLY_INSPECTED,
    TOO_LONG,
    UNIT_DOUBLE_BOOKED,
    Candidate,
    Clash,
    Names,
    Pending,
    day_text,
    label_of,
    span_text,
    visit_name,
    years_before,
)
from checklists.models import DayOff, Unit
from checklists.workdays import WorkCalendar


def people_booked(candidates: Sequence[Candidate], found: list[list[Any]], names: Names) -> None:
    rows = [
        (index, person, c.start, c.end, c.visit_id)
        for index, c in enumerate(candidates)
        for person in c.people
    ]
    if rows:
        stored = query(
            [("idx", "int"), ("person", "bigint"), *WINDOW_COLUMNS],
            rows,
            f"""SELECT c.idx, c.person, v.id, v.title, v.code, v.window_start, v.window_end
            FROM c JOIN checklists_teammembership t ON t.user_id = c.person
            JOIN checklists_visit v ON v.id = t.visit_id
            WHERE {ACTIVE} AND {overlap("v", "c.lo", "c.hi")}
            ORDER BY c.idx, v.window_start, v.id""",
        )
        for index, person, visit_id, title, code, start, end in stored:
            names.person_ids.add(person)
            start, end = aware(start), aware(end)
            found[index].append(
                Pending(
                    kind=PERSON_DOUBLE_BOOKED,
                    candidate=index,
                    visits=(visit_id,),
                    people=(person,),
                    dates=(timezone.localdate(start), timezone.localdate(end)),
                    wording=_person_booked_wording(person, visit_name(title, code), start, end),
                )
            )
    by_person: dict[int, list[int]] = defaultdict(list)
    for index, c in enumerate(candidates):
        for person in c.people:
            by_person[person].append(index)
    for person, indexes in by_person.items():
        for index, other in _overlapping_pairs(candidates, indexes):
            names.person_ids.add(person)
            found[index].append(_among(candidates, PERSON_DOUBLE_BOOKED, index, other, person))


def _person_booked_wording(person: int, visit: str, start: dt.datetime, end: dt.datetime) -> Any:
    span = span_text(start, end)
    return lambda n: (
        _("%(person)s is already on the team of “%(visit)s” (%(span)s).")
        % {
            "person": n.person(person),
            "visit": visit,
            "span": span,
        }
    )


def _unit_booked_wording(unit: int, visit: str, start: dt.datetime, end: dt.datetime) -> Any:
    span = span_text(start, end)
    return lambda n: (
        _("%(unit)s already has a visit in this window: “%(visit)s” (%(span)s).")
        % {
            "unit": n.unit(unit),
            "visit": visit,
            "span": span,
        }
    )


def units_booked(candidates: Sequence[Candidate], found: list[list[Any]], names: Names) -> None:
    rows = [
        (index, c.host_unit_id, c.start, c.end, c.visit_id) for index, c in enumerate(candidates)
    ]
    stored = query(
        [("idx", "int"), ("unit", "bigint"), *WINDOW_COLUMNS],
        rows,
        f"""SELECT c.idx, c.unit, v.id, v.title, v.code, v.window_start, v.window_end
        FROM c JOIN checklists_visit v ON v.host_unit_id = c.unit
        WHERE {ACTIVE} AND {overlap("v", "c.lo", "c.hi")}
        ORDER BY c.idx, v.window_start, v.id""",
    )
    for index, unit, visit_id, title, code, start, end in stored:
        names.unit_ids.add(unit)
        start, end = aware(start), aware(end)
        found[index].append(
            Pending(
                kind=UNIT_DOUBLE_BOOKED,
                candidate=index,
                visits=(visit_id,),
                units=(unit,),
                dates=(timezone.localdate(start), timezone.localdate(end)),
                wording=_unit_booked_wording(unit, visit_name(title, code), start, end),
            )
        )
    by_unit: dict[int, list[int]] = defaultdict(list)
    for index, c in enumerate(candidates):
        by_unit[c.host_unit_id].append(index)
    for unit, indexes in by_unit.items():
        for index, other in _overlapping_pairs(candidates, indexes):
            names.unit_ids.add(unit)
            found[index].append(_among(candidates, UNIT_DOUBLE_BOOKED, index, other, unit))


def _overlapping_pairs(
    candidates: Sequence[Candidate], indexes: Sequence[int]
) -> Iterable[tuple[int, int]]:
    """(index, other) for every ordered pair of overlapping candidates among
    `indexes`: each of the two is told about the other. Sorted by start, a
    candidate is compared only with those starting before its end."""
    ordered = sorted(indexes, key=lambda i: candidates[i].start)
    for position, index in enumerate(ordered):
        for other in ordered[position + 1 :]:
            if candidates[other].start >= candidates[index].end:
                break
            if candidates[index].overlaps(candidates[other]):
                yield index, other
                yield other, index


def _among(
    candidates: Sequence[Candidate], kind: str, index: int, other: int, subject: int
) -> Pending:
    c, o = candidates[index], candidates[other]
    label, span = label_of(candidates, other), span_text(o.start, o.end)
    dates = (o.first_day, o.last_day)
    visits = (o.visit_id,) if o.visit_id else ()
    if kind == PERSON_DOUBLE_BOOKED:
        return Pending(
            kind=kind,
            candidate=index,
            visits=visits,
            people=(subject,),
            dates=dates,
            others=(other,),
            wording=lambda n: (
                _("%(person)s is also on the team of %(other)s (%(span)s).")
                % {"person": n.person(subject), "other": label, "span": span}
            ),
        )
    return Pending(
        kind=kind,
        candidate=index,
        visits=visits,
        units=(c.host_unit_id,),
        dates=dates,
        others=(other,),
        wording=lambda n: (
            _("%(unit)s is also visited by %(other)s (%(span)s).")
            % {"unit": n.unit(subject), "other": label, "span": span}
        ),
    )


def days_off(candidates: Sequence[Candidate], found: list[list[Any]]) -> None:
    calendar = WorkCalendar.from_declared(DayOff.objects.values_list("date", "kind"))
    for index, c in enumerate(candidates):
        off = tuple(day for day in c.session_days if not calendar.is_working_day(day))
        if off:
            found[index].append(
                Clash(
                    kind=DAY_OFF,
                    candidate=index,
                    units=(c.host_unit_id,),
                    dates=off,
                    message=ngettext(
                        "A working session falls on a day off: %(days)s.",
                        "Working sessions fall on days off: %(days)s.",
                        len(off),
                    )
                    % {"days": ", ".join(date_format(day, "DATE_FORMAT") for day in off)},
                )
            )


def unit_levels(unit_ids: Collection[int]) -> dict[int, str | None]:
    """Each unit's level for the length limit: its kind, or for an `agency` the
    level of its nearest ancestor that is not one (None: no such ancestor). Two
    queries: the units, then their ancestors (read from the materialised paths)."""
    units = {
        pk: (kind, path)
        for pk, kind, path in Unit.objects.filter(pk__in=unit_ids).values_list("pk", "kind", "path")
    }
    ancestors: set[int] = set()
    for kind, path in units.values():
        if kind == Unit.Kind.AGENCY:
            ancestors.update(int(part) for part in path.strip("/").split("/") if part)
    kinds = (
        dict(Unit.objects.filter(pk__in=ancestors).values_list("pk", "kind")) if ancestors else {}
    )
    levels: dict[int, str | None] = {}
    for pk, (kind, path) in units.items():
        if kind != Unit.Kind.AGENCY:
            levels[pk] = kind
            continue
        chain = [int(part) for part in path.strip("/").split("/") if part]
        levels[pk] = next(
            (
                kinds[a]
                for a in reversed(chain)
                if kinds.get(a, Unit.Kind.AGENCY) != Unit.Kind.AGENCY
            ),
            None,
        )
    return levels


def too_long(candidates: Sequence[Candidate], found: list[list[Any]], names: Names) -> None:
    limits: dict[str, int] = settings.VISIT_MAX_DAYS
    levels = unit_levels({c.host_unit_id for c in candidates})
    for index, c in enumerate(candidates):
        level = levels.get(c.host_unit_id)
        limit = limits.get(level) if level else None
        if level is None or limit is None or c.length_days <= limit:
            continue
        names.unit_ids.add(c.host_unit_id)
        days, level_name = c.length_days, Unit.Kind(level).label
        found[index].append(
            Pending(
                kind=TOO_LONG,
                candidate=index,
                units=(c.host_unit_id,),
                dates=(c.first_day, c.last_day),
                wording=lambda n, unit=c.host_unit_id, days=days, limit=limit, level=level_name: (
                    _(
                        "The window runs %(days)s calendar days; a visit to %(unit)s "
                        "(level: %(level)s) may last %(limit)s days at most."
                    )
                    % {"days": days, "unit": n.unit(unit), "level": level, "limit": limit}
                ),
            )
        )


def recently_inspected(
    candidates: Sequence[Candidate], found: list[list[Any]], names: Names
) -> None:
    years: int = settings.REINSPECTION_YEARS
    if years <= 0:
        return
    rows = [
        (index, c.host_unit_id, c.outline_code, c.start, years_before(c.start, years), c.visit_id)
        for index, c in enumerate(candidates)
        if c.outline_code
    ]
    if not rows:
        return
    # The latest earlier visit per candidate is enough: it is "the last" one.
    stored = query(
        [
            ("idx", "int"),
            ("unit", "bigint"),
            ("code", "text"),
            *WINDOW_COLUMNS[:1],
            ("since", "timestamptz"),
            WINDOW_COLUMNS[2],
        ],
        rows,
        f"""SELECT c.idx, c.unit, v.id, v.title, v.code, v.window_end, c.code
        FROM c JOIN checklists_visit v ON v.host_unit_id = c.unit
        JOIN checklists_outline o ON o.id = v.outline_id AND o.code = c.code
        WHERE {ACTIVE} AND v.window_end <= c.lo AND v.window_end > c.since
        ORDER BY c.idx, v.window_end DESC, v.id DESC""",
    )
    latest: dict[int, tuple[int, tuple[int, ...], dt.datetime, str, str]] = {}
    for index, unit, visit_id, title, code, end, outline in stored:
        if index not in latest:
            latest[index] = (unit, (visit_id,), aware(end), visit_name(title, code), outline)
    # Among the candidates: an earlier one under the same outline at the same unit.
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for index, c in enumerate(candidates):
        if c.outline_code:
            groups[(c.host_unit_id, c.outline_code)].append(index)
    for indexes in groups.values():
        for index in indexes:
            c = candidates[index]
            since = years_before(c.start, years)
            earlier = [i for i in indexes if since < candidates[i].end <= c.start]
            if not earlier:
                continue
            other = max(earlier, key=lambda i: candidates[i].end)
            o = candidates[other]
            if index not in latest or latest[index][2] < o.end:
                visits: tuple[int, ...] = (o.visit_id,) if o.visit_id else ()
                latest[index] = (
                    c.host_unit_id,
                    visits,
                    o.end,
                    label_of(candidates, other),
                    c.outline_code,
                )
    for index, (unit, visits, end, visit, outline) in latest.items():
        names.unit_ids.add(unit)
        day = timezone.localdate(end - dt.timedelta(microseconds=1))
        found[index].append(
            Pending(
                kind=RECENTLY_INSPECTED,
                candidate=index,
                visits=visits,
                units=(unit,),
                dates=(day,),
                wording=lambda n, unit=unit, visit=visit, outline=outline, day=day: (
                    ngettext(
                        "%(unit)s was inspected under outline %(outline)s until %(date)s (%(visit)s), "
                        "less than %(years)s year before.",
                        "%(unit)s was inspected under outline %(outline)s until %(date)s (%(visit)s), "
                        "less than %(years)s years before.",
                        years,
                    )
                    % {
                        "unit": n.unit(unit),
                        "outline": outline,
                        "date": day_text(day),
                        "visit": visit,
                        "years": years,
                    }
                ),
            )
        )
