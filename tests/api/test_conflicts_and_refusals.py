"""Outlines, units, audit: state conflicts answer 409, and refusals come from the
services with their meaning (issue 11)."""

from __future__ import annotations

import pytest

from checklists.models import AuditEvent, Outline, Unit
from checklists.services.outlines import (
    outline_import,
    outline_new_version,
    outline_retire,
)

PROBLEM = "application/problem+json"

SMALL = b"""code: KH-99
version: 1
title: "Thu nghiem"
sections:
  - number: "I"
    title: "Muc I"
    items:
      - number: "1"
        text: "Noi dung"
        answer: text
"""


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    return response.json()


def test_it_answers_409_to_publishing_a_published_outline(world, client_for):
    client = client_for("coordinator_in")
    body = _problem(client.post(f"/api/v1/outlines/{world.outline.pk}/publish/"), 409)
    assert "draft" in body["detail"]
    world.outline.refresh_from_db()
    assert world.outline.status == Outline.Status.PUBLISHED


def test_it_answers_409_to_retiring_a_draft(world, client_for):
    draft = outline_new_version(actor=None, outline=world.outline)
    _problem(client_for("coordinator_in").post(f"/api/v1/outlines/{draft.pk}/retire/"), 409)
    draft.refresh_from_db()
    assert draft.status == Outline.Status.DRAFT


def test_it_answers_409_to_deleting_a_retired_outline(world, client_for):
    outline = outline_retire(
        actor=None, outline=outline_import(actor=None, content=SMALL, publish=True)
    )
    _problem(client_for("coordinator_in").delete(f"/api/v1/outlines/{outline.pk}/"), 409)
    assert Outline.objects.filter(pk=outline.pk).exists()


def test_it_answers_409_to_deleting_a_unit_that_still_has_sub_units(world, client_for):
    client = client_for("coordinator_in")
    body = _problem(client.delete(f"/api/v1/units/{world.province_in.pk}/"), 409)
    assert world.province_in.name in body["detail"]
    assert Unit.objects.filter(pk=world.province_in.pk).exists()


@pytest.mark.parametrize("action", ["publish", "retire", "new-version"])
def test_it_refuses_outline_management_to_a_team_lead_who_sees_the_outline(
    world, client_for, action
):
    draft = outline_new_version(actor=None, outline=world.outline)
    target = world.outline if action == "retire" else draft
    client = client_for("lead")
    assert client.get(f"/api/v1/outlines/{world.outline.pk}/").status_code == 200
    body = _problem(client.post(f"/api/v1/outlines/{target.pk}/{action}/"), 403)
    assert body["detail"] == "Only coordinators manage outlines."
    assert Outline.objects.filter(code=world.outline.code).count() == 2


def test_it_refuses_outline_management_without_telling_which_outlines_exist(world, client_for):
    hidden = outline_import(actor=None, content=SMALL)
    client = client_for("lead")
    assert client.get(f"/api/v1/outlines/{hidden.pk}/").status_code == 404
    for url in (f"/api/v1/outlines/{hidden.pk}/publish/", "/api/v1/outlines/999999/publish/"):
        _problem(client.post(url), 403)
    _problem(client.delete(f"/api/v1/outlines/{hidden.pk}/"), 403)
    _problem(client_for("coordinator_in").post("/api/v1/outlines/999999/publish/"), 404)
    hidden.refresh_from_db()
    assert hidden.status == Outline.Status.DRAFT


@pytest.mark.parametrize("role", ["lead", "member", "host_in", "host_out"])
def test_it_answers_404_for_an_audit_event_to_anyone_but_coordinators(world, client_for, role):
    event = AuditEvent.objects.filter(visit_id=world.visit.pk).first()
    assert event is not None
    _problem(client_for(role).get(f"/api/v1/audit/{event.pk}/"), 404)
    assert client_for("coordinator_in").get(f"/api/v1/audit/{event.pk}/").status_code == 200


def test_it_answers_404_to_a_coordinator_naming_a_visit_they_do_not_see(world, client_for):
    client = client_for("coordinator_in")
    assert client.get("/api/v1/audit/", {"visit": world.other_visit.pk}).status_code == 404
    assert client.get("/api/v1/audit/", {"visit": world.visit.pk}).status_code == 200


def test_it_publishes_through_the_service_for_a_coordinator(world, client_for):
    draft = outline_new_version(actor=None, outline=world.outline)
    response = client_for("coordinator_out").post(f"/api/v1/outlines/{draft.pk}/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == Outline.Status.PUBLISHED
    # Unchanged service behaviour: the previous version is retired with it.
    world.outline.refresh_from_db()
    assert world.outline.status == Outline.Status.RETIRED
