"""A visit's classification through the API (SPEC §4, §5, §14): coordinators of the
visit set it; the team and host contacts who see the visit get 403, others 404;
it changes nothing about who sees the visit."""

from __future__ import annotations

import pytest

from checklists.models import AuditEvent, Visit

pytestmark = pytest.mark.django_db

SEES_BUT_MAY_NOT = ("lead", "deputy", "member", "secretary", "host_in")


def _visit_url(world) -> str:
    return f"/api/v1/visits/{world.visit.pk}/"


def test_it_shows_the_classification_of_a_visit(world, client_for):
    answer = client_for("lead").get(_visit_url(world))
    assert answer.status_code == 200
    assert answer.json()["classification"] == "none"


@pytest.mark.parametrize("role", ["coordinator_in", "coordinator_all"])
def test_it_lets_a_coordinator_of_the_visit_classify_it(world, client_for, role):
    answer = client_for(role).patch(_visit_url(world), {"classification": "secret"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["classification"] == "secret"
    world.visit.refresh_from_db()
    assert world.visit.classification == Visit.Classification.SECRET
    event = AuditEvent.objects.get(action="classify", object_id=str(world.visit.pk))
    assert event.changes == {"classification": {"from": "none", "to": "secret"}}
    assert event.actor == getattr(world.people, role)


@pytest.mark.parametrize("role", SEES_BUT_MAY_NOT)
def test_it_refuses_the_classification_to_people_who_see_the_visit(world, client_for, role):
    version = world.visit.row_version
    answer = client_for(role).patch(
        _visit_url(world), {"classification": "top_secret"}, format="json"
    )
    assert answer.status_code == 403, answer.json()
    assert answer["Content-Type"].startswith("application/problem+json")
    assert "classification" in answer.json()["detail"]
    world.visit.refresh_from_db()
    assert world.visit.classification == "none"
    assert world.visit.row_version == version
    assert not AuditEvent.objects.filter(action="classify").exists()


@pytest.mark.parametrize("role", ["lead", "deputy"])
def test_it_refuses_the_whole_patch_when_a_planner_also_classifies(world, client_for, role):
    """The lead may rename the visit, but not together with a classification: the
    PATCH is all or nothing."""
    answer = client_for(role).patch(
        _visit_url(world), {"title": "Đổi tên", "classification": "secret"}, format="json"
    )
    assert answer.status_code == 403
    world.visit.refresh_from_db()
    assert (world.visit.title, world.visit.classification) == ("Kiểm tra tại Hạ Long", "none")


@pytest.mark.parametrize("role", ["coordinator_out", "host_out"])
def test_it_hides_the_visit_from_people_who_cannot_see_it(world, client_for, role):
    answer = client_for(role).patch(_visit_url(world), {"classification": "secret"}, format="json")
    assert answer.status_code == 404


def test_it_refuses_an_unknown_classification_naming_the_field(world, client_for):
    answer = client_for("coordinator_in").patch(
        _visit_url(world), {"classification": "very_secret"}, format="json"
    )
    assert answer.status_code == 400
    assert "classification" in answer.json()["errors"]


def test_it_classifies_a_visit_at_creation(world, client_for):
    body = {
        "outline": world.outline.pk,
        "host_unit": world.district.pk,
        "title": "Kiểm tra có độ mật",
        "classification": "confidential",
        "sessions": [{"start": "2024-07-01T08:00:00+07:00", "end": "2024-07-01T11:00:00+07:00"}],
    }
    answer = client_for("coordinator_in").post("/api/v1/visits/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["classification"] == "confidential"
    visit = Visit.objects.get(pk=answer.json()["id"])
    assert visit.classification_mark == "MẬT"
    created = AuditEvent.objects.get(action="create", object_id=str(visit.pk))
    assert created.changes["classification"] == "confidential"


def test_it_does_not_change_who_sees_a_classified_visit(world, client_for):
    client_for("coordinator_in").patch(
        _visit_url(world), {"classification": "top_secret"}, format="json"
    )
    for role, expected in {
        "lead": 200,
        "member": 200,
        "host_in": 200,
        "coordinator_out": 404,
        "host_out": 404,
    }.items():
        assert client_for(role).get(_visit_url(world)).status_code == expected, role
    listed = client_for("member").get("/api/v1/visits/", {"classification": "top_secret"})
    assert [v["id"] for v in listed.json()["results"]] == [world.visit.pk]


def test_it_checks_the_version_of_a_classification(world, client_for):
    client = client_for("coordinator_in")
    etag = client.get(_visit_url(world))["ETag"]
    client.patch(_visit_url(world), {"title": "Đổi tên"}, format="json")
    answer = client.patch(
        _visit_url(world), {"classification": "secret"}, format="json", HTTP_IF_MATCH=etag
    )
    assert answer.status_code == 412
    world.visit.refresh_from_db()
    assert world.visit.classification == "none"
