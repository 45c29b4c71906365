"""Follow-up reports issued at the same moment on PostgreSQL, each thread on a
connection of its own: the issuer's "BC" register gives 1, 2, 3 … without a gap
or a duplicate; one follow-up issued twice at once is issued once (the other 409).
The pattern of test_conclusion_races."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection  # noqa: F401 (the skipif condition below reads it)

from checklists.errors import Conflict
from checklists.models import Document, OutgoingRegister, Visit
from checklists.services.documents import document_issue
from checklists.services.visits import SessionInput, visit_create
from tests.checklists.test_conclusion_races import _race
from tests.conclusion_world import draft, to_reporting
from tests.conftest import local
from tests.document_world import issue_conclusion

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="row locks between connections need PostgreSQL (SQLite serialises writers)",
    ),
]

ISSUED_ON = dt.date(2024, 7, 1)


def _concluded_visits(world, count: int) -> list[int]:
    visits = []
    for index in range(count):
        start = local(2024, 6, 3, 8)
        visit = visit_create(
            actor=world.people.coordinator_in,
            outline=world.outline,
            host_unit=world.district,
            title=f"Kiểm tra {index}",
            sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
            override=True,
        )
        to_reporting(visit)
        draft(visit)
        issue_conclusion(visit, issued_on=ISSUED_ON)
        visits.append(visit.pk)
    return visits


def test_it_numbers_simultaneous_followups_without_gap_or_duplicate(world):
    visits = _concluded_visits(world, 4)
    results = _race(
        [
            lambda pk=pk: document_issue(
                actor=None, kind="followup", visit=Visit.objects.get(pk=pk), issued_on=ISSUED_ON
            )
            for pk in visits
        ]
    )
    assert all(isinstance(r, Document) for r in results), results
    numbers = sorted(Document.objects.filter(kind="followup").values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
    register = OutgoingRegister.objects.get(unit=world.province_in, type_code="BC", year=2024)
    assert register.next_number == 5


def test_it_issues_one_followup_once_when_two_issue_it_at_once(world):
    (pk,) = _concluded_visits(world, 1)
    people = (world.people.coordinator_all, world.people.coordinator_in)
    results = _race(
        [
            lambda person=person: document_issue(
                actor=person, kind="followup", visit=Visit.objects.get(pk=pk), issued_on=ISSUED_ON
            )
            for person in people
        ]
    )
    issued = [r for r in results if isinstance(r, Document)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(issued), len(refused)) == (1, 1), results
    assert OutgoingRegister.objects.get(type_code="BC").next_number == 2
