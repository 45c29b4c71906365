"""Simultaneous issues on PostgreSQL, each thread on a connection of its own: one
conclusion issued twice at once is issued once (the other 409), and conclusions
of different visits issued at once by the same issuer take 1, 2, 3 … of its
register, never the same number twice, never a gap."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from checklists.errors import Conflict
from checklists.models import Conclusion, OutgoingRegister, Visit
from checklists.services.conclusions import conclusion_issue
from checklists.services.visits import SessionInput, visit_create
from tests.conclusion_world import draft, to_reporting
from tests.conftest import local

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="row locks between connections need PostgreSQL (SQLite serialises writers)",
    ),
]

ISSUED_ON = dt.date(2024, 7, 1)


def _race(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls at the same moment, each in a thread with its own database
    connection; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []  # list.append is atomic

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # the refusal is the result under test
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_it_issues_one_conclusion_once_when_two_issue_it_at_once(world):
    to_reporting(world.visit)
    draft(world.visit)
    people = (world.people.lead, world.people.coordinator_in)
    results = _race(
        [
            lambda person=person: conclusion_issue(
                actor=person, visit=Visit.objects.get(pk=world.visit.pk), issued_on=ISSUED_ON
            )
            for person in people
        ]
    )
    issued = [r for r in results if isinstance(r, Conclusion)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(issued), len(refused)) == (1, 1), results
    assert list(Conclusion.objects.values_list("state", "number")) == [("issued", 1)]
    assert OutgoingRegister.objects.get().next_number == 2


def test_it_numbers_simultaneous_issues_of_one_issuer_without_gap_or_duplicate(world):
    visits = []
    for index in range(6):
        start = local(2024, 6, 3, 8)
        visit = visit_create(
            actor=world.people.coordinator_in,
            outline=world.outline,
            host_unit=world.district,
            title=f"Kiểm tra {index}",
            sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
            override=True,  # six visits of one unit at once: numbering, not planning
        )
        to_reporting(visit)
        draft(visit)
        visits.append(visit.pk)
    results = _race(
        [
            lambda pk=pk: conclusion_issue(
                actor=None, visit=Visit.objects.get(pk=pk), issued_on=ISSUED_ON
            )
            for pk in visits
        ]
    )
    assert all(isinstance(r, Conclusion) for r in results), results
    numbers = sorted(Conclusion.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6]
    register = OutgoingRegister.objects.get(unit=world.province_in, type_code="KL", year=2024)
    assert register.next_number == 7
