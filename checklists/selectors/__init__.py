"""Reads of the domain: who sees what, and the query shapes that go with it.

New reads go in a module of their concept (`checklists/selectors/<concept>.py`);
this package module keeps the scope rules every concept shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from checklists.models import (
    ChecklistItem,
    Milestone,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.statements import KeyedStatement

SETTLED = (ChecklistItem.Status.DONE, ChecklistItem.Status.NOT_APPLICABLE)


def _scope_prefix(user: User) -> str | None:
    """The path of a scoped coordinator's subtree (its units' prefix); None for
    anyone else, a coordinator of everything included."""
    scope = user.coordinator_scope if user.is_coordinator else None
    return scope.path if scope is not None else None


def units_in_scope(user: User) -> QuerySet[Unit]:
    """The units a coordinator is responsible for (none for anyone else)."""
    if user.coordinates_everything:
        return Unit.objects.all()
    if (prefix := _scope_prefix(user)) is not None:
        return Unit.objects.filter(path__startswith=prefix)
    return Unit.objects.none()


# What a person's sight of the visits depends on (visits_visible_to), as a shape
# and values: a compiled statement's SQL changes with the first only
# (checklists.statements.Statements); the second are its parameters.
SEES_NOTHING, SEES_EVERYTHING, SEES_SOME = "nothing", "everything", "some"


@dataclass(frozen=True)
class Sight:
    """`kind` is one of SEES_*; for SEES_SOME, the person (their teams), their
    scope's path if they coordinate one, and their host unit if they have one."""

    kind: str
    user: int | None = None
    prefix: str | None = None
    host_unit: int | None = None

    @property
    def values(self) -> dict[str, Any]:
        return {"user": self.user, "prefix": self.prefix, "host_unit": self.host_unit}


def sight_of(user: User) -> Sight:
    """The visits a person may see (SPEC §4), as visits_seen reads it."""
    if not user.is_authenticated or not user.is_active:
        return Sight(SEES_NOTHING)
    if user.coordinates_everything:
        return Sight(SEES_EVERYTHING)
    return Sight(SEES_SOME, user.pk, _scope_prefix(user), user.host_unit_id)


def _visible_ids(user: int, prefix: str | None, host_unit: int | None) -> QuerySet[Any, Any]:
    parts: list[QuerySet[Any, Any]] = [
        TeamMembership.objects.filter(user_id=user).order_by().values("visit_id")
    ]
    if prefix is not None:
        parts.append(
            Visit.objects.filter(host_unit__path__startswith=prefix).order_by().values("pk")
        )
    if host_unit is not None:
        parts.append(Visit.objects.filter(host_unit_id=host_unit).order_by().values("pk"))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def visible_visit_ids(user: User) -> QuerySet[Any, Any]:
    """The ids of the visits a person sees who is not a coordinator of everything
    (visits_visible_to's rule), as one `UNION` of index lookups to use in
    `…__in=`: the team's user index, the unit path's pattern index, the host
    unit's index. Not an OR of `IN (subquery)` conditions: PostgreSQL cannot
    estimate that OR and guessed thousands of visible visits where a province
    has a few hundred, which picked hash joins over every visit and
    recommendation (bench, pages and recommendations: 20–60 ms a statement, 3 ms
    as a UNION)."""
    return _visible_ids(user.pk, _scope_prefix(user), user.host_unit_id)


def visits_seen(
    kind: str, *, user: int | None = None, prefix: str | None = None, host_unit: int | None = None
) -> QuerySet[Visit]:
    """The visits of a Sight (its kind and values): the rule of visits_visible_to."""
    if kind == SEES_EVERYTHING:
        return Visit.objects.all()
    if kind != SEES_SOME or user is None:
        return Visit.objects.none()
    # No join, so a visit never comes back twice.
    return Visit.objects.filter(pk__in=_visible_ids(user, prefix, host_unit))


