"""Coverage of units (SPEC §13): for a coordinator's subtree, every unit with its
last inspection, its open and late recommendations, and whether it is due again.
(Not checklists.coverage, which is a draft report's coverage of its outline.)

What the figures mean:

- An inspection is a visit that is not cancelled and whose working sessions are
  over (its window ended by now): a planned visit has not inspected anything yet.
  The last inspection is the one whose last session ended last (the highest id
  on a tie); `last_inspection` is that session's end as a day in Vietnam time.
  Any outline counts: coverage asks whether a unit was inspected at all, where the
  clash check's `recently_inspected` asks about one outline.
- `due_again`: never inspected, or the last inspection ended `years` or more
  before now. The same date arithmetic as `recently_inspected`
  (checklists.clashes.types.years_before): a unit the warning would flag for a
  visit starting now, under its last inspection's outline, is not due again, and
  the other way round.
- Open recommendations are the open and reported ones addressed to the unit
  itself, whichever visit made them: the addressee is who reports on one (SPEC
  §11), and counting each recommendation at one unit only lets a tree's counts
  add up. Late ones are those of them Recommendation.overdue_condition holds for.

One query whatever the number of units (coverage_units; coverage_entries reads
its rows): the units with their last visit and their recommendation counts, as
two correlated subqueries per unit (each a JSON object of its figures) served by
the visits' host-unit index and the recommendations' (addressee, state) index.
PostgreSQL runs them for the rows returned only (a page of the API); a second
round trip for the counts, or a subquery per figure, cost more than the counting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.conf import settings
from django.db.models import Count, Exists, JSONField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import JSONObject, Length, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists import policies
from checklists.clashes.types import years_before
from checklists.errors import Invalid, NotFound
from checklists.models import Recommendation, Unit, User, Visit
from checklists.policies import Person
from checklists.selectors import units_in_scope
from checklists.statements import Statements


@dataclass(frozen=True)
class CoverageScope:
    """Whose coverage, of which subtree, measured when: `root` is the subtree's top
    unit (None: every unit), `years` the re-inspection period, `now` the moment
    "last" and "due again" are judged at."""

    root: Unit | None
    years: int
    now: dt.datetime

    @property
    def cutoff(self) -> dt.datetime:
        """An inspection that ended at or before this is `years` old."""
        return years_before(self.now, self.years)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class CoverageEntry:
    """One unit's line (SPEC §5 "coverage entry"), with the unit for the page's tree."""

    unit: Unit
    last_inspection: dt.date | None
    last_visit: int | None
    outline: str | None
    open_recommendations: int
    late_recommendations: int
    due_again: bool

    @property
    def never_inspected(self) -> bool:
        return self.last_visit is None


def unit_coverage_scope(
    user: Person,
    *,
    within: int | None = None,
    years: int | None = None,
    now: dt.datetime | None = None,
) -> CoverageScope:
    """The coverage a person may read: coordinators only, of their own scope or of
    the unit `within` it. Anyone else, and a `within` outside the scope (or no
    unit at all), is refused with NotFound: coverage does not exist for them
    (SPEC §4). `years` defaults to settings.REINSPECTION_YEARS."""
    if not policies.is_coordinator(user) or not isinstance(user, User):
        raise NotFound(_("There is no coverage of units here."))
    if years is None:
        years = settings.REINSPECTION_YEARS
    elif years < 1:
        raise Invalid({"years": _("Give a whole number of years, 1 or more.")})
    if within is not None:
        root = units_in_scope(user).filter(pk=within).first()
        if root is None:
            raise NotFound(_("There is no such unit."))
    else:
        root = None if user.coordinates_everything else user.coordinator_scope
    return CoverageScope(root=root, years=years, now=now or timezone.now())


def _inspections(now: dt.datetime) -> QuerySet[Visit]:
    """The visits of an OuterRef unit that count as inspections by `now` (module
    docstring)."""
    return Visit.objects.filter(host_unit_id=OuterRef("pk"), window_end__lte=now).exclude(
        status=Visit.Status.CANCELLED
    )


def _subtree(scope: CoverageScope) -> QuerySet[Unit]:
    if scope.root is None:
        return Unit.objects.all()
    return Unit.objects.filter(path__startswith=scope.root.path)


def path_depth(path: str) -> int:
    """How far below a root of the tree a unit lies (0 for a root): its path
    "/1/5/9/" has two slashes more than that."""
    return path.count("/") - 2


def _with_depth(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """path_depth as the annotation `depth`, in SQL that SQLite speaks too."""
    slashes = Length("path") - Length(Replace("path", Value("/"), Value("")))
    return units.annotate(depth=slashes - 2)


def coverage_level_sizes(scope: CoverageScope) -> list[int]:
    """How many units the subtree has at each level, its top first: one query. A
    page showing a subtree of thousands (a coordinator of everything) stops at the
    level where they would become too many."""
    rows = (
        _with_depth(_subtree(scope))
        .order_by()
        # An annotation of _with_depth, which the mypy plugin cannot see.
        .values("depth")  # type: ignore[misc]
        .annotate(n=Count("pk"))
        .order_by("depth")
    )
    return [row["n"] for row in rows]


# The columns the entries (page, API, export) read of a unit.
ENTRY_UNIT_FIELDS = ("id", "name", "name_en", "code", "kind", "parent_id", "path")


def _last_inspection(now: dt.datetime) -> Subquery:
    """The unit's last inspection as {"id", "end", "outline"}: one lookup in the
    visits' host-unit index for the three (a subquery per value cost three)."""
    last = _inspections(now).order_by("-window_end", "-id")
    shape = JSONObject(id="pk", end="window_end", outline="outline__code")
    return Subquery(last.values(json=shape)[:1], output_field=JSONField())


