"""The dashboard's reads (checklists.selectors): open deadlines per person, the
visits ordered by their most pressing deadline, and the per-visit deadline counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from checklists.models import Milestone, Visit
from checklists.selectors import (
    milestone_state_q,
    milestones_open_for,
    visits_by_earliest_deadline,
    visits_with_deadline_counts,
    with_first_session,
)
from checklists.services.checklist import milestone_mark_done, milestone_reschedule
from checklists.services.visits import (
    SessionInput,
    visit_create,
    visit_set_sessions,
    visit_transition,
)
from tests import factories
from tests.conftest import local

pytestmark = pytest.mark.django_db


def _visit_at(world, start: dt.datetime, **kwargs) -> Visit:
    defaults = {"host_unit": world.district, "title": "Visit", "code": ""}
    defaults.update(kwargs)
    return visit_create(
        actor=world.people.coordinator_in,
        outline=world.outline,
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=2))],
        **defaults,
    )


def test_it_lists_the_open_deadlines_of_the_visits_the_person_sees(world):
    mine = set(milestones_open_for(world.people.coordinator_in).values_list("visit_id", flat=True))
    assert mine == {world.visit.pk}
    theirs = milestones_open_for(world.people.coordinator_out).values_list("visit_id", flat=True)
    assert set(theirs) == {world.other_visit.pk}
    assert set(milestones_open_for(world.people.host_out).values_list("visit_id", flat=True)) == {
        world.other_visit.pk
    }
    assert not milestones_open_for(factories.UserFactory()).exists()


def test_it_leaves_out_met_deadlines_and_finished_visits(world):
    first = world.visit.milestones.order_by("due_date").first()
    milestone_mark_done(actor=None, milestone=first, done=True)
    ids = set(milestones_open_for(world.people.lead).values_list("pk", flat=True))
    assert first.pk not in ids
    assert len(ids) == world.visit.milestones.count() - 1
    visit_transition(actor=world.people.coordinator_in, visit=world.visit, to="cancelled")
    assert not milestones_open_for(world.people.lead).exists()


def test_it_narrows_to_visits_the_person_is_involved_in_and_to_a_horizon(world):
    coordinator = world.people.coordinator_in
    assert milestones_open_for(coordinator).exists()
    assert not milestones_open_for(coordinator, mine=True).exists()
    assert milestones_open_for(world.people.member, mine=True).count() == 5
    today = timezone.localdate()
    later = _visit_at(world, local(today.year + 1, today.month, 1, 8), title="Later")
    milestones = milestones_open_for(coordinator, until=today + dt.timedelta(days=30))
    assert not milestones.filter(visit=later).exists()
    assert milestones.filter(visit=world.visit).count() == 5  # overdue ones stay


def test_it_orders_visits_by_their_most_pressing_deadline(world):
    today = timezone.localdate()
    soon = _visit_at(world, local(today.year + 1, 1, 5, 8), title="Soon")
    milestone = soon.milestones.get(key="conclusion_due")
    earliest = world.visit.milestones.order_by("due_date").first().due_date
    milestone_reschedule(actor=None, milestone=milestone, due_date=earliest + dt.timedelta(days=1))
    later = _visit_at(world, local(today.year + 2, 1, 5, 8), title="Later")
    rows = list(visits_by_earliest_deadline(milestones_open_for(world.people.coordinator_in)))
    assert [row["visit_id"] for row in rows] == [world.visit.pk, soon.pk, later.pk]
    assert rows[0]["first_due"] == earliest


def test_it_counts_overdue_and_due_soon_deadlines_per_visit_by_the_api_rules(world, settings):
    settings.MILESTONE_DUE_SOON_DAYS = 3
    today = timezone.localdate()
    visit = _visit_at(world, local(today.year + 1, 1, 5, 8), title="Counted")
    dates = {
        "decision_announced": today - dt.timedelta(days=1),  # overdue
        "draft_report_due": today,  # due soon
        "team_comments_due": today + dt.timedelta(days=3),  # due soon
        "final_report_due": today + dt.timedelta(days=4),  # upcoming
    }
    for key, due in dates.items():
        milestone_reschedule(actor=None, milestone=visit.milestones.get(key=key), due_date=due)
    done = visit.milestones.get(key="conclusion_due")
    milestone_reschedule(actor=None, milestone=done, due_date=today - dt.timedelta(days=9))
    milestone_mark_done(actor=None, milestone=done, done=True)

    counted = visits_with_deadline_counts(Visit.objects.all(), today).get(pk=visit.pk)
    assert (counted.overdue_count, counted.due_soon_count) == (1, 2)
    for state, count in ((Milestone.State.OVERDUE, 1), (Milestone.State.DUE_SOON, 2)):
        assert visit.milestones.filter(milestone_state_q([state], today)).count() == count
    world_counts = visits_with_deadline_counts(Visit.objects.all(), today).get(pk=world.visit.pk)
    assert world_counts.overdue_count == 5
    with_overdue = visits_with_deadline_counts(Visit.objects.all(), today).filter(
        overdue_count__gt=0
    )
    assert set(with_overdue.values_list("pk", flat=True)) == {
        world.visit.pk,
        world.other_visit.pk,
        visit.pk,
    }


def test_it_counts_nothing_for_a_cancelled_visit(world):
    visit_transition(actor=None, visit=world.visit, to="cancelled")
    counted = visits_with_deadline_counts(Visit.objects.all(), timezone.localdate()).get(
        pk=world.visit.pk
    )
    assert (counted.overdue_count, counted.due_soon_count) == (0, 0)


def test_it_annotates_the_first_session(world):
    visit = _visit_at(world, local(2030, 3, 2, 9), title="Two sessions")
    visit_set_sessions(
        actor=None,
        visit=visit,
        sessions=[
            SessionInput(start=local(2030, 3, 4, 9), end=local(2030, 3, 4, 11)),
            SessionInput(start=local(2030, 3, 1, 9), end=local(2030, 3, 1, 11)),
        ],
    )
    assert with_first_session(Visit.objects.all()).get(pk=visit.pk).first_session == local(
        2030, 3, 1, 9
    )