def visits_visible_to(user: User) -> QuerySet[Visit]:
    """Every visit the person may see (SPEC §4): a coordinator's subtree, the
    visits whose team they are on, and, for a host contact, their own unit's."""
    sight = sight_of(user)
    return visits_seen(sight.kind, **sight.values)


def visits_coordinated_by(user: User) -> QuerySet[Visit]:
    """Visits the person coordinates (manages outlines, teams and visits for)."""
    if user.coordinates_everything:
        return Visit.objects.all()
    if (prefix := _scope_prefix(user)) is not None:
        return Visit.objects.filter(
            host_unit_id__in=Unit.objects.filter(path__startswith=prefix).values("pk")
        )
    return Visit.objects.none()


def visits_with_progress(queryset: QuerySet[Visit]) -> QuerySet[Visit]:
    """Annotate items_total and items_settled for the progress figure.

    Correlated subqueries rather than a join + COUNT(DISTINCT): PostgreSQL then
    counts items only for the rows it returns (a page of 50), instead of joining
    every visible visit's items before the LIMIT.
    """
    items = ChecklistItem.objects.filter(visit=OuterRef("pk")).order_by().values("visit")
    return queryset.annotate(
        items_total=Subquery(items.annotate(n=Count("pk")).values("n")),
        items_settled=Subquery(
            items.filter(status__in=SETTLED).annotate(n=Count("pk")).values("n")
        ),
    )


def with_progress_of(visits: list[Visit]) -> list[Visit]:
    """The same annotations as visits_with_progress on rows already fetched (a
    page): one grouped query over their items. For a page whose statement must
    compute every visible row anyway (a total by window), where subqueries in it
    would count the items of every visit, not of the page's."""
    counts = {
        row["visit"]: row
        for row in ChecklistItem.objects.filter(visit__in=[v.pk for v in visits])
        .order_by()
        .values("visit")
        .annotate(total=Count("pk"), settled=Count("pk", filter=Q(status__in=SETTLED)))
    }
    for visit in visits:
        row = counts.get(visit.pk)
        visit.items_total = row["total"] if row else None  # type: ignore[attr-defined]
        visit.items_settled = row["settled"] if row else None  # type: ignore[attr-defined]
    return visits


def visit_progress(visit: Visit) -> float:
    """(done + not applicable) / all, from 0 to 1; a visit with no items is at 0."""
    if hasattr(visit, "items_total"):
        # Annotated by visits_with_progress.
        total = getattr(visit, "items_total", 0) or 0
        settled = getattr(visit, "items_settled", 0) or 0
    else:
        counts = visit.checklist.aggregate(
            total=Count("id"), settled=Count("id", filter=Q(status__in=SETTLED))
        )
        total, settled = counts["total"], counts["settled"]
    return round(settled / total, 4) if total else 0.0


def with_team_role(queryset: QuerySet[Visit], user: User) -> QuerySet[Visit]:
    """Annotate `my_team_role`, the person's role in each visit's team (or None), so
    that permission checks need no query of their own."""
    return with_team_role_of(queryset, user.pk)


def with_team_role_of(queryset: QuerySet[Visit], user: int) -> QuerySet[Visit]:
    """with_team_role from the person's id (a compiled statement's value)."""
    return queryset.annotate(
        my_team_role=Subquery(
            TeamMembership.objects.filter(visit=OuterRef("pk"), user_id=user).values("role")[:1]
        )
    )