def _recommendation_counts(today: dt.date) -> Subquery:
    """The unit's pending recommendations as {"open", "late"}, from the
    recommendations' (addressee, state) index; null when it has none."""
    pending = Recommendation.objects.filter(
        addressee_id=OuterRef("pk"), state__in=Recommendation.PENDING_STATES
    )
    late = Count("pk", filter=Recommendation.overdue_condition(today))
    counted = (
        pending.order_by()
        .values("addressee_id")
        .annotate(json=JSONObject(open=Count("pk"), late=late))
    )
    return Subquery(counted.values("json"), output_field=JSONField())


def _with_entries(units: QuerySet[Unit], now: dt.datetime, today: dt.date) -> QuerySet[Unit]:
    """The units (their entry's columns) with what coverage_entries reads, in tree order."""
    return (
        units.only(*ENTRY_UNIT_FIELDS)
        .annotate(
            last_inspection=_last_inspection(now),
            recommendation_counts=_recommendation_counts(today),
        )
        .order_by("path")
    )


def _units(
    shape: tuple[bool, bool | None],
    *,
    path: str | None = None,
    now: dt.datetime | None = None,
    cutoff: dt.datetime | None = None,
) -> QuerySet[Unit]:
    """The units of a subtree (shape: whether it has a root unit, whose `path` is
    given; and `due_again`, None for all), without their entries."""
    rooted, due_again = shape
    units = Unit.objects.all()
    if rooted:
        assert path is not None
        units = units.filter(path__startswith=path)
    if due_again is not None:
        # "Inspected within `years`" as EXISTS, so the filter runs before the page is
        # cut; the entries then say the same from the last visit's date.
        assert now is not None and cutoff is not None
        recent = Exists(_inspections(now).filter(window_end__gt=cutoff))
        units = units.filter(~recent if due_again else recent)
    return units


def _entries(
    shape: tuple[bool, bool | None],
    *,
    path: str | None = None,
    now: dt.datetime,
    today: dt.date,
    cutoff: dt.datetime | None = None,
) -> QuerySet[Unit]:
    return _with_entries(_units(shape, path=path, now=now, cutoff=cutoff), now, today)


def _shape_and_values(
    scope: CoverageScope, due_again: bool | None
) -> tuple[tuple[bool, bool | None], dict[str, Any]]:
    values = {
        "path": scope.root.path if scope.root is not None else None,
        "now": scope.now,
        "today": scope.today,
        "cutoff": scope.cutoff if due_again is not None else None,
    }
    return (scope.root is not None, due_again), values


def coverage_units(
    scope: CoverageScope, *, due_again: bool | None = None, levels: int | None = None
) -> QuerySet[Unit]:
    """The subtree's units in tree order (by path), each with `last_inspection`
    and `recommendation_counts` (coverage_entries reads them); one query.
    `due_again` keeps only the units due again (True) or not (False); `levels`,
    only the top `levels` levels of the subtree."""
    shape, values = _shape_and_values(scope, due_again)
    units = _entries(shape, **values)
    if levels is not None:
        top = path_depth(scope.root.path) if scope.root is not None else 0
        units = _with_depth(units).filter(depth__lt=top + levels)  # type: ignore[misc]
    return units


