"""The scale seed's bulk path for visits: the rows `visit_create` writes, for
thousands of visits at once.

Creating 10,000 visits one by one through `checklists.services.visits.visit_create`
would take hours (a save, an audit event and five bulk inserts each), so the seed
writes the same rows with COPY instead. What "the same rows" means is pinned by
tests/bench/test_seed_scale.py: for the same input, `load_visits` with the
default `AS_CREATED` progress writes exactly the sessions, team, milestones (dated
from day 0 by the same working-day calendar) and checklist items that
`visit_create` writes. The seed then passes a `Progress` that adds what happened
since (deadlines met or moved by hand, answered items, a visit's own items), so the
benchmarks query realistic data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from django.utils import timezone

from bench.seed_data import (
    ITEM_COLUMNS,
    MILESTONE_COLUMNS,
    SESSION_COLUMNS,
    TEAM_COLUMNS,
    VISIT_COLUMNS,
)
from bench.seed_loader import Loader
from checklists.models import (
    ChecklistItem,
    Milestone,
    Outline,
    OutlineItem,
    OutlineMilestone,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.services.visits import visit_day_zero
from checklists.workdays import Dated, WorkCalendar

# An item's columns from `origin` to `answer_type` (ITEM_COLUMNS[2:13]): what
# visit_create copies from the outline, or a visit's own item.
ItemPart = tuple[Any, ...]


@dataclass(frozen=True)
class NewSession:
    start: dt.datetime
    end: dt.datetime
    location: str = ""


@dataclass
class NewVisit:
    """What visit_create is given, plus the id, state and dates of a seeded row."""

    id: int
    outline_id: int
    host_unit_id: int
    title: str
    sessions: Sequence[NewSession]
    team: Sequence[tuple[int, str]] = ()  # (user id, role), as TeamInput
    decision_ref: str = ""
    code: str = ""
    status: str = Visit.Status.PLANNED
    created_by_id: int | None = None
    created_at: dt.datetime = field(default_factory=timezone.now)
    # None: visit_create's rule (checklists.services.visits.visit_issuer), applied
    # by load_visits.
    issuer_id: int | None = None

    @cached_property  # read once per milestone and item: computed once per visit
    def day_zero(self) -> dt.date:
        # The service's own rule: the local date of the first working session.
        return visit_day_zero(self.sessions)  # type: ignore[arg-type]


def _issuers(visits: Sequence[NewVisit]) -> dict[int, int]:
    """Each visit's issuer by visit_create's rule (visit_issuer): the creating
    coordinator's scope, else the host unit's parent, else the host unit; read in
    two queries for all the visits."""
    parents = dict(
        Unit.objects.filter(pk__in={v.host_unit_id for v in visits}).values_list("pk", "parent_id")
    )
    scopes = dict(
        User.objects.filter(
            pk__in={v.created_by_id for v in visits if v.created_by_id}, is_coordinator=True
        ).values_list("pk", "coordinator_scope_id")
    )
    return {
        v.id: v.issuer_id
        or scopes.get(v.created_by_id or 0)
        or parents.get(v.host_unit_id)
        or v.host_unit_id
        for v in visits
    }


class Progress(Protocol):
    """What happened to a visit after its creation; the seed's is random."""

    def milestone(
        self, visit: NewVisit, template: OutlineMilestone, due: dt.date
    ) -> tuple[dt.date, bool, dt.datetime | None, int | None, int]:
        """(due_date, dated_by_hand, done_at, done_by_id, sequence)."""
        ...

    def item(self, visit: NewVisit, part: ItemPart) -> tuple[Any, str, int | None, Any, str, str]:
        """(answer, status, assignee_id, due_date, finding, internal_note)."""
        ...

    def extra_items(self, visit: NewVisit) -> Sequence[ItemPart]:
        """The visit's own items, added after its creation."""
        ...


class AsCreated:
    """No progress: the rows exactly as visit_create leaves them."""

    def milestone(
        self, visit: NewVisit, template: OutlineMilestone, due: dt.date
    ) -> tuple[dt.date, bool, dt.datetime | None, int | None, int]:
        return due, False, None, None, 0

    def item(self, visit: NewVisit, part: ItemPart) -> tuple[Any, str, int | None, Any, str, str]:
        return None, ChecklistItem.Status.OPEN, None, None, "", ""

    def extra_items(self, visit: NewVisit) -> Sequence[ItemPart]:
        return ()


