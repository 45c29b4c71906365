"""The filters the API gained so that a page's Export link asks for the page's
rows: visits' `q` (code or title) and `overdue`, recommendations' `q` (code, text,
or the visit's code or title) and the order by unit. One selector each serves
the page and the API (checklists.selectors)."""

from __future__ import annotations

import datetime as dt

import pytest

from checklists.models import Milestone, Unit
from tests import factories
from tests.conclusion_world import issue, rec
from tests.exports import all_pages


def _ids(client, url, params):
    return [row["id"] for row in all_pages(client, url, params, page_size=50)]


def test_visits_q_finds_code_or_title(world, client_for):
    client = client_for("coordinator_all")
    assert _ids(client, "/api/v1/visits/", {"q": "kt-hl"}) == [world.visit.pk]
    assert _ids(client, "/api/v1/visits/", {"q": "Vĩnh Phúc"}) == [world.other_visit.pk]
    # Not the decision reference or the host unit's name, which `search` also reads.
    assert _ids(client, "/api/v1/visits/", {"q": "Hạ Long"}) == [world.visit.pk]
    assert _ids(client, "/api/v1/visits/", {"q": "Quảng Ninh"}) == []


def test_visits_overdue_splits_the_list(world, client_for):
    """Both visits' deadlines of May 2024 are overdue; done, a visit has none."""
    client = client_for("coordinator_all")
    both = sorted([world.visit.pk, world.other_visit.pk])
    assert sorted(_ids(client, "/api/v1/visits/", {"overdue": "true"})) == both
    Milestone.objects.filter(visit=world.other_visit).update(
        done_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    )
    assert _ids(client, "/api/v1/visits/", {"overdue": "true"}) == [world.visit.pk]
    assert _ids(client, "/api/v1/visits/", {"overdue": "false"}) == [world.other_visit.pk]


@pytest.mark.parametrize("value", ["yes", "", "1"])
def test_visits_overdue_takes_true_or_false(world, client_for, value):
    response = client_for("coordinator_all").get("/api/v1/visits/", {"overdue": value})
    assert response.status_code == 400
    assert "overdue" in response.data["errors"]


def test_recommendations_q_and_order_by_unit(world, client_for):
    grassroots = factories.UnitFactory(parent=world.district, kind=Unit.Kind.GRASSROOTS)
    first, second = issue(
        world.visit,
        rec(grassroots, "Kiện toàn tổ chức"),
        rec(world.district, "Bổ sung hồ sơ"),
        issued_on=dt.date(2024, 6, 3),
    )
    client = client_for("coordinator_all")
    assert _ids(client, "/api/v1/recommendations/", {"q": "hồ sơ"}) == [second.pk]
    assert _ids(client, "/api/v1/recommendations/", {"q": "KT-HL"}) == [first.pk, second.pk]
    # By unit in tree order: the district before the unit under it.
    ordered = _ids(client, "/api/v1/recommendations/", {"ordering": "addressee__path,due_date,id"})
    assert ordered == [second.pk, first.pk]
    too_long = client.get("/api/v1/recommendations/", {"q": "x" * 1001})
    assert too_long.status_code == 400
