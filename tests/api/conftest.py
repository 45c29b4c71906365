"""API test fixtures; the role world itself lives in tests/conftest.py."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client_for(world):
    """client_for("lead") → an APIClient authenticated as that person (by session)."""

    def make(role: str) -> APIClient:
        client = APIClient()
        user = getattr(world.people, role)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
