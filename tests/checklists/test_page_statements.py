"""The overview's and my deadlines' compiled statements (checklists.selectors.overview
and .deadlines) read what their querysets read, for every kind of person, filter,
order and page: the statements are compiled once per shape and reused with the
next person's values, which must never carry the last one's rows."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Count
from django.utils import timezone

from checklists.models import Milestone, Visit
from checklists.selectors import (
    milestone_state_q,
    milestones_open_for,
    milestones_open_of,
    visits_by_earliest_deadline,
)
from checklists.selectors.deadlines import deadline_page, deadline_totals
from checklists.selectors.overview import (
    RUNNING,
    SORTS,
    OverviewFilters,
    overview_page,
    overview_visits,
)
from checklists.selectors.visits import visible_visit_of, visible_visits
from tests.checklists.test_statements import loaded
from tests.checklists.test_unit_coverage import visit_at
from tests.conftest import local

pytestmark = pytest.mark.django_db

PEOPLE = ("coordinator_all", "coordinator_in", "coordinator_out", "lead", "member", "host_in")


@pytest.fixture
def busy(world):
    """A second visit in the province and one elsewhere, with deadlines of every state."""
    today = timezone.localdate()
    for unit in (world.district, world.province_out):
        visit = visit_at(world, unit, local(2026, 3, 2, 8))
        for days in (-9, -1, 0, 2, 40):
            Milestone.objects.create(
                visit=visit,
                key=f"d{days}",
                title=f"d{days}",
                due_date=today + dt.timedelta(days=days),
            )
    Visit.objects.filter(pk=world.other_visit.pk).update(status=Visit.Status.CLOSED)
    return world


def test_the_overview_page_is_its_queryset_cut(busy):
    today = timezone.localdate()
    filters = [
        OverviewFilters(),
        OverviewFilters(overdue=True),
        OverviewFilters(status=RUNNING, sort="code"),
        OverviewFilters(status=Visit.Status.CLOSED, text="kt"),
        OverviewFilters(unit_path=busy.district.path, session_from=dt.date(2020, 1, 1)),
        OverviewFilters(session_to=dt.date(2020, 1, 1), sort="title"),
        *(OverviewFilters(sort=sort) for sort in SORTS),
    ]
    for name, chosen, (start, size) in itertools.product(PEOPLE, filters, ((0, 2), (1, 50))):
        person = getattr(busy.people, name)
        everything = list(overview_visits(person, chosen, today))
        rows, total = overview_page(person, chosen, today, start, size)
        assert total == (len(everything) if rows else None)
        for row in rows:
            del row.total_rows  # the page's own, beside its queryset's columns
        expected = [loaded(v) for v in everything[start : start + size]]
        assert [loaded(v) for v in rows] == expected, (name, chosen, start)


def test_my_deadlines_are_counted_and_paged_as_their_querysets(busy):
    today = timezone.localdate()
    for name, mine, until in itertools.product(PEOPLE, (False, True), (None, today)):
        person = getattr(busy.people, name)
        milestones = milestones_open_for(person, mine=mine, until=until)
        expected = milestones.aggregate(
            overdue=Count("pk", filter=milestone_state_q([Milestone.State.OVERDUE], today)),
            due_soon=Count("pk", filter=milestone_state_q([Milestone.State.DUE_SOON], today)),
            visits=Count("visit_id", distinct=True),
        )
        totals = deadline_totals(person, mine=mine, until=until, today=today)
        assert vars(totals) == expected, (name, mine, until)
        for start in (0, 1):
            visits = visits_by_earliest_deadline(milestones)[start : start + 1].values("visit_id")
            page = milestones_open_of(visits, until=until).order_by("due_date", "id")
            found = deadline_page(person, mine=mine, until=until, start=start, size=1)
            assert [m.pk for m in found] == [m.pk for m in page], (name, mine, until, start)
            assert all(m.visit.host_unit.name for m in found)


def test_a_visible_visit_is_read_as_its_queryset_reads_it(busy):
    visits = [*Visit.objects.values_list("pk", flat=True), 10**9, 2**70]
    for name, pk in itertools.product((*PEOPLE, "deputy", "host_out"), visits):
        person = getattr(busy.people, name)
        expected = visible_visits(person).select_related("outline").filter(pk=pk).first()
        found = visible_visit_of(person, pk)
        assert loaded(found) == loaded(expected), (name, pk)
        if found is not None:
            assert loaded(found.outline) == loaded(expected.outline)
            assert found.my_team_role == expected.my_team_role