def units_visible_to(user: User) -> QuerySet[Unit]:
    """Units a person may see: a coordinator's subtree, their own host unit, and
    the host units of the visits they see."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.coordinates_everything:
        return Unit.objects.all()
    visible = Q(pk__in=visits_visible_to(user).values("host_unit_id"))
    if user.host_unit_id is not None:
        visible |= Q(pk=user.host_unit_id)
    if (prefix := _scope_prefix(user)) is not None:
        visible |= Q(path__startswith=prefix)
    return Unit.objects.filter(visible)


def users_visible_to(user: User) -> QuerySet[User]:
    """People a person may see, in the API and in the admin alike.

    - A coordinator of everything (or a superuser) sees everyone.
    - A scoped coordinator sees themselves and the people their subtree answers
      for: those attached to one of its units (host contacts, coordinators within
      it) and the members of the teams of its visits. Not, though, anyone who
      answers to someone else: a superuser, a person attached to a unit outside
      the subtree, or a coordinator whose scope is wider than it or lies elsewhere.
      Of those they see, they change only the people attached to their subtree's
      units (checklists.policies.manages_person), never a team member of no unit.
    - Anyone else sees only themselves.

    The admin's people list adds to this, for a scoped coordinator, everyone who
    belongs to no unit and holds no role, so that they can be found and put on
    a team (checklists.admin.people.PersonAdmin.get_queryset).
    """
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    if user.coordinates_everything:
        return User.objects.all()
    visible = Q(pk=user.pk)
    if (prefix := _scope_prefix(user)) is not None:
        attached_here = (
            Q(host_unit__path__startswith=prefix)
            | Q(coordinator_scope__path__startswith=prefix)
            | Q(
                pk__in=TeamMembership.objects.filter(
                    visit__host_unit__path__startswith=prefix
                ).values("user_id")
            )
        )
        # Positive conditions rather than negations: ~Q over a nullable join is
        # easy to get wrong for the people with no unit.
        answers_to_no_one_else = (
            Q(is_superuser=False)
            & (Q(host_unit__isnull=True) | Q(host_unit__path__startswith=prefix))
            & (
                Q(is_coordinator=False, coordinator_scope__isnull=True)
                | Q(coordinator_scope__path__startswith=prefix)
            )
        )
        visible |= attached_here & answers_to_no_one_else
    return User.objects.filter(visible)


def involvement_q(user: User, *, visit_field: str = "") -> Q:
    """ "Visits I am on the team of or host" as a filter: on Visit itself, or on rows
    that point at a visit through `visit_field` (e.g. "visit")."""
    return involvement(user.pk, user.host_unit_id, visit_field=visit_field)


def involvement(user: int, host_unit: int | None, *, visit_field: str = "") -> Q:
    """involvement_q from the person's id and host unit (a compiled statement's values)."""
    if visit_field:
        on_team, host = f"{visit_field}__in", f"{visit_field}__host_unit_id"
    else:
        on_team, host = "pk__in", "host_unit_id"
    condition = Q(**{on_team: TeamMembership.objects.filter(user_id=user).values("visit_id")})
    if host_unit is not None:
        condition |= Q(**{host: host_unit})
    return condition


def milestone_state_q(states: Iterable[str], today: dt.date, soon: dt.date | None = None) -> Q:
    """The milestone states of SPEC §3 as a filter (Milestone.state_condition, the
    rule next to Milestone.state_on)."""
    return Milestone.state_condition(states, today, soon)


# --- the web dashboard: my deadlines and the coordinator's overview ------------------

# A closed or cancelled visit's deadlines no longer need anyone (the reminder pass
# skips them too), so the dashboard neither lists nor counts them.
FINISHED_VISIT_STATUSES = Visit.FINISHED_STATUSES


def milestones_open_for(
    user: User, *, mine: bool = False, until: dt.date | None = None
) -> QuerySet[Milestone]:
    """Deadlines nobody has met yet, of the running visits the person sees.

    `mine` keeps those of visits they are on the team of or host (the API's
    `mine`), which for anyone but a coordinator is everything they see; `until`
    drops those due after that day (overdue ones are always kept)."""
    sight = sight_of(user)
    return open_milestones(
        sight.kind,
        mine,
        user=user.pk,
        prefix=sight.prefix,
        host_unit=user.host_unit_id,
        until=until,
    )


def open_milestones(
    sight: str,
    mine: bool,
    *,
    user: int | None,
    prefix: str | None,
    host_unit: int | None,
    until: dt.date | None,
) -> QuerySet[Milestone]:
    """milestones_open_for from the person's Sight kind and values (the person and
    their host unit are read for SEES_SOME and for `mine` only)."""
    running = visits_seen(sight, user=user, prefix=prefix, host_unit=host_unit).exclude(
        status__in=FINISHED_VISIT_STATUSES
    )
    milestones = Milestone.objects.filter(done_at__isnull=True, visit__in=running.values("pk"))
    if mine:
        assert user is not None
        milestones = milestones.filter(involvement(user, host_unit, visit_field="visit"))
    if until is not None:
        milestones = milestones.filter(due_date__lte=until)
    return milestones


def milestones_open_of(
    visit_ids: list[int] | QuerySet, *, until: dt.date | None = None
) -> QuerySet[Milestone]:
    """The open deadlines of visits already chosen from milestones_open_for's
    (a page of them, for the same `until`): every condition on the visit has
    been met, so this is one index lookup by visit instead of the whole
    visibility test again (make bench, pages: a third of "my deadlines"' SQL)."""
    milestones = Milestone.objects.filter(done_at__isnull=True, visit_id__in=visit_ids)
    if until is not None:
        milestones = milestones.filter(due_date__lte=until)
    return milestones


def visits_by_earliest_deadline(milestones: QuerySet[Milestone]) -> QuerySet:
    """(visit_id, first_due) per visit of these milestones, the most overdue first:
    one row per visit, so that a page of visits can be cut before any visit or
    milestone is loaded."""
    return (
        milestones.order_by()
        .values("visit_id")
        .annotate(first_due=Min("due_date"))
        .order_by("first_due", "visit_id")
    )


def with_first_session(queryset: QuerySet[Visit]) -> QuerySet[Visit]:
    """Annotate `first_session`, the start of the visit's earliest working session:
    the visit's `window_start`, which the session services keep in step
    (visit_window_refresh). The overview sorts every visit in scope by it, so a
    column beats a subquery per visit (10,000 of them for a coordinator of
    everything)."""
    return queryset.annotate(first_session=F("window_start"))


def visits_with_deadline_counts(
    queryset: QuerySet[Visit], today: dt.date, soon: dt.date | None = None
) -> QuerySet[Visit]:
    """Annotate `overdue_count` and `due_soon_count`: the visit's open deadlines in
    those states (milestone_state_q, the API's rules); 0 for a closed or cancelled
    visit. Correlated subqueries, like visits_with_progress, so only the rows of
    the page are counted; `overdue_count__gt=0` filters on it."""
    milestones = Milestone.objects.filter(visit=OuterRef("pk")).order_by().values("visit")

    def count(state: str):
        counted = milestones.filter(milestone_state_q([state], today, soon))
        return Case(
            When(status__in=FINISHED_VISIT_STATUSES, then=Value(0)),
            # count(*), not count(id): the open-deadline index answers it alone.
            default=Coalesce(Subquery(counted.annotate(n=Count("*")).values("n")), Value(0)),
            output_field=IntegerField(),
        )

    return queryset.annotate(
        overdue_count=count(Milestone.State.OVERDUE),
        due_soon_count=count(Milestone.State.DUE_SOON),
    )


# --- The web visit page (web.views.visit, web.views.reports) ---------------------------


@dataclass(frozen=True)
class ChecklistProgress:
    settled: int
    total: int

    @property
    def fraction(self) -> float:
        """The same figure as the API's `progress` (visit_progress)."""
        return round(self.settled / self.total, 4) if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.fraction * 100)

    @classmethod
    def of(cls, items: Iterable[Any]) -> ChecklistProgress:
        """Counted from items already fetched (all of one visit's), as
        visit_checklist_progress counts them in SQL: no query of its own."""
        statuses = [item.status for item in items]
        return cls(settled=sum(status in SETTLED for status in statuses), total=len(statuses))


