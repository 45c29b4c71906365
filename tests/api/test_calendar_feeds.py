"""Calendar feeds: `calendar/feeds/` (create, list, revoke) and `/calendar/{token}.ics`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklists.models import AuditEvent, CalendarFeed, User
from checklists.services.checklist import milestone_reschedule
from checklists.services.visits import visit_set_team, visit_transition
from checklists.tokens import token_digest as feed_token_digest
from tests.checklists.test_calendar_ics import check_ics
from tests.conftest import local

FEEDS = "/api/v1/calendar/feeds/"
ROLES_SEEING_VISIT = ["coordinator_all", "coordinator_in", "lead", "deputy", "member", "secretary", "host_in"]  # fmt: skip
ROLES_NOT_SEEING_VISIT = ["coordinator_out", "host_out"]


pytestmark = pytest.mark.usefixtures("empty_cache")


def _create(client, **body):
    response = client.post(FEEDS, body, format="json")
    return response


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _fetch(path: str, **headers):
    return Client().get(path, **headers)


def _uids(response) -> set[str]:
    return {str(e["UID"]).split("@")[0] for e in check_ics(response.content).walk("VEVENT")}


# --- creating, listing, revoking ----------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES_SEEING_VISIT, *ROLES_NOT_SEEING_VISIT])
def test_it_creates_a_feed_for_anyone_signed_in_and_shows_its_url_once(world, client_for, role):
    client = client_for(role)
    response = _create(client, name="Mine")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"].startswith("http://testserver/calendar/")
    assert body["url"].endswith(".ics")
    assert body["webcal_url"] == "webcal://" + body["url"].split("://", 1)[1]
    assert response["Cache-Control"] == "no-store"
    raw = _path(body["url"]).removeprefix("/calendar/").removesuffix(".ics")
    feed = CalendarFeed.objects.get(pk=body["id"])
    # Stored hashed, never in clear.
    assert feed.token_digest == feed_token_digest(raw) != raw
    assert feed.token_prefix == raw[:8]
    assert AuditEvent.objects.filter(object_type="calendarfeed", action="create").count() == 1
    listed = client.get(FEEDS).json()["results"]
    assert [f["id"] for f in listed] == [feed.pk]
    assert "url" not in listed[0] and "webcal_url" not in listed[0]
    assert "url" not in client.get(f"{FEEDS}{feed.pk}/").json()


def test_it_refuses_anonymous_callers(world, client_for):
    client = client_for("anonymous")
    assert client.get(FEEDS).status_code == 401
    assert _create(client).status_code == 401


@pytest.mark.parametrize("role", ROLES_SEEING_VISIT)
def test_it_narrows_a_feed_to_a_visit_the_person_sees(world, client_for, role):
    response = _create(client_for(role), visit=world.visit.pk)
    assert response.status_code == 201
    assert response.json()["visit"] == world.visit.pk


@pytest.mark.parametrize("role", ROLES_NOT_SEEING_VISIT)
def test_it_answers_404_for_a_visit_the_person_does_not_see(world, client_for, role):
    response = _create(client_for(role), visit=world.visit.pk)
    assert response.status_code == 404
    assert not CalendarFeed.objects.exists()


def test_it_answers_404_for_a_unit_the_person_does_not_see(world, client_for):
    assert _create(client_for("host_in"), host_unit=world.province_out.pk).status_code == 404
    assert _create(client_for("host_in"), host_unit=world.district.pk).status_code == 201
    assert _create(client_for("coordinator_in"), host_unit=world.province_out.pk).status_code == 404
    assert _create(client_for("coordinator_in"), host_unit=world.district.pk).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"visit": "abc"},
        {"visit": 0},
        {"visit": 2**64},
        {"host_unit": -3},
        {"name": "x" * 256},
        {"name": "nul\x00"},
        {"visit": 1, "host_unit": 1},
    ],
)
def test_it_refuses_a_malformed_feed(world, client_for, body):
    if body.get("visit") == 1:
        body = {"visit": world.visit.pk, "host_unit": world.district.pk}
    response = _create(client_for("coordinator_all"), **body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")


def test_it_lists_only_the_persons_own_live_feeds(world, client_for):
    lead, member = client_for("lead"), client_for("member")
    own = _create(lead, name="a").json()["id"]
    _create(member, name="b")
    revoked = _create(lead, name="c").json()["id"]
    assert lead.delete(f"{FEEDS}{revoked}/").status_code == 204
    assert [f["id"] for f in lead.get(FEEDS).json()["results"]] == [own]


def test_it_answers_404_to_revoking_someone_elses_feed(world, client_for):
    feed = _create(client_for("lead")).json()["id"]
    for role in ("member", "coordinator_all", "host_in"):
        assert client_for(role).delete(f"{FEEDS}{feed}/").status_code == 404
        assert client_for(role).get(f"{FEEDS}{feed}/").status_code == 404
    assert CalendarFeed.objects.get(pk=feed).revoked_at is None
    assert client_for("lead").delete(f"{FEEDS}{2**63 - 1}/").status_code == 404
    assert client_for("lead").delete(f"{FEEDS}{10**19}/").status_code == 404


# --- the feed itself ----------------------------------------------------------------


def test_it_serves_valid_icalendar_with_what_the_owner_sees(soon, client_for):
    world = soon
    for role, sees in (("host_in", world.visit), ("host_out", world.other_visit)):
        response = _fetch(_path(_create(client_for(role)).json()["url"]))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["ETag"] and response["Last-Modified"]
        uids = _uids(response)
        expected = {f"session-{s.pk}" for s in sees.sessions.all()}
        expected |= {f"milestone-{m.pk}" for m in sees.milestones.all()}
        assert uids == expected


def test_it_titles_the_feed_in_its_owners_language(soon, client_for):
    world = soon
    milestone = world.visit.milestones.get(key="draft_report_due")
    milestone.title_en = "Host submits the draft report"
    milestone.save(update_fields=["title_en"])
    User.objects.filter(pk=world.people.lead.pk).update(language="en")
    User.objects.filter(pk=world.people.member.pk).update(language="vi")
    # The API asks in English; the feed speaks its owner's language regardless.
    english = _fetch(_path(_create(client_for("lead")).json()["url"]))
    vietnamese = _fetch(_path(_create(client_for("member")).json()["url"]))
    uid = f"milestone-{milestone.pk}@"

    def summary(response) -> str:
        events = check_ics(response.content).walk("VEVENT")
        return next(str(e["SUMMARY"]) for e in events if str(e["UID"]).startswith(uid))

    assert summary(english).startswith("Host submits the draft report")
    assert summary(vietnamese).startswith("Đơn vị nộp dự thảo báo cáo")


def test_it_answers_304_while_nothing_changes_and_200_after_a_change(soon, client_for):
    world = soon
    path = _path(_create(client_for("lead")).json()["url"])
    first = _fetch(path)
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    assert _fetch(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert _fetch(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    again = _fetch(path)
    assert again.content == first.content and again["ETag"] == etag

    milestone = world.visit.milestones.get(key="conclusion_due")
    milestone_reschedule(
        actor=None, milestone=milestone, due_date=milestone.due_date + dt.timedelta(days=2)
    )
    assert _fetch(path, HTTP_IF_NONE_MATCH=etag).status_code == 200
    changed = _fetch(path, HTTP_IF_MODIFIED_SINCE=modified)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    event = next(
        e
        for e in check_ics(changed.content).walk("VEVENT")
        if str(e["UID"]).startswith(f"milestone-{milestone.pk}@")
    )
    assert event["SEQUENCE"] == milestone.sequence + 0 and event["SEQUENCE"] >= 1


def test_it_drops_events_at_once_when_the_owner_loses_access(soon, client_for):
    world = soon
    path = _path(_create(client_for("member")).json()["url"])
    first = _fetch(path)
    assert _uids(first)
    visit_set_team(actor=None, visit=world.visit, team=[])
    # Even a client asking only "modified since?" is told: yes.
    after = _fetch(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert after.status_code == 200
    assert _uids(after) == set()


def test_it_marks_a_cancelled_visits_events_cancelled(soon, client_for):
    world = soon
    path = _path(_create(client_for("lead")).json()["url"])
    visit_transition(actor=None, visit=world.visit, to="cancelled")
    events = check_ics(_fetch(path).content).walk("VEVENT")
    assert events and {str(e["STATUS"]) for e in events} == {"CANCELLED"}


def test_it_stops_a_revoked_feed_at_once(soon, client_for):
    client = client_for("lead")
    body = _create(client).json()
    path = _path(body["url"])
    assert _fetch(path).status_code == 200
    assert client.delete(f"{FEEDS}{body['id']}/").status_code == 204
    assert _fetch(path).status_code == 404
    assert client.delete(f"{FEEDS}{body['id']}/").status_code == 404
    assert AuditEvent.objects.filter(object_type="calendarfeed", action="revoke").count() == 1


def test_it_answers_404_to_unknown_tokens_and_inactive_owners(soon, client_for):
    assert _fetch("/calendar/not-a-token.ics").status_code == 404
    assert _fetch("/calendar/%00.ics").status_code == 404
    assert _fetch("/calendar/" + "a" * 5000 + ".ics").status_code == 404
    path = _path(_create(client_for("lead")).json()["url"])
    User.objects.filter(pk=soon.people.lead.pk).update(is_active=False)
    assert _fetch(path).status_code == 404


def test_it_narrows_to_the_feeds_visit(soon, client_for):
    world = soon
    client = client_for("coordinator_all")
    path = _path(_create(client, visit=world.other_visit.pk).json()["url"])
    assert {uid.split("-")[0] for uid in _uids(_fetch(path))} == {"session", "milestone"}
    assert {f"session-{s.pk}" for s in world.visit.sessions.all()}.isdisjoint(_uids(_fetch(path)))


def test_it_records_last_use_without_writing_on_every_fetch(soon, client_for):
    body = _create(client_for("lead")).json()
    path = _path(body["url"])
    assert CalendarFeed.objects.get(pk=body["id"]).last_used_at is None
    _fetch(path)
    used = CalendarFeed.objects.get(pk=body["id"]).last_used_at
    assert used is not None
    with CaptureQueriesContext(connection) as captured:
        _fetch(path)
    assert not any(q["sql"].startswith("UPDATE") for q in captured.captured_queries)
    # Token + owner in one query, then sessions, milestones and recommendations.
    assert len(captured.captured_queries) == 4


def test_it_refuses_writes_to_the_feed(soon, client_for):
    path = _path(_create(client_for("lead")).json()["url"])
    assert Client().post(path).status_code == 405
    assert local(2024, 1, 1).year == 2024


# --- links and old open deadlines (SPEC §6) -------------------------------------------


def test_it_links_every_event_to_its_visit_page(soon, client_for):
    world = soon
    response = _fetch(_path(_create(client_for("lead")).json()["url"]))
    page = f"http://testserver/visits/{world.visit.pk}/"
    events = list(check_ics(response.content).walk("VEVENT"))
    assert events
    for event in events:
        assert str(event["URL"]) == page
        assert page in str(event["DESCRIPTION"])
    assert b"METHOD:" not in response.content  # a feed is no iTIP message


def test_it_keeps_an_open_deadline_in_the_feed_whatever_its_age(world, client_for):
    """GIVEN a visit whose deadlines fell due years ago, one of them still open
    WHEN its feed is read today
    THEN the open one is there (overdue matters most), the met ones are not."""
    old, met = world.visit.milestones.order_by("id")[:2]
    milestone_reschedule(actor=None, milestone=old, due_date=dt.date(2020, 3, 2))
    milestone_reschedule(actor=None, milestone=met, due_date=dt.date(2020, 3, 3))
    met.refresh_from_db()
    met.done_at = timezone.now()
    met.save(update_fields=["done_at"])

    uids = _uids(_fetch(_path(_create(client_for("lead")).json()["url"])))

    assert f"milestone-{old.pk}" in uids
    assert f"milestone-{met.pk}" not in uids
