"""Calendar feeds and the calendar of a classified visit (SPEC §6, §14): a feed
leaves the building, so a classified visit's events there show only its mark and
number, never its title, host unit or place; the signed-in calendar shows them in
full, behind the mark."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from checklists.models import User
from checklists.services.visits import visit_classify
from tests.api.test_calendar_feeds import _create, _fetch, _path
from tests.checklists.test_calendar_ics import check_ics

# What would name the visit, its host or its place (the world's fixtures).
SECRETS = ("Kiểm tra tại Hạ Long", "KT-HL", "Hạ Long", "Quảng Ninh")


pytestmark = pytest.mark.usefixtures("empty_cache")


@pytest.fixture
def classified(soon):
    visit_classify(actor=None, visit=soon.visit, classification="secret")
    return soon


def _events(response) -> list:
    assert response.status_code == 200
    return list(check_ics(response.content).walk("VEVENT"))


def _feed(world, client_for, role: str, language: str = "en"):
    User.objects.filter(pk=getattr(world.people, role).pk).update(language=language)
    return _fetch(_path(_create(client_for(role)).json()["url"]))


def test_it_shows_only_the_mark_and_number_of_a_classified_visit_in_a_feed(classified, client_for):
    world = classified
    response = _feed(world, client_for, "coordinator_all")
    text = response.content.decode()
    visit_events = [e for e in _events(response) if _of_visit(e, world.visit)]
    assert len(visit_events) == world.visit.sessions.count() + world.visit.milestones.count()
    visit_page = reverse("web:visit", kwargs={"visit_id": world.visit.pk})
    for event in visit_events:
        assert str(event["SUMMARY"]) == f"[TỐI MẬT] Inspection visit #{world.visit.pk}"
        assert "LOCATION" not in event
        # The description is the link to the visit's page, where one signs in.
        assert str(event["DESCRIPTION"]) == f"http://testserver{visit_page}"
    unfolded = text.replace("\r\n ", "")
    for secret in SECRETS:
        assert secret not in unfolded, secret


def test_it_keeps_the_details_of_an_unclassified_visit_in_the_same_feed(classified, client_for):
    world = classified
    events = _events(_feed(world, client_for, "coordinator_all"))
    other = [e for e in events if _of_visit(e, world.other_visit)]
    assert other
    assert all("Kiểm tra tại Vĩnh Phúc" in str(e["SUMMARY"]) for e in other)
    assert all("Vĩnh Phúc" in str(e["DESCRIPTION"]) for e in other)
    assert not any(str(e["SUMMARY"]).startswith("[") for e in other)


def test_it_shows_the_details_of_a_visit_before_it_is_classified(soon, client_for):
    world = soon
    events = _events(_feed(world, client_for, "lead"))
    sessions = [e for e in events if str(e["UID"]).startswith("session-")]
    assert sessions and all("Kiểm tra tại Hạ Long" in str(e["SUMMARY"]) for e in sessions)
    assert all(str(e["LOCATION"]) == "Hạ Long" for e in sessions)


def test_it_marks_a_classified_visit_in_a_vietnamese_feed_too(classified, client_for):
    world = classified
    events = _events(_feed(world, client_for, "member", language="vi"))
    assert events
    for event in events:
        summary = str(event["SUMMARY"])
        assert summary.startswith("[TỐI MẬT] ") and summary.endswith(f" #{world.visit.pk}")


def test_it_changes_the_feed_when_a_visit_is_classified(soon, client_for):
    world = soon
    path = _path(_create(client_for("lead")).json()["url"])
    first = _fetch(path)
    visit_classify(actor=None, visit=world.visit, classification="confidential")
    again = _fetch(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "[MẬT]" in again.content.decode()


def test_it_marks_a_classified_visits_events_in_the_signed_in_calendar(classified, client_for):
    world = classified
    start = world.visit.sessions.order_by("start").first().start.date()
    end = start + dt.timedelta(days=90)
    answer = client_for("lead").get(
        "/api/v1/calendar/", {"start": start.isoformat(), "end": end.isoformat()}
    )
    assert answer.status_code == 200, answer.json()
    events = [e for e in answer.json() if e["visit"] == world.visit.pk]
    assert events
    # Whoever gets the calendar may see the visit: the title stays, behind the mark.
    for event in events:
        assert event["title"].startswith("[TỐI MẬT] "), event
        assert "Kiểm tra tại Hạ Long" in event["title"]


def _of_visit(event, visit) -> bool:
    uid = str(event["UID"]).split("@")[0]
    kind, pk = uid.split("-")
    rows = visit.sessions if kind == "session" else visit.milestones
    return rows.filter(pk=int(pk)).exists()