def visit_checklist_progress(visit_id: int) -> ChecklistProgress:
    """(done + not applicable) and all items of one visit, in one query, counted by
    visits_with_progress like the API's progress figure."""
    row = (
        visits_with_progress(Visit.objects.filter(pk=visit_id))
        # Annotations of visits_with_progress, which the mypy plugin cannot see.
        .values("items_settled", "items_total")  # type: ignore[misc]
        .first()
    ) or {}
    return ChecklistProgress(
        settled=row.get("items_settled") or 0, total=row.get("items_total") or 0
    )


# What a row of the visit page's checklist shows of its item (web.views.checklist_rows).
CHECKLIST_ROW_FIELDS = (
    "id",
    "origin",
    "section_number",
    "section_title",
    "section_title_en",
    "section_position",
    "number",
    "text",
    "text_en",
    "answer_type",
    "answer",
    "status",
    "due_date",
    "finding",
    "row_version",
    "assignee_name",
    "note",
)


def visit_checklist_rows(visit_id: int, *, internal_notes: bool) -> QuerySet[Any]:
    """A visit's checklist in outline order as named tuples of CHECKLIST_ROW_FIELDS
    (one query): `assignee_name` as User.__str__ says it, `note` the internal note
    when asked for (who sees them: VisitAccess), else empty.

    Tuples, not model instances: a 300-item visit page spent more time building
    300 items and their assignees than PostgreSQL took to find them (issue 16)."""
    return (
        ChecklistItem.objects.filter(visit_id=visit_id)
        .annotate(
            assignee_name=Coalesce(NullIf("assignee__full_name", Value("")), "assignee__username"),
            note=F("internal_note") if internal_notes else Value(""),
        )
        .order_by("section_position", "position", "id")
        .values_list(*CHECKLIST_ROW_FIELDS, named=True)
    )


