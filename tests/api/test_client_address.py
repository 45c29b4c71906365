"""Throttles key on the real client address (issue 17 item 4): a client-sent
X-Forwarded-For counts for nothing unless BEHIND_PROXY says how many proxies
stand in front, and then only the address the outermost proxy saw counts. So
rotating the header escapes neither the token endpoint's THROTTLE_AUTH nor the
anonymous throttle."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from backend.env import env_proxies
from backend.middleware import client_address

PASSWORD_GUESS = {"username": "lead", "password": "wrong"}


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    # Lockout out of the way: this is about the throttle.
    settings.AXES_FAILURE_LIMIT = 1000
    cache.clear()
    yield
    cache.clear()


def behind(settings, proxies: int) -> None:
    settings.BEHIND_PROXY = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}


def guess(api_client, forwarded: str, remote: str = "203.0.113.7"):
    return api_client.post(
        "/api/v1/auth/token/",
        PASSWORD_GUESS,
        format="json",
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR=remote,
    )


def test_it_throttles_token_requests_whatever_x_forwarded_for_says(world, api_client):
    statuses = [guess(api_client, f"198.51.100.{n}").status_code for n in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]


def test_it_identifies_anonymous_and_signed_in_clients_by_their_connection():
    """The anonymous and per-user throttles ask DRF's get_ident, as the scoped one
    does: with no proxy in front it is the connection's address."""
    request = Request(RequestFactory().get("/api/v1/visits/", HTTP_X_FORWARDED_FOR="198.51.100.9"))
    request.META["REMOTE_ADDR"] = "203.0.113.7"
    assert AnonRateThrottle().get_ident(request) == "203.0.113.7"
    assert UserRateThrottle().get_ident(request) == "203.0.113.7"
    assert client_address(request) == "203.0.113.7"


def test_it_keys_on_the_address_the_proxy_saw_behind_one_proxy(world, api_client, settings):
    """Behind one proxy, which appends the address it saw: the client's own
    X-Forwarded-For (rotated) is ignored, and another client is counted apart."""
    behind(settings, 1)
    statuses = [
        guess(api_client, f"198.51.100.{n}, 192.0.2.1", remote="10.0.0.2").status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
    assert guess(api_client, "198.51.100.1, 192.0.2.99", remote="10.0.0.2").status_code == 400
    # The lockout counts the same client.
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.1")
    assert client_address(request) == "192.0.2.1"


@pytest.mark.parametrize(
    ("raw", "proxies"),
    [(None, 0), ("", 0), ("0", 0), ("false", 0), ("true", 1), ("1", 1), ("2", 2)],
)
def test_it_reads_behind_proxy_as_a_number_of_proxies(monkeypatch, raw, proxies):
    if raw is None:
        monkeypatch.delenv("BEHIND_PROXY", raising=False)
    else:
        monkeypatch.setenv("BEHIND_PROXY", raw)
    assert env_proxies("BEHIND_PROXY") == proxies


@pytest.mark.parametrize("raw", ["-1", "many", "99"])
def test_it_refuses_a_bad_behind_proxy(monkeypatch, raw):
    monkeypatch.setenv("BEHIND_PROXY", raw)
    with pytest.raises(ImproperlyConfigured, match="BEHIND_PROXY"):
        env_proxies("BEHIND_PROXY")
