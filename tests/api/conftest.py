"""API test fixtures; the role world itself lives in tests/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from checklists.models import User
from checklists.services.visits import visit_reschedule
from tests import factories


@pytest.fixture
def client_for(world):
    """client_for("lead") → an APIClient authenticated as that person (by session);
    client_for("stranger") → as someone with no role and no unit."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role == "stranger":
            user = User.objects.filter(username="stranger").first() or factories.UserFactory(
                username="stranger"
            )
        else:
            user = getattr(world.people, role)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def empty_cache():
    """The feeds keep when their content first changed in the cache: start clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def soon(world):
    """The world's visits moved near today, inside a calendar feed's window."""
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    start += dt.timedelta(days=10)
    for visit in (world.visit, world.other_visit):
        visit_reschedule(actor=None, visit=visit, first_session_start=start)
    return world
