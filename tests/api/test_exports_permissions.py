"""An export shows a person exactly the rows the JSON list shows them (SPEC §4),
and nothing of a list hidden from them: the rows come from the list's own
selector. Each case tries to read more than the person may."""

from __future__ import annotations

import datetime as dt

import pytest

from checklists.models import Unit
from tests import factories
from tests.conclusion_world import issue, rec
from tests.exports import all_pages, export, sheet_rows

LISTS = ["/api/v1/visits/", "/api/v1/milestones/", "/api/v1/recommendations/"]


@pytest.fixture
def issued(world):
    """world's visit issued with a recommendation to the host district, and the
    other visit (out of province "in") issued with one to its own host."""
    issue(world.visit, rec(world.district), issued_on=dt.date(2024, 6, 3))
    issue(world.other_visit, rec(world.province_out), issued_on=dt.date(2024, 6, 3))
    return world


def _ids(response) -> list[int]:
    return [row.get("ID", row.get("Unit ID")) for row in sheet_rows(response)[1]]


@pytest.mark.parametrize(
    "role", ["coordinator_all", "coordinator_in", "coordinator_out", "lead", "member", "host_in"]
)
@pytest.mark.parametrize("url", LISTS)
def test_each_person_exports_what_their_list_shows(issued, client_for, role, url):
    client = client_for(role)
    listed = [row["id"] for row in all_pages(client, url)]
    assert _ids(export(client, url)) == listed


def test_the_visits_a_person_exports_are_theirs_only(issued, client_for):
    assert _ids(export(client_for("coordinator_in"), "/api/v1/visits/")) == [issued.visit.pk]
    assert _ids(export(client_for("coordinator_out"), "/api/v1/visits/")) == [issued.other_visit.pk]
    assert _ids(export(client_for("host_in"), "/api/v1/visits/")) == [issued.visit.pk]
    assert _ids(export(client_for("member"), "/api/v1/visits/")) == [issued.visit.pk]
    assert _ids(export(client_for("host_out"), "/api/v1/visits/")) == [issued.other_visit.pk]


def test_a_host_contact_never_gets_the_internal_notes(world, client_for):
    url = f"/api/v1/visits/{world.visit.pk}/checklist/"
    headers, rows = sheet_rows(export(client_for("host_in"), url))
    assert "Internal note" not in headers
    assert all("Ghi chú nội bộ" not in str(value) for row in rows for value in row.values())
    assert [row["ID"] for row in rows] == [i["id"] for i in all_pages(client_for("host_in"), url)]
    headers, rows = sheet_rows(export(client_for("member"), url))
    assert "Ghi chú nội bộ của Đoàn" in [row["Internal note"] for row in rows]


@pytest.mark.parametrize("role", ["host_out", "coordinator_out"])
def test_someone_unrelated_gets_404_for_a_visits_checklist_or_deadlines(world, client_for, role):
    for tail in ("checklist", "milestones"):
        response = export(client_for(role), f"/api/v1/visits/{world.visit.pk}/{tail}/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")


def test_coverage_does_not_exist_for_anyone_but_coordinators(world, client_for):
    for role in ("lead", "host_in"):
        assert export(client_for(role), "/api/v1/units/coverage/").status_code == 404
    # A coordinator's own scope only; `within` outside it does not exist either.
    client = client_for("coordinator_in")
    ids = _ids(export(client, "/api/v1/units/coverage/"))
    assert ids == [world.province_in.pk, world.district.pk]
    outside = export(client, "/api/v1/units/coverage/", {"within": world.province_out.pk})
    assert outside.status_code == 404


def test_an_addressee_below_the_host_exports_their_own_recommendations_only(world, client_for):
    grassroots = factories.UnitFactory(parent=world.district, kind=Unit.Kind.GRASSROOTS)
    world.people.addressee = factories.host_contact(grassroots, username="addressee")
    recommendations = issue(
        world.visit, rec(world.district), rec(grassroots), issued_on=dt.date(2024, 6, 3)
    )
    client = client_for("addressee")
    assert _ids(export(client, "/api/v1/recommendations/")) == [recommendations[1].pk]
    assert _ids(export(client, "/api/v1/visits/")) == []


def test_anonymous_exports_nothing(world, api_client):
    for url in [*LISTS, "/api/v1/units/coverage/", f"/api/v1/visits/{world.visit.pk}/checklist/"]:
        assert export(api_client, url).status_code == 401
