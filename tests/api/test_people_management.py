"""Who may change a person's account (SPEC §4): a scoped coordinator manages the
people attached to units of their subtree, not everyone they can see.

The members of a visit's team often belong to no unit (central inspectors); the
province coordinator sees them on their visits but must not be able to reset
their password and take over their account, and with it other provinces' visits.
"""

from __future__ import annotations

import pytest

from checklists.models import User
from checklists.policies import manages_person

pytestmark = pytest.mark.django_db


def _patch(client, person: User, **data):
    return client.patch(f"/api/v1/users/{person.pk}/", data, format="json")


@pytest.mark.parametrize("field", [{"password": "a brand new passphrase 9"}, {"email": "x@y.vn"}])
def test_a_scoped_coordinator_cannot_change_a_team_member_without_unit(world, client_for, field):
    lead = world.people.lead
    before = User.objects.get(pk=lead.pk)
    assert client_for("coordinator_in").get(f"/api/v1/users/{lead.pk}/").status_code == 200

    response = _patch(client_for("coordinator_in"), lead, **field)

    assert response.status_code == 403
    assert "scope" in response.json()["detail"]
    after = User.objects.get(pk=lead.pk)
    assert (after.password, after.email) == (before.password, before.email)


def test_a_scoped_coordinator_cannot_deactivate_a_team_member_without_unit(world, client_for):
    response = client_for("coordinator_in").delete(f"/api/v1/users/{world.people.lead.pk}/")
    assert response.status_code == 403
    assert User.objects.get(pk=world.people.lead.pk).is_active


def test_a_scoped_coordinator_still_manages_their_host_contacts(world, client_for):
    host = world.people.host_in
    response = _patch(client_for("coordinator_in"), host, password="a brand new passphrase 9")
    assert response.status_code == 200
    host.refresh_from_db()
    assert host.check_password("a brand new passphrase 9")


def test_a_coordinator_of_everything_manages_team_members(world, client_for, api_client):
    api_client.force_authenticate(world.people.coordinator_all)
    response = _patch(api_client, world.people.lead, email="lead@inspect.vn")
    assert response.status_code == 200


def test_the_rule_itself(world):
    people = world.people
    coordinator = people.coordinator_in
    assert manages_person(coordinator, coordinator)
    assert manages_person(coordinator, people.host_in)
    assert not manages_person(coordinator, people.lead)  # no unit: seen, not managed
    assert not manages_person(coordinator, people.host_out)
    assert not manages_person(coordinator, people.coordinator_all)
    assert not manages_person(coordinator, people.coordinator_out)
    assert not manages_person(people.lead, people.member)
    assert manages_person(people.coordinator_all, people.lead)
