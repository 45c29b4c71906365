"""`/health/` (liveness) and `/health/?deep=1` (database and broker), SPEC §5."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.conf import settings

from backend.celery import app as celery_app
from tests.worker.conftest import broker_for_tests, celery_pointed_at


@pytest.fixture(scope="module")
def reachable_broker() -> Iterator[str]:
    """REDIS_URL when set, else an embedded Redis for this module only."""
    with broker_for_tests() as url:
        yield url


@pytest.fixture
def broker_up(reachable_broker) -> Iterator[str]:
    with celery_pointed_at(reachable_broker):
        yield reachable_broker


def _closed_port() -> int:
    # Bound then released: nothing listens there for the few seconds the test runs.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down() -> Iterator[str]:
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    with celery_pointed_at(url):
        yield url


def test_it_answers_liveness_without_touching_anything(client):
    # No django_db mark: pytest-django fails any database access, and no broker is set up.
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_reports_database_and_broker_ok(client, broker_up):
    response = client.get("/health/", {"deep": "1"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"
    assert "worker" not in body["checks"]


@pytest.mark.django_db
def test_it_names_the_broker_when_it_is_unreachable(client, broker_down):
    """GIVEN a broker URL on a closed port WHEN asked deeply THEN 503 naming the broker."""
    assert celery_app.conf.broker_url == broker_down

    response = client.get("/health/", {"deep": "1"})

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["broker"]["error"]


def test_it_restores_the_configured_broker_after_an_override():
    configured = settings.CELERY_BROKER_URL
    elsewhere = f"redis://127.0.0.1:{_closed_port()}/0"

    with celery_pointed_at(elsewhere):
        assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL == elsewhere

    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL == configured


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "deep=0",
        "deep=maybe",
        "deep=",
        "deep",
        "deep=1&deep=0",
        "deep[]=1",
        "deep=%FF%FE",
        "deep=%00",
        "deep=" + "1" * 5000,
        "worker=1",
        "deep=1&worker=%FF",
        "%=%",
        "&&&==",
    ],
)
def test_it_never_answers_500_to_odd_query_strings(client, broker_down, query):
    response = client.get(f"/health/?{query}")

    assert response.status_code in {200, 503}
    assert response.json()["status"] in {"ok", "error"}


def test_it_refuses_other_methods_without_a_500(client):
    assert client.post("/health/").status_code == 405


def test_it_has_a_favicon(client):
    """Browsers ask for /favicon.ico on every site: not a 404 in the logs."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