# coverage_units' rows, a slice at a time, and their number, compiled once per
# shape: building and compiling them took longer than running them (issue 16).
def _page(shape: tuple[Any, ...], **values: Any) -> QuerySet[Unit]:
    *query, start, size = shape
    return _entries(tuple(query), **values)[start : start + size]


def _count(shape: tuple[Any, ...], **values: Any) -> QuerySet[Any]:
    # One row, grouped by a constant that Django leaves out of GROUP BY.
    units = _units(shape, **values).order_by().values(one=Value(1))
    return units.annotate(n=Count("pk")).values_list("n", named=True)


PAGE: Statements[Unit] = Statements(
    _page, path=str, now=dt.datetime, today=dt.date, cutoff=dt.datetime
)
COUNT: Statements[Any] = Statements(_count, path=str, now=dt.datetime, cutoff=dt.datetime)


def coverage_slice(
    scope: CoverageScope, start: int, size: int, *, due_again: bool | None = None
) -> list[Unit]:
    """list(coverage_units(scope, due_again=due_again)[start:start + size])."""
    shape, values = _shape_and_values(scope, due_again)
    return list(PAGE.rows((*shape, start, size), **values))


def coverage_count(scope: CoverageScope, *, due_again: bool | None = None) -> int:
    """coverage_units(scope, due_again=due_again).count()."""
    shape, values = _shape_and_values(scope, due_again)
    del values["today"]
    if due_again is None:
        del values["now"]  # the count reads no inspection
    return COUNT.rows(shape, **values)[0].n


class CoverageRows(Sequence[Unit]):
    """coverage_units(scope, due_again) as Django's Paginator reads a list: its
    count() and slices, each one compiled statement (the API's plain pages)."""

    def __init__(self, scope: CoverageScope, due_again: bool | None = None) -> None:
        self.scope, self.due_again = scope, due_again
        self._count: int | None = None

    def count(self) -> int:  # type: ignore[override]
        if self._count is None:
            self._count = coverage_count(self.scope, due_again=self.due_again)
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Unit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Unit]: ...

    def __getitem__(self, index: int | slice) -> Unit | list[Unit]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, step = index.indices(self.count())
        if step != 1:
            raise ValueError("coverage rows are read in slices of one step")
        return coverage_slice(self.scope, start, max(stop - start, 0), due_again=self.due_again)


def _moment(text: str) -> dt.datetime:
    """A timestamp as JSON carries it: ISO 8601 with the offset on PostgreSQL
    (its session runs in UTC), without one on SQLite (stored in UTC)."""
    moment = dt.datetime.fromisoformat(text)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def coverage_entries(scope: CoverageScope, units: Sequence[Unit]) -> list[CoverageEntry]:
    """The entries of these units (rows of coverage_units, e.g. one page of them),
    in their order, from what that one query annotated."""
    cutoff = scope.cutoff
    entries = []
    for unit in units:
        last = getattr(unit, "last_inspection", None) or {}
        counts = getattr(unit, "recommendation_counts", None) or {}
        end = _moment(last["end"]) if last else None
        entries.append(
            CoverageEntry(
                unit=unit,
                # The window is half-open: a session ending at midnight ended the day before.
                last_inspection=timezone.localdate(end - dt.timedelta(microseconds=1))
                if end
                else None,
                last_visit=last.get("id"),
                outline=last.get("outline"),
                open_recommendations=counts.get("open", 0),
                late_recommendations=counts.get("late", 0),
                due_again=end is None or end <= cutoff,
            )
        )
    return entries


def coverage_within_choices(user: User) -> QuerySet[Unit]:
    """The units a coordinator may narrow their coverage to: those of their scope
    with units under them (a leaf's coverage is its own line), in tree order."""
    children = Unit.objects.filter(parent_id=OuterRef("pk"))
    return units_in_scope(user).filter(Exists(children)).only("id", "name", "path").order_by("path")


__all__ = [
    "CoverageEntry",
    "CoverageRows",
    "CoverageScope",
    "coverage_count",
    "coverage_entries",
    "coverage_level_sizes",
    "coverage_slice",
    "coverage_units",
    "coverage_within_choices",
    "path_depth",
    "unit_coverage_scope",
]