TEAM_ROLE_ORDER = (
    TeamMembership.Role.LEAD,
    TeamMembership.Role.DEPUTY,
    TeamMembership.Role.MEMBER,
    TeamMembership.Role.SECRETARY,
)


def visit_team(visit_id: int) -> QuerySet[TeamMembership]:
    """The team, lead first, then deputy, members and secretary (one query)."""
    rank = Case(
        *(When(role=role, then=Value(index)) for index, role in enumerate(TEAM_ROLE_ORDER)),
        default=Value(len(TEAM_ROLE_ORDER)),
        output_field=IntegerField(),
    )
    return (
        TeamMembership.objects.filter(visit_id=visit_id)
        .select_related("user")
        .order_by(rank, "user__full_name", "user__username")
    )


def unit_contacts(unit_id: int) -> QuerySet[User]:
    """A unit's active contact officers, who upload and answer for it."""
    return User.objects.filter(host_unit_id=unit_id, is_active=True).order_by(
        "full_name", "username"
    )


def visit_host_contacts(visit: Visit) -> QuerySet[User]:
    """The host unit's active contact officers."""
    return unit_contacts(visit.host_unit_id)


def visit_sessions(visit_id: int) -> QuerySet[WorkingSession]:
    return WorkingSession.objects.filter(visit_id=visit_id).order_by("start", "id")


def visit_milestones(visit_id: int) -> QuerySet[Milestone]:
    """The deadlines, the soonest first, with who met them."""
    return (
        Milestone.objects.filter(visit_id=visit_id)
        .select_related("done_by")
        .order_by("due_date", "id")
    )


# The visit page's reads by the visit's (or its unit's) id, compiled once per
# connection (checklists.statements): the page runs them on every view, and their
# SQL depends on the id alone. Who may read them was settled by finding the visit.
VISIT_TEAM: KeyedStatement[TeamMembership] = KeyedStatement(visit_team)
VISIT_SESSIONS: KeyedStatement[WorkingSession] = KeyedStatement(visit_sessions)
VISIT_MILESTONES: KeyedStatement[Milestone] = KeyedStatement(visit_milestones)
UNIT_CONTACTS: KeyedStatement[User] = KeyedStatement(unit_contacts)


def _checklist_rows(internal_notes: bool) -> KeyedStatement[Any]:
    return KeyedStatement(
        lambda visit_id: visit_checklist_rows(visit_id, internal_notes=internal_notes)
    )


# By whether the person sees the internal notes (VisitAccess.sees_internal_notes).
CHECKLIST_ROWS = {notes: _checklist_rows(notes) for notes in (True, False)}
