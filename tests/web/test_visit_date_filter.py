"""One date filter of visits (checklists.selectors.visits.visits_with_sessions_between):
the API's session_after/session_before and the overview page's session_from/
session_to answer the same visits for the same dates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from checklists.services.visits import SessionInput, visit_create
from tests.conftest import local

OVERVIEW = reverse("web:overview")


@pytest.fixture
def dated(world):
    """Besides KT-HL and KT-VP (13 May 2024, 8:00–11:00): a visit with a session of
    three days across the end of May, and one with two short sessions, in April
    and in June (none in May)."""

    def make(code: str, *sessions: tuple[dt.datetime, dt.datetime]) -> None:
        visit_create(
            actor=None,
            outline=world.outline,
            host_unit=world.district,
            title=f"Visit {code}",
            code=code,
            sessions=[SessionInput(start=start, end=end) for start, end in sessions],
            # Same host unit, overlapping windows on purpose (a clash, SPEC §13).
            override=True,
        )

    make("KT-LONG", (local(2024, 5, 30, 8), local(2024, 6, 1, 17)))
    make(
        "KT-GAP",
        (local(2024, 4, 10, 8), local(2024, 4, 10, 11)),
        (local(2024, 6, 20, 8), local(2024, 6, 20, 11)),
    )
    return world


CODES = re.compile(r"KT-[A-Z]+")
ALL = {"KT-HL", "KT-VP", "KT-LONG", "KT-GAP"}


def _api_codes(world, **dates: str) -> set[str]:
    client = APIClient()
    client.force_authenticate(world.people.coordinator_all)
    query = {"page_size": 100}
    if "start" in dates:
        query["session_after"] = dates["start"]
    if "end" in dates:
        query["session_before"] = dates["end"]
    response = client.get("/api/v1/visits/", query)
    assert response.status_code == 200, response.content[:300]
    return {visit["code"] for visit in response.json()["results"]}


def _page_codes(client, **dates: str) -> set[str]:
    query = {}
    if "start" in dates:
        query["session_from"] = dates["start"]
    if "end" in dates:
        query["session_to"] = dates["end"]
    response = client.get(OVERVIEW, query)
    assert response.status_code == 200
    return set(CODES.findall(response.content.decode())) & ALL


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ({"start": "2024-05-01", "end": "2024-05-31"}, {"KT-HL", "KT-VP", "KT-LONG"}),
        # The long session began in May but is still on in June: it overlaps.
        ({"start": "2024-06-01", "end": "2024-06-10"}, {"KT-LONG"}),
        # Sessions before and after the period, none within it: no match.
        ({"start": "2024-05-01", "end": "2024-05-20"}, {"KT-HL", "KT-VP"}),
        ({"start": "2024-06-15"}, {"KT-GAP"}),
        ({"end": "2024-04-30"}, {"KT-GAP"}),
        ({"start": "2024-05-13", "end": "2024-05-13"}, {"KT-HL", "KT-VP"}),
    ],
)
def test_it_answers_the_same_visits_in_the_api_and_on_the_overview(
    dated, web_client_for, dates, expected
):
    page = web_client_for("coordinator_all")
    assert _api_codes(dated, **dates) == expected
    assert _page_codes(page, **dates) == expected
