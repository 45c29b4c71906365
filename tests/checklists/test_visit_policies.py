"""The services of visits, checklists and deadlines refuse what SPEC §4 does not
allow, whoever calls them (API, pages, admin, commands): the rule lives in the
service, not in a door."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from checklists.errors import NotAllowed, NotFound
from checklists.limits import MAX_FINDING_TEXT, MAX_NOTE_TEXT
from checklists.models import AuditEvent, Milestone, Responsible, TeamMembership, Visit
from checklists.services.checklist import (
    checklist_item_add,
    checklist_item_update,
    milestone_add,
    milestone_mark_done,
    milestone_reschedule,
)
from checklists.services.visits import (
    SessionInput,
    TeamInput,
    visit_change,
    visit_create,
    visit_reschedule,
    visit_set_sessions,
    visit_set_team,
    visit_transition,
    visit_update,
)
from tests.conftest import local

pytestmark = pytest.mark.django_db


def _milestone(world) -> Milestone:
    return world.visit.milestones.order_by("due_date").first()


def _team_milestone(world) -> Milestone:
    return world.visit.milestones.get(responsible=Responsible.TEAM, key="team_comments_due")


def test_it_lets_only_a_coordinator_of_the_host_unit_plan_a_visit(world):
    for person in (world.people.coordinator_out, world.people.lead, world.people.host_in):
        with pytest.raises(NotAllowed, match="Only a coordinator of the host unit"):
            visit_create(
                actor=person,
                outline=world.outline,
                host_unit=world.district,
                title="Không được phép",
                sessions=[SessionInput(start=local(2024, 7, 1), end=local(2024, 7, 1, 11))],
            )
    assert not Visit.objects.filter(title="Không được phép").exists()


@pytest.mark.parametrize(
    "act",
    [
        lambda w, p: visit_update(actor=p, visit=w.visit, title="Đổi tên"),
        lambda w, p: visit_transition(actor=p, visit=w.visit, to=Visit.Status.ANNOUNCED),
        lambda w, p: visit_reschedule(
            actor=p, visit=w.visit, first_session_start=local(2024, 6, 3)
        ),
        lambda w, p: visit_set_sessions(
            actor=p,
            visit=w.visit,
            sessions=[SessionInput(start=local(2024, 6, 3), end=local(2024, 6, 3, 11))],
        ),
        lambda w, p: milestone_add(
            actor=p,
            visit=w.visit,
            key="extra",
            title="Thêm",
            due_date=dt.date(2024, 6, 1),
            responsible=Responsible.TEAM,
        ),
        lambda w, p: milestone_reschedule(
            actor=p, milestone=_milestone(w), due_date=dt.date(2024, 6, 1)
        ),
    ],
    ids=["update", "transition", "reschedule", "sessions", "milestone_add", "milestone_date"],
)
def test_it_lets_only_coordinators_leads_and_deputies_plan(world, act):
    for person in (world.people.member, world.people.secretary, world.people.host_in):
        with pytest.raises(NotAllowed, match="team lead or deputy"):
            act(world, person)
    with pytest.raises(NotFound):
        act(world, world.people.coordinator_out)
    act(world, world.people.deputy)


def test_it_lets_only_coordinators_change_the_team(world):
    team = [TeamInput(world.people.member, TeamMembership.Role.LEAD)]
    for person in (world.people.lead, world.people.host_in):
        with pytest.raises(NotAllowed, match="change its team"):
            visit_set_team(actor=person, visit=world.visit, team=team)
    visit_set_team(actor=world.people.coordinator_in, visit=world.visit, team=team)
    assert list(world.visit.team.values_list("user", flat=True)) == [world.people.member.pk]


def test_it_checks_every_right_of_a_combined_change_before_changing_anything(world):
    """GIVEN a lead, who may plan but not change the team
    WHEN they change the title and the team at once
    THEN nothing changes and nothing is audited."""
    before = AuditEvent.objects.count()
    with pytest.raises(NotAllowed, match="change its team"):
        visit_change(
            actor=world.people.lead,
            visit=world.visit,
            fields={"title": "Đổi tên"},
            team=[TeamInput(world.people.lead, TeamMembership.Role.LEAD)],
        )
    world.visit.refresh_from_db()
    assert world.visit.title == "Kiểm tra tại Hạ Long"
    assert AuditEvent.objects.count() == before


def test_it_lets_the_team_and_coordinators_edit_the_checklist_and_mark_deadlines(world):
    for person in (world.people.host_in,):
        with pytest.raises(NotAllowed, match="change its checklist"):
            checklist_item_update(actor=person, item=world.item, status="done")
        with pytest.raises(NotAllowed, match="change its checklist"):
            checklist_item_add(actor=person, visit=world.visit, text="Thêm")
        with pytest.raises(NotAllowed, match="mark this deadline"):
            milestone_mark_done(actor=person, milestone=_team_milestone(world))
    with pytest.raises(NotFound):
        checklist_item_update(actor=world.people.host_out, item=world.item, status="done")
    checklist_item_update(actor=world.people.secretary, item=world.item, status="done")
    milestone_mark_done(actor=world.people.secretary, milestone=_team_milestone(world))


def test_it_refuses_a_duplicate_milestone_key_on_the_key(world):
    key = _milestone(world).key
    with pytest.raises(ValidationError) as refused:
        milestone_add(
            actor=world.people.lead,
            visit=world.visit,
            key=key,
            title="Trùng",
            due_date=dt.date(2024, 6, 1),
            responsible=Responsible.TEAM,
        )
    assert "key" in refused.value.message_dict


@pytest.mark.parametrize(
    ("field", "limit"), [("finding", MAX_FINDING_TEXT), ("internal_note", MAX_NOTE_TEXT)]
)
def test_it_refuses_text_over_its_limit_in_the_service(world, field, limit):
    with pytest.raises(ValidationError) as refused:
        checklist_item_update(
            actor=world.people.lead, item=world.item, **{field: "x" * (limit + 1)}
        )
    assert field in refused.value.message_dict
    checklist_item_update(actor=world.people.lead, item=world.item, **{field: "x" * limit})


def test_it_derives_the_same_milestone_state_for_a_row_and_as_a_filter(world):
    today = dt.date(2024, 5, 20)
    milestones = list(world.visit.milestones.all())
    milestone_mark_done(actor=None, milestone=milestones[0])
    for state in Milestone.State.values:
        filtered = set(
            world.visit.milestones.filter(Milestone.state_condition([state], today)).values_list(
                "pk", flat=True
            )
        )
        by_row = {m.pk for m in world.visit.milestones.all() if m.state_on(today) == state}
        assert filtered == by_row, state


@pytest.mark.parametrize(
    ("role", "key", "allowed"),
    [
        ("member", "conclusion_due", False),  # the coordinator's deadline
        ("lead", "conclusion_due", False),
        ("coordinator_in", "conclusion_due", True),
        ("host_in", "draft_report_due", True),  # the host's deadline
        ("member", "draft_report_due", False),
        ("secretary", "team_comments_due", True),  # the team's deadline
        ("host_in", "team_comments_due", False),
    ],
)
def test_it_lets_only_the_responsible_side_mark_a_deadline(world, role, key, allowed):
    milestone = world.visit.milestones.get(key=key)
    actor = getattr(world.people, role)
    if allowed:
        assert milestone_mark_done(actor=actor, milestone=milestone).done_at is not None
        assert milestone_mark_done(actor=actor, milestone=milestone, done=False).done_at is None
    else:
        with pytest.raises(NotAllowed, match="may mark this deadline"):
            milestone_mark_done(actor=actor, milestone=milestone)
        milestone.refresh_from_db()
        assert milestone.done_at is None


def test_it_answers_the_api_per_responsible_side(world, api_client):
    coordinators = world.visit.milestones.get(key="conclusion_due")
    hosts = world.visit.milestones.get(key="draft_report_due")
    api_client.force_authenticate(world.people.member)
    assert (
        api_client.patch(f"/api/v1/milestones/{coordinators.pk}/", {"state": "done"}).status_code
        == 403
    )
    api_client.force_authenticate(world.people.host_in)
    assert api_client.patch(f"/api/v1/milestones/{hosts.pk}/", {"state": "done"}).status_code == 200
    api_client.force_authenticate(world.people.host_out)
    assert api_client.patch(f"/api/v1/milestones/{hosts.pk}/", {"state": "done"}).status_code == 404
