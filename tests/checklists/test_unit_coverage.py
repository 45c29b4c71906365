"""Coverage of units (SPEC §13): last inspection, open and late recommendations,
due again; coordinators only, their subtree only
(checklists.selectors.unit_coverage)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from checklists.errors import Invalid, NotFound
from checklists.models import Unit
from checklists.selectors.unit_coverage import (
    CoverageRows,
    coverage_entries,
    coverage_slice,
    coverage_units,
    unit_coverage_scope,
)
from checklists.services.visits import SessionInput, visit_create, visit_transition
from tests import factories
from tests.checklists.test_statements import loaded
from tests.conclusion_world import issue, rec
from tests.conftest import ROLES, local
from tests.coverage_world import grow_inspected_units

# The world's visits had their one session on 13 May 2024: two years before this.
NOW = local(2026, 6, 1, 12)


def entries(user, **kwargs):
    scope = unit_coverage_scope(user, now=NOW, **kwargs)
    units = list(coverage_units(scope))
    if scope.root is not None:
        # The page's compiled read of a subtree: the same units with the same figures.
        assert [loaded(u) for u in coverage_slice(scope, 0, 500)] == [loaded(u) for u in units]
    return {entry.unit.code: entry for entry in coverage_entries(scope, units)}


def visit_at(world, unit, start: dt.datetime, *, hours: int = 3, days: int = 1):
    sessions = [
        SessionInput(
            start=start + dt.timedelta(days=d), end=start + dt.timedelta(days=d, hours=hours)
        )
        for d in range(days)
    ]
    return visit_create(
        actor=None,
        outline=world.outline,
        host_unit=unit,
        title="Kiểm tra",
        sessions=sessions,
        override=True,  # overlapping windows at one unit are a clash, planned over here
    )


def test_it_lists_the_coordinators_subtree_in_tree_order(world):
    found = entries(world.people.coordinator_in)
    assert list(found) == ["quang-ninh", "ha-long"]


def test_it_lists_every_unit_for_a_coordinator_of_everything(world):
    found = entries(world.people.coordinator_all)
    assert list(found) == ["central", "quang-ninh", "ha-long", "vinh-phuc"]


def test_it_narrows_to_a_unit_within_the_scope(world):
    found = entries(world.people.coordinator_in, within=world.district.pk)
    assert list(found) == ["ha-long"]


@pytest.mark.parametrize("within", ["province_out", "central"])
def test_it_hides_a_unit_outside_the_scope(world, within):
    with pytest.raises(NotFound):
        entries(world.people.coordinator_in, within=getattr(world, within).pk)


def test_it_hides_a_unit_that_does_not_exist(world):
    with pytest.raises(NotFound):
        entries(world.people.coordinator_all, within=987654321)


@pytest.mark.parametrize("role", [r for r in ROLES if not r.startswith("coordinator")])
def test_it_does_not_exist_for_anyone_but_coordinators(world, role):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        unit_coverage_scope(getattr(world.people, role) or AnonymousUser())


def test_it_does_not_exist_for_an_inactive_coordinator(world):
    world.people.coordinator_in.is_active = False
    with pytest.raises(NotFound):
        unit_coverage_scope(world.people.coordinator_in)


def test_it_refuses_a_period_under_one_year(world):
    with pytest.raises(Invalid) as refused:
        unit_coverage_scope(world.people.coordinator_in, years=0)
    assert "years" in refused.value.error_dict


def test_it_says_never_inspected_and_due_again(world):
    entry = entries(world.people.coordinator_in)["quang-ninh"]
    assert entry.never_inspected
    assert (entry.last_inspection, entry.last_visit, entry.outline) == (None, None, None)
    assert entry.due_again


def test_it_gives_the_last_inspection_two_years_ago(world):
    entry = entries(world.people.coordinator_in, years=5)["ha-long"]
    assert entry.last_inspection == dt.date(2024, 5, 13)
    assert entry.last_visit == world.visit.pk
    assert entry.outline == "KH-10"
    assert not entry.due_again


@pytest.mark.parametrize(("years", "due"), [(1, True), (2, True), (3, False), (5, False)])
def test_it_is_due_again_once_the_period_has_passed(world, years, due):
    assert entries(world.people.coordinator_in, years=years)["ha-long"].due_again is due


def test_it_takes_the_period_from_the_settings_by_default(world, settings):
    settings.REINSPECTION_YEARS = 1
    assert entries(world.people.coordinator_in)["ha-long"].due_again
    settings.REINSPECTION_YEARS = 3
    assert not entries(world.people.coordinator_in)["ha-long"].due_again


def test_it_ignores_cancelled_visits(world):
    later = visit_at(world, world.district, local(2025, 3, 3, 8))
    visit_transition(actor=None, visit=later, to="cancelled")
    cancelled_only = visit_at(world, world.province_in, local(2025, 3, 10, 8))
    visit_transition(actor=None, visit=cancelled_only, to="cancelled")
    found = entries(world.people.coordinator_in)
    assert found["ha-long"].last_visit == world.visit.pk
    assert found["quang-ninh"].never_inspected


def test_it_does_not_count_a_visit_whose_sessions_are_not_over(world):
    visit_at(world, world.district, NOW - dt.timedelta(hours=1), hours=3)
    visit_at(world, world.province_in, NOW + dt.timedelta(days=30))
    found = entries(world.people.coordinator_in)
    assert found["ha-long"].last_visit == world.visit.pk
    assert found["quang-ninh"].never_inspected


def test_it_takes_the_visit_whose_last_session_ended_last(world):
    # Created first, but its sessions run three days and end after the other's.
    long = visit_at(world, world.province_in, local(2025, 9, 1, 8), days=3)
    visit_at(world, world.province_in, local(2025, 9, 2, 8))
    entry = entries(world.people.coordinator_in)["quang-ninh"]
    assert (entry.last_visit, entry.last_inspection) == (long.pk, dt.date(2025, 9, 3))


def test_it_gives_the_day_in_vietnam_time(world):
    # 05:00 to 06:30 on 2 March in Hanoi ends at 23:30 UTC on 1 March.
    early = visit_at(world, world.province_in, local(2025, 3, 2, 5), hours=1)
    # 22:00 to midnight ends on the 2nd: the window is half-open.
    evening = visit_at(world, world.province_out, local(2025, 3, 2, 22), hours=2)
    found = entries(world.people.coordinator_all)
    assert (found["quang-ninh"].last_visit, found["quang-ninh"].last_inspection) == (
        early.pk,
        dt.date(2025, 3, 2),
    )
    assert (found["vinh-phuc"].last_visit, found["vinh-phuc"].last_inspection) == (
        evening.pk,
        dt.date(2025, 3, 2),
    )


def test_it_counts_the_open_and_late_recommendations_addressed_to_each_unit(world):
    grassroots = factories.UnitFactory(
        parent=world.district, kind=Unit.Kind.GRASSROOTS, code="chi-bo-1"
    )
    recommendations = issue(
        world.visit,
        rec(world.district, "Muộn", due_date=dt.date(2025, 1, 31)),
        rec(world.district, "Chưa đến hạn", due_date=dt.date(2030, 6, 30)),
        rec(world.district, "Sẽ huỷ", due_date=dt.date(2025, 1, 31)),
        rec(grassroots, "Của chi bộ", due_date=dt.date(2025, 2, 28)),
        issued_on=dt.date(2024, 6, 3),
    )
    from checklists.services.recommendations import recommendation_cancel

    recommendation_cancel(actor=None, recommendation=recommendations[2], cancel_reason="Không còn")
    found = entries(world.people.coordinator_in)
    counts = {code: (e.open_recommendations, e.late_recommendations) for code, e in found.items()}
    # Counted at the addressee only: the host district's count leaves out its
    # grassroots unit's, and the province above them counts none.
    assert counts == {"quang-ninh": (0, 0), "ha-long": (2, 1), "chi-bo-1": (1, 1)}


def test_it_filters_the_units_due_again_in_the_query(world):
    scope = unit_coverage_scope(world.people.coordinator_all, years=5, now=NOW)
    due = [u.code for u in coverage_units(scope, due_again=True)]
    not_due = [u.code for u in coverage_units(scope, due_again=False)]
    assert due == ["central", "quang-ninh"]
    assert not_due == ["ha-long", "vinh-phuc"]
    # The filter and the entries agree.
    for entry in coverage_entries(scope, list(coverage_units(scope))):
        assert entry.due_again is (entry.unit.code in due)


def test_the_compiled_reads_count_and_slice_the_querysets_rows(world):
    grow_inspected_units(world, 4)
    for person, within in (
        (world.people.coordinator_all, None),
        (world.people.coordinator_all, world.district.pk),
        (world.people.coordinator_in, None),
        (world.people.coordinator_out, None),
    ):
        for due_again, years in itertools.product((None, True, False), (1, 5)):
            scope = unit_coverage_scope(person, within=within, years=years, now=NOW)
            units = list(coverage_units(scope, due_again=due_again))
            rows = CoverageRows(scope, due_again)
            assert rows.count() == len(rows) == len(units)
            for start, stop in ((0, 50), (1, 3), (len(units), len(units) + 5)):
                assert [loaded(u) for u in rows[start:stop]] == [
                    loaded(u) for u in units[start:stop]
                ], (person, within, due_again, years, start)
            if units:
                assert loaded(rows[0]) == loaded(units[0])