AS_CREATED = AsCreated()


def outline_item_parts(outline: Outline) -> list[ItemPart]:
    """The outline's items as visit_create copies them into a checklist, in order."""
    templates = (
        OutlineItem.objects.filter(section__outline=outline)
        .select_related("section")
        .order_by("section__position", "position")
    )
    return [
        (ChecklistItem.Origin.OUTLINE, t.id, t.section.number, t.section.title,
         t.section.title_en, t.section.position, t.number, t.position, t.text, t.text_en,
         t.answer_type)
        for t in templates
    ]  # fmt: skip


def load_visits(
    loader: Loader,
    visits: Sequence[NewVisit],
    *,
    outline: Outline,
    calendar: WorkCalendar,
    progress: Progress = AS_CREATED,
    now: dt.datetime | None = None,
) -> None:
    """Write the visits with their sessions, team, milestones and checklist items.

    Ids are the caller's (visits) or taken after the tables' current maximum; reset
    the sequences afterwards (bench.seed_scale does)."""
    now = now or timezone.now()
    milestone_templates = list(outline.milestones.all())
    item_parts = outline_item_parts(outline)

    issuers = _issuers(visits)

    def visit_rows() -> Iterator[tuple]:
        for v in visits:
            # The window the clash check reads (visit_window_refresh's rule).
            window = (min(s.start for s in v.sessions), max(s.end for s in v.sessions))
            yield (v.id, v.code, v.title, v.outline_id, v.host_unit_id, issuers[v.id], v.status,
                   v.decision_ref, v.created_by_id, v.created_at, now, 1, *window)  # fmt: skip

    def session_rows(next_id: int) -> Iterator[tuple]:
        for v in visits:
            for s in v.sessions:
                yield (next_id, v.id, s.start, s.end, s.location, 0, v.created_at)
                next_id += 1

    def team_rows(next_id: int) -> Iterator[tuple]:
        for v in visits:
            for user_id, role in v.team:
                yield (next_id, v.id, user_id, role)
                next_id += 1

    # Visits share day zeros (about 1,100 distinct days among 10,000), and
    # working-day offsets walk the calendar day by day: date each template once.
    dates: dict[dt.date, list[Dated]] = {}

    def due_dates(day_zero: dt.date) -> list[Dated]:
        if day_zero not in dates:
            dates[day_zero] = [
                calendar.dated(day_zero, offset_days=t.offset_days,
                               offset_working_days=t.offset_working_days)
                for t in milestone_templates
            ]  # fmt: skip
        return dates[day_zero]

    def milestone_rows(next_id: int) -> Iterator[tuple]:
        for v in visits:
            for t, planned in zip(milestone_templates, due_dates(v.day_zero), strict=True):
                due, by_hand, done_at, done_by, sequence = progress.milestone(v, t, planned.date)
                rolled_from = None if by_hand else planned.rolled_from
                yield (next_id, v.id, t.id, t.key, t.title, t.title_en, due, rolled_from,
                       t.responsible, t.offset_days, t.offset_working_days, by_hand, done_at,
                       done_by, sequence, done_at or v.created_at)  # fmt: skip
                next_id += 1

    def item_rows(next_id: int) -> Iterator[tuple]:
        for v in visits:
            for part in [*item_parts, *progress.extra_items(v)]:
                yield (next_id, v.id, *part, *progress.item(v, part), v.created_at, 1)
                next_id += 1

    # The next ids are read before each load, never inside a row generator: the
    # generators run while COPY holds the connection, which takes no other query.
    loader.load("visits", Visit, VISIT_COLUMNS, visit_rows())
    sessions = session_rows(loader.next_id(WorkingSession))
    loader.load("sessions", WorkingSession, SESSION_COLUMNS, sessions)
    loader.load("team", TeamMembership, TEAM_COLUMNS, team_rows(loader.next_id(TeamMembership)))
    milestones = milestone_rows(loader.next_id(Milestone))
    loader.load("milestones", Milestone, MILESTONE_COLUMNS, milestones)
    items = item_rows(loader.next_id(ChecklistItem))
    loader.load("checklist items", ChecklistItem, ITEM_COLUMNS, items)
