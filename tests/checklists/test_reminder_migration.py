"""The migration that generalised the reminder record (0014): reminders recorded
before it keep their milestone, the database then holds "one obligation" and
"once per (obligation, recipient, offset)", and recommendations already open are
planned by the next pass."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from checklists.models import Recommendation, Reminder
from checklists.models.visits import REMINDER_REPLAN_AT
from tests.checklists.test_reminders_recommendations import issue
from tests.conftest import local

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="schema steps on PostgreSQL"),
]

BEFORE = ("checklists", "0013_visit_issuer_existing")
AFTER = ("checklists", "0014_recommendation_reminders")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def _migrate_to_latest() -> None:
    """Back to every app's latest migration: the tests after this one (and the
    checks below, through today's models) need the whole schema, not 0014's."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_reminders_keep_their_milestone(world):
    issued = issue(world)
    milestone = world.visit.milestones.first()
    Recommendation.objects.filter(pk=issued.kn1.pk).update(next_reminder_at=None)
    try:
        old = _migrate(BEFORE)
        OldReminder = old.get_model("checklists", "Reminder")
        row = OldReminder.objects.create(
            milestone_id=milestone.pk,
            recipient_id=world.people.host_in.pk,
            offset="0d",
            due_at=local(2024, 5, 20, 8),
            lease_until=local(2024, 5, 20, 8),
        )
        _migrate(AFTER)
    finally:
        _migrate_to_latest()
    reminder = Reminder.objects.get(pk=row.pk)
    assert reminder.milestone_id == milestone.pk and reminder.recommendation_id is None
    # The guarantees, held by the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            milestone_id=milestone.pk,
            recipient=world.people.host_in,
            offset="0d",
            due_at=reminder.due_at,
            lease_until=reminder.lease_until,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            recipient=world.people.host_in,
            offset="-1d",
            due_at=reminder.due_at,
            lease_until=reminder.lease_until,
        )
    # Open recommendations are planned at the next pass.
    assert set(Recommendation.objects.values_list("next_reminder_at", flat=True).distinct()) == {
        REMINDER_REPLAN_AT
    }
