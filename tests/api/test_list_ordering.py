"""An empty `?ordering=` means the default order on every list (issue 17 item 4):
a form with an empty "sort by" select sends it, and it used to be a 400."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def list_urls(world) -> list[str]:
    visit = world.visit
    milestone = visit.milestones.order_by("id").first()
    return [
        "/api/v1/units/",
        "/api/v1/users/",
        "/api/v1/outlines/",
        "/api/v1/visits/",
        "/api/v1/checklist-items/",
        "/api/v1/milestones/",
        "/api/v1/audit/",
        f"/api/v1/visits/{visit.pk}/checklist/",
        f"/api/v1/visits/{visit.pk}/milestones/",
        f"/api/v1/visits/{visit.pk}/reports/",
        f"/api/v1/milestones/{milestone.pk}/reminders/",
        "/api/v1/notifications/",
        "/api/v1/calendar/feeds/",
        "/api/v1/recommendations/",
        "/api/v1/registers/",
        f"/api/v1/units/{visit.host_unit_id}/open-recommendations/",
    ]


@pytest.mark.parametrize("empty", ["", " "])
def test_it_answers_an_empty_ordering_in_the_default_order(world, client_for, empty):
    client = client_for("coordinator_all")
    for url in list_urls(world):
        plain = client.get(url)
        assert plain.status_code == 200, (url, plain.content)
        ordered = client.get(url, {"ordering": empty})
        assert ordered.status_code == 200, (url, ordered.content)
        assert ordered.json() == plain.json(), url


def test_it_still_refuses_an_unknown_ordering(world, client_for):
    response = client_for("coordinator_all").get("/api/v1/units/", {"ordering": "nope"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]
