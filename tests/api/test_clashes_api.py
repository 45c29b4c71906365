"""Clashes through the API (SPEC §5, §13): 409 with the problem's `clashes`, a
coordinator's `override` (audited; 403 from anyone else), warnings in 2xx answers,
and visits/{id}/clashes/."""

from __future__ import annotations

import datetime as dt

import pytest

from checklists.models import AuditEvent, TeamMembership, Visit
from checklists.services.visits import SessionInput, TeamInput, visit_create
from tests import factories
from tests.conftest import local


def _payload(world, *, unit=None, start="2024-05-13T09:00:00+07:00", team=(), **extra) -> dict:
    return {
        "outline": world.outline.pk,
        "host_unit": (unit or world.district).pk,
        "title": "Kiểm tra mới",
        "sessions": [{"start": start, "end": start.replace("T09", "T11")}],
        "team": [{"user": user.pk, "role": role} for user, role in team],
        **extra,
    }


@pytest.fixture
def busy_lead(world):
    """The lead is also on a visit to another district on 3 June 2024."""
    start = local(2024, 6, 3, 8)
    return visit_create(
        actor=None,
        outline=world.outline,
        host_unit=factories.UnitFactory(parent=world.province_in, name="Cẩm Phả"),
        title="Kiểm tra tại Cẩm Phả",
        code="KT-CP",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
        team=[TeamInput(world.people.lead, TeamMembership.Role.MEMBER)],
    )


def test_it_refuses_a_clashing_visit_with_409_and_the_clashes(world, client_for):
    before = Visit.objects.count()
    response = client_for("coordinator_in").post(
        "/api/v1/visits/", _payload(world, team=[(world.people.lead, "lead")]), format="json"
    )
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/clashes") and body["status"] == 409
    assert "KT-HL" in body["detail"]
    by_kind = {clash["kind"]: clash for clash in body["clashes"]}
    assert set(by_kind) >= {"person_double_booked", "unit_double_booked"}
    person = by_kind["person_double_booked"]
    assert set(person) == {"kind", "severity", "message", "visits", "people", "units", "dates"}
    assert person["severity"] == "error"
    assert person["visits"] == [world.visit.pk]
    assert person["people"] == [world.people.lead.pk]
    assert person["dates"] == ["2024-05-13", "2024-05-13"]
    assert Visit.objects.count() == before  # nothing half-saved


def test_it_lets_a_coordinator_override_and_audits_it(world, client_for):
    response = client_for("coordinator_in").post(
        "/api/v1/visits/",
        _payload(world, team=[(world.people.lead, "lead")], override=True),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "override" not in body  # write-only
    assert {c["kind"] for c in body["clashes"]} >= {"person_double_booked", "unit_double_booked"}
    event = AuditEvent.objects.get(action="override_clashes", object_id=str(body["id"]))
    assert event.actor == world.people.coordinator_in
    assert {c["kind"] for c in event.changes["clashes"]} == {
        "person_double_booked",
        "unit_double_booked",
    }


def test_it_answers_warnings_in_the_successful_answer(world, client_for):
    """A session on Tết (29 January 2025) at a unit nobody visits: 201, with a warning."""
    unit = factories.UnitFactory(parent=world.province_in)
    response = client_for("coordinator_in").post(
        "/api/v1/visits/",
        _payload(world, unit=unit, start="2025-01-29T09:00:00+07:00"),
        format="json",
    )
    assert response.status_code == 201
    assert [(c["kind"], c["severity"], c["dates"]) for c in response.json()["clashes"]] == [
        ("day_off", "warning", ["2025-01-29"])
    ]
    assert not AuditEvent.objects.filter(action="override_clashes").exists()


def test_it_refuses_a_reschedule_into_a_clash(world, client_for, busy_lead):
    url = f"/api/v1/visits/{world.visit.pk}/reschedule/"
    moved = {"first_session_start": "2024-06-03T09:00:00+07:00"}
    refused = client_for("lead").post(url, moved, format="json")
    assert refused.status_code == 409
    assert [c["visits"] for c in refused.json()["clashes"] if c["severity"] == "error"] == [
        [busy_lead.pk]
    ]
    # The lead plans the visit but may not override (SPEC §13): 403, nothing moved.
    forbidden = client_for("lead").post(url, {**moved, "override": True}, format="json")
    assert forbidden.status_code == 403
    assert world.visit.sessions.get().start == local(2024, 5, 13, 8)
    allowed = client_for("coordinator_in").post(url, {**moved, "override": True}, format="json")
    assert allowed.status_code == 200
    assert allowed.json()["clashes"][0]["kind"] == "person_double_booked"
    assert AuditEvent.objects.filter(action="override_clashes", object_id=str(world.visit.pk))


def test_it_refuses_override_from_a_non_coordinator_even_without_a_clash(world, client_for):
    response = client_for("deputy").post(
        f"/api/v1/visits/{world.visit.pk}/reschedule/",
        {"first_session_start": "2024-07-01T09:00:00+07:00", "override": True},
        format="json",
    )
    assert response.status_code == 403


def test_it_refuses_a_new_team_member_booked_elsewhere(world, client_for, busy_lead):
    """GIVEN a person on KT-CP (3 June) and KT-HL moved to 3 June
    WHEN a coordinator puts them on KT-HL's team (PATCH team)
    THEN 409 naming KT-CP; with override, 200 and the clash in the answer."""
    other = busy_lead.team.exclude(user=world.people.lead)
    assert not other.exists()
    newcomer = factories.UserFactory()
    TeamMembership.objects.create(visit=busy_lead, user=newcomer, role="secretary")
    start = local(2024, 6, 3, 8)
    client = client_for("coordinator_in")
    url = f"/api/v1/visits/{world.visit.pk}/"
    alone = client.patch(
        url, {"team": [{"user": world.people.deputy.pk, "role": "lead"}]}, format="json"
    )
    assert alone.status_code == 200, alone.json()
    session = {"start": start.isoformat(), "end": (start + dt.timedelta(hours=3)).isoformat()}
    moved = client.patch(url, {"sessions": [session]}, format="json")
    assert moved.status_code == 200, moved.json()
    team = [
        {"user": world.people.deputy.pk, "role": "lead"},
        {"user": newcomer.pk, "role": "member"},
    ]
    refused = client.patch(url, {"team": team}, format="json")
    assert refused.status_code == 409
    [clash] = refused.json()["clashes"]
    assert (clash["kind"], clash["people"], clash["visits"]) == (
        "person_double_booked",
        [newcomer.pk],
        [busy_lead.pk],
    )
    allowed = client.patch(url, {"team": team, "override": True}, format="json")
    assert allowed.status_code == 200
    assert [c["people"] for c in allowed.json()["clashes"]] == [[newcomer.pk]]


def test_it_lists_a_visits_clashes_for_those_who_plan_it(world, client_for, busy_lead):
    url = f"/api/v1/visits/{busy_lead.pk}/clashes/"
    world.visit.sessions.update(start=local(2024, 6, 3, 9), end=local(2024, 6, 3, 10))
    Visit.objects.filter(pk=world.visit.pk).update(
        window_start=local(2024, 6, 3, 9), window_end=local(2024, 6, 3, 10)
    )
    response = client_for("coordinator_in").get(url)
    assert response.status_code == 200
    assert [(c["kind"], c["visits"]) for c in response.json()] == [
        ("person_double_booked", [world.visit.pk])
    ]
    assert client_for("host_out").get(url).status_code == 404
