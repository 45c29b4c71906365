"""Recommendations' deadlines in the calendar and the feeds (SPEC §6, §11):
`kind: recommendation`, all-day on the due date, the recommendation's state with
`overdue` beside it, the addressee as `host_unit`, only for those who see the
recommendation; in the feeds with a stable UID, a SEQUENCE that grows when the
date moves, kept while open whatever their age, cancelled ones marked so."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from checklists.calendar import EventFilters, Window, calendar_rows, calendar_to_ics
from checklists.models import Recommendation
from checklists.services.recommendations import recommendation_cancel, recommendation_extend
from tests.api.test_calendar_feeds import _create, _fetch, _path
from tests.checklists.test_calendar_ics import _by_uid, check_ics
from tests.checklists.test_reminders_recommendations import issue
from tests.conclusion_world import draft, rec, to_reporting
from tests.conftest import ROLES, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

URL = "/api/v1/calendar/"
JULY = {"start": "2024-07-01", "end": "2024-08-01"}
EVENT_FIELDS = {
    "id", "kind", "title", "start", "end", "all_day", "visit", "host_unit", "state",
    "overdue", "url",
}  # fmt: skip


@pytest.fixture
def issued(world):
    issued = issue(world)
    world.people.addressee = issued.addressee
    return issued


def _recommendation_events(client, **params):
    answer = client.get(URL, {**JULY, "kind": "recommendation", **params})
    assert answer.status_code == 200, answer.content
    return {event["id"]: event for event in answer.json()}


def test_it_shows_a_deadline_as_an_all_day_event(issued, client_for):
    with time_machine.travel(local(2024, 7, 5, 10), tick=False):
        events = _recommendation_events(client_for("lead"))
    kn1, kn2 = issued.kn1, issued.kn2
    assert set(events) == {f"recommendation-{r.pk}" for r in (kn1, kn2, issued.kn3)}
    event = events[f"recommendation-{kn1.pk}"]
    assert set(event) == EVENT_FIELDS
    assert event["kind"] == "recommendation" and event["all_day"] is True
    assert (event["start"], event["end"]) == ("2024-07-03", "2024-07-04")
    assert event["visit"] == issued.world.visit.pk
    assert event["host_unit"] == issued.world.district.pk
    assert event["state"] == "open" and event["overdue"] is True
    assert "KN-01" in event["title"]
    assert event["url"] == f"/api/v1/recommendations/{kn1.pk}/"
    later = events[f"recommendation-{kn2.pk}"]
    assert later["overdue"] is False and later["host_unit"] == kn2.addressee_id


SEES_ALL = {"coordinator_all", "coordinator_in", "lead", "deputy", "member", "secretary"}


@pytest.mark.parametrize("role", [*ROLES, "addressee"])
def test_each_role_sees_the_deadlines_of_the_recommendations_it_sees(issued, client_for, role):
    answer = client_for(role).get(URL, {**JULY, "kind": "recommendation"})
    if role == "anonymous":
        assert answer.status_code == 401
        return
    ids = {event["id"] for event in answer.json()}
    everything = {f"recommendation-{r.pk}" for r in (issued.kn1, issued.kn2, issued.kn3)}
    if role in SEES_ALL or role == "host_in":
        assert ids == everything
    elif role == "addressee":
        assert ids == {f"recommendation-{issued.kn2.pk}"}
    else:
        assert ids == set()


def test_a_draft_is_in_no_calendar(world, client_for):
    to_reporting(world.visit)
    draft(world.visit, rec(world.district, due_date=dt.date(2024, 7, 3)))
    assert Recommendation.objects.get().state == "draft"
    for role in ("lead", "coordinator_in", "host_in"):
        assert _recommendation_events(client_for(role)) == {}


def test_the_kind_and_the_other_filters_narrow_it(issued, client_for):
    client = client_for("coordinator_in")
    kinds = {event["kind"] for event in client.get(URL, JULY).json()}
    assert "recommendation" in kinds
    only_sessions = client.get(URL, {**JULY, "kind": "session"}).json()
    assert {event["kind"] for event in only_sessions} <= {"session"}
    addressed = _recommendation_events(client, host_unit=issued.kn2.addressee_id)
    assert set(addressed) == {f"recommendation-{issued.kn2.pk}"}
    assert len(_recommendation_events(client, host_unit=issued.world.district.pk)) == 3
    assert _recommendation_events(client, team_member=issued.people.lead.pk)
    assert _recommendation_events(client, team_member=issued.people.host_out.pk) == {}
    mine = _recommendation_events(client_for("addressee"), mine="true")
    assert set(mine) == {f"recommendation-{issued.kn2.pk}"}
    assert _recommendation_events(client_for("addressee"), mine="false") == {}
    assert client.get(URL, {**JULY, "kind": "recommendations"}).status_code == 400


def test_the_feed_keeps_an_open_deadline_of_any_age_until_done(issued, client_for):
    """GIVEN a feed, fetched a year after the deadlines
    THEN the open ones are still in it (overdue matters most); a done one is not."""
    path = _path(_create(client_for("lead")).json()["url"])
    Recommendation.objects.filter(pk=issued.kn3.pk).update(state="done")
    with time_machine.travel(local(2026, 1, 10, 9), tick=False):
        events = _by_uid(check_ics(_fetch(path).content))
    assert f"recommendation-{issued.kn1.pk}" in events
    assert f"recommendation-{issued.kn2.pk}" in events
    assert f"recommendation-{issued.kn3.pk}" not in events
    event = events[f"recommendation-{issued.kn1.pk}"]
    assert event["DTSTART"].dt == dt.date(2024, 7, 3)
    assert event["DTEND"].dt == dt.date(2024, 7, 4)
    assert "KN-01" in str(event["SUMMARY"])
    assert str(event["URL"]) == f"http://testserver/recommendations/{issued.kn1.pk}/"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_the_feed_raises_sequence_when_extended_and_marks_a_cancelled_one(issued, client_for):
    path = _path(_create(client_for("lead")).json()["url"])
    uid = f"recommendation-{issued.kn1.pk}"
    with time_machine.travel(local(2024, 7, 1, 9), tick=False):
        first = _fetch(path)
    before = _by_uid(check_ics(first.content))[uid]
    assert int(before["SEQUENCE"]) == 0
    with time_machine.travel(local(2024, 7, 2, 9), tick=False):
        recommendation_extend(
            actor=None, recommendation=issued.kn1, due_date=dt.date(2024, 7, 20), extended_by="QĐ"
        )
        moved = _fetch(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert _fetch(path, HTTP_IF_NONE_MATCH=moved["ETag"]).status_code == 304
    assert moved.status_code == 200
    after = _by_uid(check_ics(moved.content))[uid]
    assert int(after["SEQUENCE"]) == 1 and after["DTSTART"].dt == dt.date(2024, 7, 20)
    assert after["DTSTAMP"].dt > before["DTSTAMP"].dt
    with time_machine.travel(local(2024, 7, 3, 9), tick=False):
        recommendation_cancel(actor=None, recommendation=issued.kn1, cancel_reason="Đã xử lý")
        cancelled = _by_uid(check_ics(_fetch(path).content))[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 2


def test_a_classified_visits_recommendation_shows_only_the_mark(issued):
    visit = issued.world.visit
    visit.classification = "secret"
    visit.save(update_fields=["classification"])
    rows = calendar_rows(
        user=issued.people.lead,
        window=Window(start=local(2024, 7, 1, 0), end=local(2024, 8, 1, 0)),
        filters=EventFilters(kind="recommendation"),
        detailed=True,
    )
    text = calendar_to_ics(rows, name="Lịch", recommendation_url="https://x/recommendations/{id}/")
    calendar = check_ics(text)
    for event in calendar.walk("VEVENT"):
        assert str(event["SUMMARY"]).endswith(f"#{visit.pk}")
        assert "Kiện toàn" not in str(event.get("DESCRIPTION", ""))
        assert str(event["URL"]).startswith("https://x/recommendations/")
