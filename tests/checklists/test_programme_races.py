"""Two "create visits" at once on PostgreSQL, each thread on a connection of its
own: every entry's visit is created once (the programme's row lock serialises
them; the second finds the visits made)."""

from __future__ import annotations

import pytest
from django.db import connection

from checklists.models import Programme, ProgrammeEntry, Visit
from checklists.services.programme_visits import VisitsCreated, programme_create_visits
from checklists.services.programmes import programme_approve
from tests.checklists.test_conclusion_races import _race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between connections need PostgreSQL (SQLite serialises writers)",
    ),
]


def test_it_creates_each_visit_once_when_two_coordinators_create_them_at_once(plan):
    programme_approve(actor=plan.world.people.coordinator_in, programme=plan.programme)
    people = (plan.world.people.coordinator_in, plan.world.people.coordinator_all)
    results = _race(
        [
            lambda person=person: programme_create_visits(
                actor=person, programme=Programme.objects.get(pk=plan.programme.pk)
            )
            for person in people
        ]
    )
    assert all(isinstance(r, VisitsCreated) for r in results), results
    assert sorted(len(r.created) for r in results) == [0, 2]
    assert Visit.objects.filter(programme=plan.programme).count() == 2
    linked = ProgrammeEntry.objects.values_list("visit_id", flat=True)
    assert sorted(linked) == sorted(
        Visit.objects.filter(programme=plan.programme).values_list("pk", flat=True)
    )
