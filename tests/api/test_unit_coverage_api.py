"""`units/coverage/` (SPEC §5, §13): coordinators read their subtree's coverage;
to anyone else it does not exist (404, SPEC §4). The figures themselves are
tested on the selector (tests/checklists/test_unit_coverage.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from api.serializers_coverage import CoverageEntrySerializer
from checklists.selectors.unit_coverage import (
    coverage_entries,
    coverage_units,
    unit_coverage_scope,
)
from tests.conftest import ROLES
from tests.coverage_world import grow_inspected_units

URL = "/api/v1/units/coverage/"
FIELDS = {
    "unit",
    "name",
    "code",
    "kind",
    "parent",
    "last_inspection",
    "last_visit",
    "outline",
    "open_recommendations",
    "late_recommendations",
    "due_again",
}
STATUS = {role: 404 for role in ROLES} | {
    "coordinator_in": 200,
    "coordinator_out": 200,
    "anonymous": 401,
}
UNITS = {
    "coordinator_in": ["quang-ninh", "ha-long"],
    "coordinator_out": ["vinh-phuc"],
}


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_coordinators_only_and_their_subtree_only(world, client_for, role):
    response = client_for(role).get(URL)
    assert response.status_code == STATUS[role], response.content[:300]
    if response.status_code == 200:
        assert [row["code"] for row in response.json()["results"]] == UNITS[role]
    elif response.status_code == 404:
        assert response["Content-Type"].startswith("application/problem+json")


def test_a_coordinator_of_everything_sees_every_unit(world, client_for):
    rows = client_for("coordinator_all").get(URL).json()["results"]
    assert [row["code"] for row in rows] == ["central", "quang-ninh", "ha-long", "vinh-phuc"]


def test_it_gives_the_fields_of_a_coverage_entry(world, client_for):
    rows = client_for("coordinator_in").get(URL, {"years": 5}).json()["results"]
    assert all(set(row) == FIELDS for row in rows)
    district = rows[1]
    assert district == {
        "unit": world.district.pk,
        "name": "Hạ Long",
        "code": "ha-long",
        "kind": "district",
        "parent": world.province_in.pk,
        "last_inspection": "2024-05-13",
        "last_visit": world.visit.pk,
        "outline": "KH-10",
        "open_recommendations": 0,
        "late_recommendations": 0,
        # Inspected more than two years ago (13 May 2024).
        "due_again": False,
    }
    assert rows[0]["last_inspection"] is None and rows[0]["due_again"] is True


def test_its_entries_are_written_as_their_declared_fields_give(world):
    # CoverageEntrySerializer writes its entries directly (a sixth of the request
    # through DRF's fields); the declared fields, which the schema documents, give
    # the same, key order included.
    grow_inspected_units(world, 4)
    scope = unit_coverage_scope(world.people.coordinator_all)
    entries = coverage_entries(scope, list(coverage_units(scope)))
    serializer = CoverageEntrySerializer()
    assert len(entries) > 4
    for entry in entries:
        fast, declared = (
            serializer.to_representation(entry),
            # DRF's own representation of the declared fields.
            dict(serializers.Serializer.to_representation(serializer, entry)),
        )
        assert list(fast.items()) == list(declared.items())


def test_years_overrides_the_setting(world, client_for, settings):
    settings.REINSPECTION_YEARS = 50
    client = client_for("coordinator_in")
    district = client.get(URL, {"within": world.district.pk}).json()["results"][0]
    assert district["due_again"] is False
    district = client.get(URL, {"within": world.district.pk, "years": 1}).json()["results"][0]
    assert district["due_again"] is True


def test_it_narrows_to_within_and_filters_by_due_again_and_kind(world, client_for):
    client = client_for("coordinator_all")

    def codes(**query):
        response = client.get(URL, {"years": 50, **query})
        assert response.status_code == 200, response.content[:300]
        return [row["code"] for row in response.json()["results"]]

    assert codes(within=world.province_in.pk) == ["quang-ninh", "ha-long"]
    assert codes(due_again="true") == ["central", "quang-ninh"]
    assert codes(due_again="false") == ["ha-long", "vinh-phuc"]
    assert codes(kind="province") == ["quang-ninh", "vinh-phuc"]
    assert codes(within=world.province_in.pk, due_again="true") == ["quang-ninh"]
    # Search and ordering apply after the filters, as on every list.
    assert codes(search="vinh") == ["vinh-phuc"]
    assert codes(kind="province", ordering="-code") == ["vinh-phuc", "quang-ninh"]
    assert codes(due_again="false", search="long") == ["ha-long"]


def test_it_is_paginated_by_unit(world, client_for):
    body = client_for("coordinator_all").get(URL, {"page_size": 3, "page": 2}).json()
    assert body["count"] == 4
    assert [row["code"] for row in body["results"]] == ["vinh-phuc"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"years": "0"}, "years"),
        ({"years": "-1"}, "years"),
        ({"years": "abc"}, "years"),
        ({"years": "2.0"}, "years"),
        ({"years": ""}, "years"),
        ({"years": "101"}, "years"),
        ({"within": "abc"}, "within"),
        ({"within": "0"}, "within"),
        ({"within": "9" * 30}, "within"),
        ({"due_again": "banana"}, "due_again"),
        ({"kind": "planet"}, "kind"),
    ],
)
def test_it_refuses_bad_input_naming_the_parameter(world, client_for, query, field):
    response = client_for("coordinator_in").get(URL, query)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


@pytest.mark.parametrize("within", ["province_out", "central"])
def test_within_outside_the_scope_is_not_found(world, client_for, within):
    response = client_for("coordinator_in").get(URL, {"within": getattr(world, within).pk})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_within_a_unit_that_does_not_exist_is_not_found(world, client_for):
    assert client_for("coordinator_all").get(URL, {"within": 987654321}).status_code == 404


def test_a_non_coordinator_is_not_told_about_bad_input_either(world, client_for):
    # Coverage does not exist for them: 404 whatever they ask, never a 400 first.
    client = client_for("lead")
    assert client.get(URL, {"within": world.district.pk, "years": 3}).status_code == 404
    assert client.get(URL, {"within": "abc", "years": 0}).status_code == 404


def _count(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page_size": 500})
    assert response.status_code == 200, response.content[:300]
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("role", ["coordinator_in", "coordinator_all"])
def test_it_runs_a_constant_number_of_queries(world, client_for, role):
    client = client_for(role)
    before, rows_before = _count(client)
    grow_inspected_units(world, 6)
    after, rows_after = _count(client)
    assert rows_after == rows_before + 6
    assert after == before
    # count + page of units + their last visits + recommendation counts (+ the scope).
    assert after <= 5


def test_the_plain_list_reads_what_its_queryset_reads(world, client_for):
    # The list without search, kind or ordering is read through compiled
    # statements (CoverageRows): the same entries as coverage_units gives.
    grow_inspected_units(world, 5)
    person = world.people.coordinator_all
    client = client_for("coordinator_all")
    for query, within, due_again, page in (
        ({}, None, None, slice(0, 50)),
        (
            {"within": world.district.pk, "page_size": 2, "page": 2},
            world.district,
            None,
            slice(2, 4),
        ),
        ({"due_again": "true", "years": 1}, None, True, slice(0, 50)),
        ({"due_again": "false", "years": 50, "page_size": 1, "page": 2}, None, False, slice(1, 2)),
    ):
        response = client.get(URL, query)
        assert response.status_code == 200, (query, response.content[:200])
        body = response.json()
        scope = unit_coverage_scope(
            person, within=within.pk if within else None, years=query.get("years"), now=None
        )
        units = list(coverage_units(scope, due_again=due_again))
        expected = CoverageEntrySerializer(coverage_entries(scope, units[page]), many=True).data
        assert body["count"] == len(units) > 0, query
        assert body["results"] == [dict(row) for row in expected], query
    assert client.get(URL, {"page": 9}).status_code == 404
