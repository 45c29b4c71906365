"""HTTP behaviour of the API: tokens, ETags and If-Match, throttling, problem details."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from api.models import ApiToken
from checklists.models import AuditEvent, ChecklistItem, Visit

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def _token(api_client, username: str, password: str = PASSWORD):
    return api_client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_it_issues_a_bearer_token_that_authenticates_and_stores_only_a_digest(world, api_client):
    response = _token(api_client, "lead")
    assert response.status_code == 200
    raw = response.json()["token"]
    assert not ApiToken.objects.filter(digest=raw).exists()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(f"/api/v1/visits/{world.visit.pk}/").status_code == 200

    assert api_client.delete("/api/v1/auth/token/").status_code == 204
    answer = api_client.get(f"/api/v1/visits/{world.visit.pk}/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_wrong_credentials_with_a_problem(world, api_client):
    response = _token(api_client, "lead", "wrong")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]["password"]


def test_it_throttles_token_requests(world, api_client, settings):
    settings.AXES_FAILURE_LIMIT = 100
    statuses = [_token(api_client, "lead", "wrong").status_code for _ in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
    throttled = _token(api_client, "lead", "wrong")
    assert throttled["Retry-After"]
    assert throttled["Content-Type"] == "application/problem+json"


def test_it_locks_out_an_account_after_repeated_failures(world, api_client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "1000/minute",
        },
    }
    for _ in range(3):
        _token(api_client, "lead", "wrong")
    locked = _token(api_client, "lead")  # the right password, but locked out
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"].lower()


def test_it_answers_a_stale_if_match_on_a_checklist_item_with_412_and_changes_nothing(
    world, client_for
):
    client = client_for("member")
    url = f"/api/v1/checklist-items/{world.item.pk}/"
    etag = client.get(url)["ETag"]
    first = client.patch(url, {"finding": "Đã kiểm tra"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    events = AuditEvent.objects.count()

    stale = client.patch(
        url, {"finding": "Ghi đè", "status": "done"}, format="json", HTTP_IF_MATCH=etag
    )

    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert stale["ETag"] == first["ETag"]
    item = ChecklistItem.objects.get(pk=world.item.pk)
    assert (item.finding, item.status) == ("Đã kiểm tra", "open")
    assert AuditEvent.objects.count() == events


def test_it_treats_a_weak_or_garbled_if_match_as_stale(world, client_for):
    client = client_for("member")
    url = f"/api/v1/checklist-items/{world.item.pk}/"
    etag = client.get(url)["ETag"]
    for header in (f"W/{etag}", "garbage", '"v999"'):
        assert (
            client.patch(url, {"finding": "x"}, format="json", HTTP_IF_MATCH=header).status_code
            == 412
        )
    assert client.patch(url, {"finding": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_it_answers_a_stale_if_match_on_a_visit_with_412_and_changes_nothing(world, client_for):
    client = client_for("lead")
    url = f"/api/v1/visits/{world.visit.pk}/"
    etag = client.get(url)["ETag"]
    assert (
        client.patch(url, {"title": "Lần 1"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    )
    stale = client.patch(
        url,
        {
            "title": "Lần 2",
            "sessions": [
                {"start": "2024-07-01T08:00:00+07:00", "end": "2024-07-01T10:00:00+07:00"}
            ],
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    visit = Visit.objects.get(pk=world.visit.pk)
    assert visit.title == "Lần 1"
    assert visit.sessions.get().start.isoformat() == "2024-05-13T01:00:00+00:00"


def test_it_gives_every_error_as_problem_details(world, client_for):
    client = client_for("coordinator_in")
    cases = [
        (client.get("/api/v1/no-such-thing/"), 404),
        (client.delete(f"/api/v1/visits/{world.visit.pk}/"), 405),
        (client.post("/api/v1/visits/", "{not json", content_type="application/json"), 400),
        (client.post("/api/v1/visits/", "<visit/>", content_type="application/xml"), 415),
        (client.post(f"/api/v1/visits/{world.visit.pk}/close/"), 409),
        (client.get("/api/v1/visits/", {"page": 99}), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.content[:200]
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        assert body["title"] and body["detail"] and body["type"]


def test_it_names_every_invalid_field(world, client_for):
    response = client_for("coordinator_in").post(
        "/api/v1/visits/",
        {
            "outline": world.outline.pk,
            "host_unit": world.district.pk,
            "title": "",
            "sessions": [
                {"start": "2024-05-13T10:00:00+07:00", "end": "2024-05-13T08:00:00+07:00"}
            ],
            "team": [{"user": world.people.lead.pk, "role": "chief"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "sessions[0].end", "team[0].role"}
    assert Visit.objects.count() == 2


def test_it_answers_in_the_language_asked_for(world, client_for):
    client = client_for("coordinator_in")
    english = client.get("/api/v1/visits/999999/", HTTP_ACCEPT_LANGUAGE="en").json()
    vietnamese = client.get("/api/v1/visits/999999/", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert english["title"] != vietnamese["title"]
