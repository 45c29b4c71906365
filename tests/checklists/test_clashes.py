"""Clashes (SPEC §13): each kind and severity, the batch among its candidates, the
stored visits that take part (not cancelled ones), and the cost in queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from checklists import clashes
from checklists.clashes import Candidate, clashes_find
from checklists.models import DayOff, Unit
from checklists.services.visits import SessionInput, visit_create, visit_transition
from tests import factories
from tests.conftest import local


def candidate(world, *, unit=None, start=None, hours=3, people=(), **kwargs) -> Candidate:
    start = start or local(2024, 5, 13, 9)
    return Candidate.for_sessions(
        host_unit_id=(unit or world.district).pk,
        sessions=[(start, start + dt.timedelta(hours=hours))],
        people=[p.pk for p in people],
        outline_code=kwargs.pop("outline_code", world.outline.code),
        **kwargs,
    )


def kinds(found) -> list[tuple[str, str]]:
    return [(clash.kind, clash.severity) for clash in found]


def test_it_finds_a_person_on_two_teams_with_overlapping_windows(world):
    elsewhere = factories.UnitFactory(parent=world.province_in)
    [found] = clashes_find([candidate(world, unit=elsewhere, people=[world.people.lead])])
    assert kinds(found) == [("person_double_booked", "error")]
    clash = found[0]
    assert clash.visits == (world.visit.pk,)
    assert clash.people == (world.people.lead.pk,)
    assert clash.dates == (dt.date(2024, 5, 13), dt.date(2024, 5, 13))
    assert "KT-HL" in clash.message and world.people.lead.full_name in clash.message
    assert clash.as_dict() == {
        "kind": "person_double_booked",
        "severity": "error",
        "message": clash.message,
        "visits": [world.visit.pk],
        "people": [world.people.lead.pk],
        "units": [],
        "dates": ["2024-05-13", "2024-05-13"],
    }


def test_it_finds_a_host_unit_with_two_visits_in_overlapping_windows(world):
    [found] = clashes_find([candidate(world)])
    assert kinds(found) == [("unit_double_booked", "error")]
    assert found[0].visits == (world.visit.pk,)
    assert found[0].units == (world.district.pk,)
    assert "Hạ Long" in found[0].message


def test_it_lets_windows_that_only_touch_pass(world):
    """The stored visit runs 08:00–11:00: one starting at 11:00 does not overlap."""
    elsewhere = factories.UnitFactory(parent=world.province_in)
    found = clashes_find(
        [candidate(world, unit=elsewhere, start=local(2024, 5, 13, 11), people=[world.people.lead])]
    )
    assert found == [[]]


def test_it_ignores_cancelled_visits(world):
    visit_transition(actor=None, visit=world.visit, to="cancelled")
    assert clashes_find([candidate(world, people=[world.people.lead])]) == [[]]


def test_it_does_not_clash_a_visit_with_itself(world):
    found = clashes_find([candidate(world, people=[world.people.lead], visit_id=world.visit.pk)])
    assert found == [[]]


def test_it_warns_of_a_session_on_a_tet_day(world):
    tet = local(2025, 1, 29, 8)  # Mùng 1 Tết Ất Tỵ
    [found] = clashes_find([candidate(world, start=tet, outline_code="")])
    assert kinds(found) == [("day_off", "warning")]
    assert found[0].dates == (dt.date(2025, 1, 29),)


def test_it_warns_of_a_declared_day_off_and_not_of_a_make_up_working_day(world):
    DayOff.objects.create(date=dt.date(2024, 6, 4), name="Nghỉ bù")
    DayOff.objects.create(date=dt.date(2024, 6, 8), kind=DayOff.Kind.WORKING_DAY, name="Làm bù")
    [off] = clashes_find([candidate(world, start=local(2024, 6, 4, 8), outline_code="")])
    [saturday_at_work] = clashes_find(
        [candidate(world, start=local(2024, 6, 8, 8), outline_code="")]
    )
    assert kinds(off) == [("day_off", "warning")]
    assert saturday_at_work == []


def test_it_warns_of_a_district_visit_over_20_days(world):
    def entry(days: int) -> Candidate:
        return Candidate.for_window(
            host_unit_id=world.district.pk,
            window_start=dt.date(2024, 9, 2),
            window_end=dt.date(2024, 9, 2) + dt.timedelta(days=days - 1),
        )

    twenty, twenty_one = clashes_find([entry(20), entry(21)])
    assert twenty == [] or kinds(twenty) == [("unit_double_booked", "error")]
    assert ("too_long", "warning") in kinds(twenty_one)
    [too_long] = [c for c in twenty_one if c.kind == "too_long"]
    assert too_long.dates == (dt.date(2024, 9, 2), dt.date(2024, 9, 22))
    assert "21" in too_long.message and "20" in too_long.message


def test_it_gives_an_agency_its_parents_level(world):
    """45 days for a province: an agency of the province may last 30 days, not 50."""
    agency = factories.UnitFactory(parent=world.province_in, kind=Unit.Kind.AGENCY)
    assert clashes.unit_levels([agency.pk]) == {agency.pk: "province"}

    def entry(days: int) -> Candidate:
        start = dt.date(2024, 9, 2)
        return Candidate.for_window(
            host_unit_id=agency.pk, window_start=start, window_end=start + dt.timedelta(days - 1)
        )

    [thirty] = clashes_find([entry(30)])
    [fifty] = clashes_find([entry(50)])
    assert thirty == []
    assert kinds(fifty) == [("too_long", "warning")]


def test_it_reads_the_limits_from_the_settings(world, settings):
    settings.VISIT_MAX_DAYS = {**settings.VISIT_MAX_DAYS, "district": 2}
    [found] = clashes_find(
        [candidate(world, start=local(2024, 10, 7, 8), hours=60, outline_code="")]
    )
    assert kinds(found) == [("too_long", "warning")]


def test_it_warns_of_a_unit_inspected_two_years_ago_under_the_same_outline(world):
    later = candidate(world, start=local(2026, 5, 12, 8))
    [found] = clashes_find([later])
    assert kinds(found) == [("recently_inspected", "warning")]
    assert found[0].visits == (world.visit.pk,)
    assert found[0].dates == (dt.date(2024, 5, 13),)
    assert world.outline.code in found[0].message


def test_it_does_not_warn_under_another_outline_or_past_the_years(world, settings):
    [other_outline] = clashes_find(
        [candidate(world, start=local(2026, 5, 12, 8), outline_code="OTHER")]
    )
    settings.REINSPECTION_YEARS = 1
    [long_ago] = clashes_find([candidate(world, start=local(2026, 5, 12, 8))])
    assert other_outline == []
    assert long_ago == []


def test_it_finds_clashes_among_the_candidates_of_a_batch(world):
    """GIVEN two entries of a programme with the same person and unit, overlapping
    WHEN they are checked together
    THEN each is told about the other (errors), and a third, later, is recently inspected."""
    unit = factories.UnitFactory(parent=world.province_in, kind=Unit.Kind.DISTRICT)
    person = factories.UserFactory()

    def entry(label: str, start: dt.date, end: dt.date) -> Candidate:
        return Candidate.for_window(
            host_unit_id=unit.pk,
            window_start=start,
            window_end=end,
            people=[person.pk],
            outline_code="KH-10",
            label=label,
        )

    first, second, third = clashes_find(
        [
            entry("entry 1", dt.date(2024, 9, 2), dt.date(2024, 9, 6)),
            entry("entry 2", dt.date(2024, 9, 5), dt.date(2024, 9, 10)),
            entry("entry 3", dt.date(2024, 11, 4), dt.date(2024, 11, 8)),
        ]
    )
    assert kinds(first) == [("person_double_booked", "error"), ("unit_double_booked", "error")]
    assert kinds(second) == [("person_double_booked", "error"), ("unit_double_booked", "error")]
    assert first[0].others == (1,) and second[0].others == (0,)
    assert "entry 2" in first[0].message and "entry 1" in second[0].message
    assert kinds(third) == [("recently_inspected", "warning")]
    assert "entry 2" in third[0].message


def test_it_runs_the_same_number_of_queries_for_one_candidate_and_for_forty(world):
    people = [world.people.lead, world.people.member]

    def count(n: int) -> int:
        batch = [
            candidate(world, start=local(2024, 5, 13, 8) + dt.timedelta(days=i), people=people)
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as captured:
            clashes_find(batch)
        return len(captured.captured_queries)

    assert count(1) == count(40)
    assert count(40) <= 8


def test_it_finds_the_same_with_the_comparisons_sqlite_uses(world, monkeypatch):
    """Where ranges have no index (SQLite, `make run`), the window test is two
    comparisons; it answers the same."""
    batch = [
        candidate(world, people=[world.people.lead]),
        candidate(world, start=local(2024, 5, 13, 11), people=[world.people.lead]),
        candidate(world, start=local(2026, 5, 12, 8)),
    ]
    with_ranges = clashes_find(batch)
    monkeypatch.setattr(clashes.sql, "uses_ranges", lambda: False)
    assert clashes_find(batch) == with_ranges


@pytest.mark.parametrize(("language", "shown"), [("vi", "13/05/2024"), ("en", "13 May 2024")])
def test_it_writes_the_dates_of_its_messages_in_the_persons_language(world, language, shown):
    with translation.override(language):
        [found] = clashes_find([candidate(world)])
    assert shown in found[0].message


def test_it_keeps_the_window_of_a_visit_with_its_sessions(world):
    start = local(2024, 7, 1, 8)
    visit = visit_create(
        actor=None,
        outline=world.outline,
        host_unit=factories.UnitFactory(parent=world.province_in),
        title="Hai buổi",
        sessions=[
            SessionInput(
                start=start + dt.timedelta(days=2), end=start + dt.timedelta(days=2, hours=3)
            ),
            SessionInput(start=start, end=start + dt.timedelta(hours=3)),
        ],
    )
    visit.refresh_from_db()
    assert (visit.window_start, visit.window_end) == (
        start,
        start + dt.timedelta(days=2, hours=3),
    )
