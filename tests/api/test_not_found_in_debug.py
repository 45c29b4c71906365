"""Every /api/ 404 is a problem, with DEBUG on too (issue 17 item 4): ids the URL
converter rejects used to answer Django's technical 404 page under `make run`,
listing every URL pattern of the site."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

REJECTED = [
    "/api/v1/visits/-1/",
    "/api/v1/visits/1e3/",
    "/api/v1/visits/12345678901234567890123/",
    "/api/v1/milestones/abc/reminders/",
    "/api/v1/no-such-thing/",
]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", REJECTED)
def test_it_answers_a_rejected_api_address_with_a_problem(world, client_for, settings, debug, path):
    settings.DEBUG = debug
    response = client_for("coordinator_all").get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert "urlpatterns" not in response.content.decode()


def test_it_leaves_a_views_own_problem_untouched(world, client_for, settings):
    settings.DEBUG = True
    response = client_for("host_out").get(f"/api/v1/visits/{world.visit.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_it_leaves_the_pages_404_to_the_pages(world, web_client_for, settings):
    settings.DEBUG = True
    response = web_client_for("lead").get("/visits/-1/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
