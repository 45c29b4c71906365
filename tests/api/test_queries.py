"""List endpoints run a constant number of SQL queries, whatever the number of rows.

The figures exclude authentication (the tests log in with force_authenticate;
a Bearer token adds one query).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import TeamMembership
from checklists.services.checklist import checklist_item_add, checklist_item_update
from checklists.services.visits import SessionInput, TeamInput, visit_create
from tests import factories
from tests.conftest import local

# path → the most queries it may take (count + page + prefetches + the visit lookup)
BUDGETS = {
    "visits/": 4,
    "visits/{visit}/checklist/": 3,
    "visits/{visit}/milestones/": 3,
    "checklist-items/": 2,
    "milestones/": 2,
    "units/": 2,
    "users/": 2,
    "outlines/": 5,
    "audit/": 2,
}


def _grow(world, n: int) -> None:
    """More of everything: visits with teams and sessions, items, people, units."""
    for i in range(n):
        unit = factories.UnitFactory(parent=world.district)
        factories.host_contact(unit)
        start = local(2024, 6, 1 + i, 8)
        visit_create(
            actor=world.people.coordinator_in,
            outline=world.outline,
            host_unit=unit,
            title=f"Visit {i}",
            sessions=[
                SessionInput(start=start, end=start + dt.timedelta(hours=2)),
                SessionInput(
                    start=start + dt.timedelta(days=1), end=start + dt.timedelta(days=1, hours=2)
                ),
            ],
            team=[
                TeamInput(world.people.lead, TeamMembership.Role.LEAD),
                TeamInput(factories.UserFactory(), TeamMembership.Role.MEMBER),
            ],
            # The same lead on every visit, in overlapping windows: a clash (SPEC §13)
            # the coordinator plans over.
            override=True,
        )
    for i in range(n):
        item = checklist_item_add(actor=world.people.lead, visit=world.visit, text=f"Thêm {i}")
        checklist_item_update(
            actor=world.people.lead, item=item, status="done", assignee=world.people.member
        )


def _count(client, path: str, world) -> int:
    url = "/api/v1/" + path.format(visit=world.visit.pk) + "?page_size=500"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


@pytest.mark.parametrize("role", ["coordinator_in", "lead"])
def test_it_runs_a_constant_number_of_queries_on_every_list(world, client_for, role):
    client = client_for(role)
    paths = [p for p in BUDGETS if not (p == "audit/" and role == "lead")]
    before = {path: _count(client, path, world) for path in paths}
    _grow(world, 6)
    after = {path: _count(client, path, world) for path in paths}
    assert after == before
    for path in paths:
        assert after[path] <= BUDGETS[path], (path, after[path])


def test_it_reads_a_300_item_checklist_in_at_most_5_queries_with_a_bearer_token(world, api_client):
    for i in range(300 - world.visit.checklist.count()):
        checklist_item_add(actor=None, visit=world.visit, text=f"Nội dung {i}")
    token = api_client.post(
        "/api/v1/auth/token/",
        {"username": "lead", "password": "correct horse battery staple"},
        format="json",
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api_client.get("/api/v1/visits/")  # first use records last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(f"/api/v1/visits/{world.visit.pk}/checklist/", {"page_size": 500})
    assert len(response.json()["results"]) == 300
    assert len(queries) <= 5, [q["sql"][:120] for q in queries]
