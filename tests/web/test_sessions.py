"""How a signed-in request finds its person (backend.auth.UserBackend) and its
session (read from the shared cache when there is one: settings.SESSION_ENGINE)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.auth import UserBackend
from checklists.models import User

pytestmark = pytest.mark.django_db

DEADLINES = reverse("web:deadlines")


def test_a_coordinator_comes_with_their_scope_in_one_query(world, django_assert_num_queries):
    coordinator = world.people.coordinator_in
    with django_assert_num_queries(1):
        user = UserBackend().get_user(coordinator.pk)
        assert user is not None
        assert user.coordinator_scope == coordinator.coordinator_scope
        assert user.coordinator_scope.path == coordinator.coordinator_scope.path


def _loaded(user: User | None) -> dict:
    """Everything the person and their two units were loaded with."""
    assert user is not None
    units = {}
    for name in ("coordinator_scope", "host_unit"):
        # Already loaded by the join (no query), or None when the person has none.
        assert User._meta.get_field(name).is_cached(user)
        unit = getattr(user, name)
        units[name] = (
            None
            if unit is None
            else {f.attname: getattr(unit, f.attname) for f in unit._meta.concrete_fields}
        )
    own = {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}
    return {"own": own, **units}


@pytest.mark.parametrize("who", ["coordinator_in", "coordinator_all", "lead", "host_in"])
def test_the_compiled_statement_loads_what_the_orm_loads(world, who):
    """UserStatement runs the ORM's own SQL, compiled once: the person, their scope
    and their host unit come out field for field as select_related gives them."""
    person = getattr(world.people, who)
    expected = User.objects.select_related("coordinator_scope", "host_unit").get(pk=person.pk)
    for _ in range(2):  # compiled on the first run, reused on the second
        assert _loaded(UserBackend().get_user(person.pk)) == _loaded(expected)
    assert UserBackend().get_user(str(person.pk)).pk == person.pk  # as the session keeps it


def test_a_session_key_that_is_not_a_number_is_nobody(world):
    assert UserBackend().get_user("1 OR 1=1") is None
    assert UserBackend().get_user("") is None


def test_a_deactivated_or_deleted_person_is_nobody(world):
    lead = world.people.lead
    User.objects.filter(pk=lead.pk).update(is_active=False)
    assert UserBackend().get_user(lead.pk) is None
    assert UserBackend().get_user(10**9) is None


def test_a_deactivated_person_is_signed_out_at_their_next_request(world, web_client_for):
    client = web_client_for("lead")
    assert client.get(DEADLINES).status_code == 200
    User.objects.filter(pk=world.people.lead.pk).update(is_active=False)
    response = client.get(DEADLINES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.fixture
def cached_sessions(settings):
    # What settings does with CACHE_URL: sessions read from the (shared) cache.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-sessions",
        }
    }


@pytest.mark.usefixtures("cached_sessions")
def test_a_cached_session_is_read_without_a_query_and_ends_at_sign_out(world):
    client = Client()
    client.force_login(world.people.lead)
    stolen = client.cookies[_cookie_name()].value
    assert client.get(DEADLINES).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DEADLINES).status_code == 200
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]

    client.post(reverse("web:logout"))
    # The session's cookie, kept by someone else, opens nothing any more.
    replay = Client()
    replay.cookies[_cookie_name()] = stolen
    response = replay.get(DEADLINES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def _cookie_name() -> str:
    return django_settings.SESSION_COOKIE_NAME
