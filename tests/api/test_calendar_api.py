"""`calendar/`: the JSON calendar (SPEC §5, §6), its visibility (SPEC §4) and its
query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import Milestone, TeamMembership, Visit
from checklists.services.checklist import milestone_mark_done
from checklists.services.visits import SessionInput, TeamInput, visit_create, visit_transition
from tests import factories
from tests.conftest import local

URL = "/api/v1/calendar/"
WINDOW = {"start": "2024-05-01", "end": "2024-07-01"}


def _events(client, **params):
    response = client.get(URL, {**WINDOW, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _visits(events) -> set[int]:
    return {event["visit"] for event in events}


SEES = {
    "coordinator_all": {"visit", "other_visit"},
    "coordinator_in": {"visit"},
    "coordinator_out": {"other_visit"},
    "lead": {"visit"},
    "deputy": {"visit"},
    "member": {"visit"},
    "secretary": {"visit"},
    "host_in": {"visit"},
    "host_out": {"other_visit"},
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_it_shows_each_role_exactly_the_visits_it_may_see(world, client_for, role):
    events = _events(client_for(role))
    assert _visits(events) == {getattr(world, name).pk for name in SEES[role]}
    # Every visible visit's session and five milestones are there.
    assert len(events) == 6 * len(SEES[role])


def test_it_refuses_anonymous_callers(world, client_for):
    response = client_for("anonymous").get(URL, WINDOW)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


def test_it_never_shows_a_host_contact_another_units_visits_whatever_the_filters(world, client_for):
    client = client_for("host_in")
    for params in (
        {"host_unit": world.province_out.pk},
        {"mine": "false"},
        {"team_member": world.people.lead.pk},
        {"kind": "milestone"},
    ):
        assert world.other_visit.pk not in _visits(_events(client, **params))


def test_it_answers_events_in_the_shape_fullcalendar_reads(world, client_for):
    events = {event["id"]: event for event in _events(client_for("lead"))}
    session = events[f"session-{world.visit.sessions.get().pk}"]
    assert session == {
        "id": session["id"],
        "kind": "session",
        "title": "Kiểm tra tại Hạ Long",
        "start": "2024-05-13T08:00:00+07:00",
        "end": "2024-05-13T11:00:00+07:00",
        "all_day": False,
        "visit": world.visit.pk,
        "host_unit": world.district.pk,
        "state": "planned",
        "url": f"/api/v1/visits/{world.visit.pk}/",
    }
    milestone = world.visit.milestones.get(key="draft_report_due")
    event = events[f"milestone-{milestone.pk}"]
    assert event["kind"] == "milestone"
    assert event["all_day"] is True
    assert (event["start"], event["end"]) == ("2024-05-08", "2024-05-09")
    assert event["url"] == f"/api/v1/milestones/{milestone.pk}/"
    assert event["state"] == "overdue"
    assert event["title"] == "Đơn vị nộp dự thảo báo cáo — Kiểm tra tại Hạ Long"


def test_it_titles_milestones_in_the_callers_language(world, client_for):
    milestone = world.visit.milestones.get(key="draft_report_due")
    Milestone.objects.filter(pk=milestone.pk).update(title_en="Host submits the draft report")
    client = client_for("lead")
    english = {e["id"]: e["title"] for e in _events(client)}
    assert english[f"milestone-{milestone.pk}"].startswith("Host submits the draft report")
    response = client.get(URL, WINDOW, HTTP_ACCEPT_LANGUAGE="vi")
    vietnamese = {e["id"]: e["title"] for e in response.json()}
    assert vietnamese[f"milestone-{milestone.pk}"].startswith("Đơn vị nộp dự thảo báo cáo")


def test_it_gives_states_done_and_cancelled(world, client_for):
    milestone = world.visit.milestones.get(key="decision_announced")
    milestone_mark_done(actor=None, milestone=milestone, done=True)
    states = {e["id"]: e["state"] for e in _events(client_for("lead"))}
    assert states[f"milestone-{milestone.pk}"] == "done"
    visit_transition(actor=world.people.coordinator_in, visit=world.visit, to="cancelled")
    events = _events(client_for("lead"))
    assert {e["state"] for e in events} == {"cancelled"}


def test_it_filters_by_kind_unit_team_member_and_mine(world, client_for):
    client = client_for("coordinator_all")
    assert {e["kind"] for e in _events(client, kind="session")} == {"session"}
    assert {e["kind"] for e in _events(client, kind="milestone")} == {"milestone"}
    assert _visits(_events(client, host_unit=world.district.pk)) == {world.visit.pk}
    assert _visits(_events(client, team_member=world.people.member.pk)) == {world.visit.pk}
    assert _events(client, mine="true") == []
    lead = client_for("lead")
    assert _visits(_events(lead, mine="true")) == {world.visit.pk}
    assert _events(lead, mine="false") == []
    host = client_for("host_out")
    assert _visits(_events(host, mine="true")) == {world.other_visit.pk}


def test_it_takes_fullcalendar_date_times_and_keeps_only_overlapping_events(world, client_for):
    client = client_for("lead")
    # FullCalendar's own parameters: local date-times with their offset.
    events = _events(client, start="2024-05-13T10:00:00+07:00", end="2024-05-14T00:00:00+07:00")
    # The session (8:00–11:00) overlaps the window; the milestone of the 13th too.
    assert sorted(e["kind"] for e in events) == ["milestone", "session"]
    events = _events(client, start="2024-05-13T11:00:00+07:00", end="2024-05-13T12:00:00+07:00")
    assert [e["kind"] for e in events] == ["milestone"]
    # An unencoded "+" reads as a space: still understood.
    response = client.get(URL + "?start=2024-05-13T00:00:00 07:00&end=2024-05-14")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start": "2024-05-01"},
        {"end": "2024-05-01"},
        {"start": "2024-05-01", "end": "2025-06-10"},  # more than 400 days
        {"start": "2024-05-02", "end": "2024-05-01"},  # end before start
        {"start": "2024-05-01", "end": "2024-05-01"},
        {"start": "banana", "end": "2024-05-01"},
        {"start": "0000-01-01", "end": "0000-02-01"},
        {"start": "10000-01-01", "end": "10000-02-01"},
        {"start": "1969-12-01", "end": "1970-01-02"},
        {"start": "2024-02-30", "end": "2024-03-02"},
        {"start": "2024-05-01\x00", "end": "2024-05-02"},
        {"start": "2024-05-01T25:00", "end": "2024-05-02"},
        {**WINDOW, "kind": "meeting"},
        {**WINDOW, "kind": ""},
        {**WINDOW, "host_unit": "99999999999999999999999"},
        {**WINDOW, "host_unit": "-1"},
        {**WINDOW, "team_member": "abc"},
        {**WINDOW, "mine": "banana"},
    ],
)
def test_it_answers_a_problem_for_a_bad_window_or_filter(world, client_for, params):
    response = client_for("coordinator_in").get(URL, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"]


def test_it_accepts_a_window_of_exactly_400_days(world, client_for):
    response = client_for("lead").get(URL, {"start": "2024-01-01", "end": "2025-02-04"})
    assert response.status_code == 200


def test_it_finds_nothing_for_an_unknown_unit_or_person(world, client_for):
    client = client_for("coordinator_all")
    assert _events(client, host_unit=2**63 - 1) == []
    assert _events(client, team_member=2**63 - 1) == []


def _grow(world, n: int) -> None:
    for i in range(n):
        unit = factories.UnitFactory(parent=world.district)
        start = local(2024, 5, 2 + i, 8)
        visit_create(
            actor=world.people.coordinator_in,
            outline=world.outline,
            host_unit=unit,
            title=f"Visit {i}",
            sessions=[
                SessionInput(start=start, end=start + dt.timedelta(hours=2)),
                SessionInput(
                    start=start + dt.timedelta(days=1), end=start + dt.timedelta(days=1, hours=2)
                ),
            ],
            team=[
                TeamInput(world.people.lead, TeamMembership.Role.LEAD),
                TeamInput(factories.UserFactory(), TeamMembership.Role.MEMBER),
            ],
            # The same lead on every visit, in overlapping windows: a clash (SPEC §13)
            # the coordinator plans over.
            override=True,
        )


@pytest.mark.parametrize("role", ["coordinator_in", "coordinator_all", "lead", "host_in"])
def test_it_runs_a_constant_number_of_queries_whatever_the_number_of_events(
    world, client_for, role
):
    client = client_for(role)
    params = {**WINDOW, "mine": "false"} if role == "host_in" else WINDOW

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            events = _events(client, **params)
        return len(captured.captured_queries), len(events)

    few_queries, few_events = count()
    _grow(world, 6)
    many_queries, many_events = count()
    if role != "host_in":
        assert many_events >= few_events + 6 * 5
    assert many_queries == few_queries
    # Sessions, milestones and recommendations: one query each (authentication
    # is outside the count).
    assert many_queries <= 3


def test_it_includes_a_session_that_began_before_the_window(world, client_for):
    start = local(2024, 4, 30, 8)
    visit = visit_create(
        actor=world.people.coordinator_in,
        outline=world.outline,
        host_unit=world.district,
        title="Long visit",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(days=3))],
    )
    events = _events(client_for("host_in"), kind="session")
    assert visit.pk in _visits(events)
    assert Visit.objects.count() == 3
