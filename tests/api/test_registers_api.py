"""registers/ (SPEC §5, §12) through the API: a coordinator lists the registers of
their units, opens one, raises its next number; lowering it is a 409 problem; other
units' registers answer 404; people who are not coordinators see none and may open
none (403); bad input is a 400 naming the field, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from checklists.models import AuditEvent, OutgoingRegister
from checklists.services.registers import register_create
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/registers/"


@pytest.fixture
def client_as(world):
    stranger = factories.UserFactory(username="stranger")

    def make(role: str) -> APIClient:
        client = APIClient()
        user = stranger if role == "stranger" else getattr(world.people, role)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def registers(world) -> dict[str, OutgoingRegister]:
    def make(unit, type_code="KL", next_number=1) -> OutgoingRegister:
        return register_create(
            actor=None, unit=unit, type_code=type_code, year=2024, next_number=next_number
        )

    return {
        "in": make(world.province_in, next_number=12),
        "district": make(world.district, "BC"),
        "out": make(world.province_out),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_coordinator_lists_the_registers_of_their_units(client_as, registers):
    body = client_as("coordinator_in").get(URL).json()
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == {registers["in"].pk, registers["district"].pk}
    row = rows[registers["in"].pk]
    assert set(row) == {"id", "unit", "type_code", "year", "next_number", "updated_at"}
    assert (row["unit"], row["type_code"], row["year"], row["next_number"]) == (
        registers["in"].unit_id,
        "KL",
        2024,
        12,
    )
    assert "+" in row["updated_at"] or row["updated_at"].endswith("Z")
    assert _ids(client_as("coordinator_all").get(URL)) == {r.pk for r in registers.values()}
    assert _ids(client_as("coordinator_out").get(URL)) == {registers["out"].pk}


def test_it_filters_by_unit_type_and_year(client_as, registers, world):
    client = client_as("coordinator_all")
    assert _ids(client.get(URL, {"unit": world.district.pk})) == {registers["district"].pk}
    assert _ids(client.get(URL, {"type_code": "BC"})) == {registers["district"].pk}
    assert _ids(client.get(URL, {"year": 2023})) == set()
    assert client.get(URL, {"year": "two"}).status_code == 400
    assert client.get(URL, {"unit": "x"}).status_code == 400


@pytest.mark.parametrize("role", ["lead", "member", "host_in", "host_out", "stranger"])
def test_people_who_are_not_coordinators_see_no_register(client_as, registers, role):
    client = client_as(role)
    assert _ids(client.get(URL)) == set()
    assert client.get(f"{URL}{registers['in'].pk}/").status_code == 404


def test_nobody_signed_in_is_told_to_sign_in(client_as, registers):
    assert client_as("anonymous").get(URL).status_code in (401, 403)
    response = client_as("anonymous").patch(
        f"{URL}{registers['in'].pk}/", {"next_number": 99}, format="json"
    )
    assert response.status_code in (401, 403)
    assert OutgoingRegister.objects.get(pk=registers["in"].pk).next_number == 12


def test_a_coordinator_opens_a_register(client_as, world):
    response = client_as("coordinator_in").post(
        URL,
        {"unit": world.district.pk, "type_code": "KH", "year": 2024, "next_number": 7},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["unit"], body["type_code"], body["year"], body["next_number"]) == (
        world.district.pk,
        "KH",
        2024,
        7,
    )
    assert OutgoingRegister.objects.get(pk=body["id"]).next_number == 7
    assert AuditEvent.objects.filter(object_id=str(body["id"]), action="create").count() == 1
    # Without next_number it starts at 1.
    second = client_as("coordinator_in").post(
        URL, {"unit": world.district.pk, "type_code": "BC", "year": 2024}, format="json"
    )
    assert (second.status_code, second.json()["next_number"]) == (201, 1)


def test_opening_a_register_that_exists_is_a_conflict_naming_it(client_as, registers, world):
    response = client_as("coordinator_in").post(
        URL,
        {"unit": world.province_in.pk, "type_code": "KL", "year": 2024, "next_number": 3},
        format="json",
    )
    assert response.status_code == 409
    problem = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert problem["register"] == registers["in"].pk
    assert "raise its next number" in problem["detail"]
    assert OutgoingRegister.objects.get(pk=registers["in"].pk).next_number == 12


@pytest.mark.parametrize(
    ("role", "unit"),
    [("coordinator_out", "province_in"), ("coordinator_in", "central"), ("lead", "district")],
)
def test_only_a_coordinator_of_the_unit_opens_its_register(client_as, world, role, unit):
    response = client_as(role).post(
        URL,
        {"unit": getattr(world, unit).pk, "type_code": "KL", "year": 2024, "next_number": 3},
        format="json",
    )
    assert response.status_code == 403, response.content
    assert not OutgoingRegister.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type_code": "QĐ"}, "type_code"),
        ({"type_code": 5}, "type_code"),
        ({"year": "2024"}, "year"),
        ({"year": 1990}, "year"),
        ({"year": 10**12}, "year"),
        ({"next_number": 0}, "next_number"),
        ({"next_number": True}, "next_number"),
        ({"next_number": 2.5}, "next_number"),
        ({"next_number": 10**30}, "next_number"),
        ({"unit": 999_999}, "unit"),
        ({"unit": None}, "unit"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_as, world, body, field):
    data = {"unit": world.province_in.pk, "type_code": "KL", "year": 2024, "next_number": 3, **body}
    response = client_as("coordinator_in").post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not OutgoingRegister.objects.exists()


def test_a_coordinator_raises_the_next_number(client_as, registers):
    url = f"{URL}{registers['in'].pk}/"
    response = client_as("coordinator_in").patch(url, {"next_number": 40}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["next_number"] == 40
    event = AuditEvent.objects.get(object_id=str(registers["in"].pk), action="raise_number")
    assert event.changes == {"next_number": {"from": 12, "to": 40}}
    # The same number again changes nothing.
    again = client_as("coordinator_in").patch(url, {"next_number": 40}, format="json")
    assert (again.status_code, again.json()["next_number"]) == (200, 40)
    assert AuditEvent.objects.filter(action="raise_number").count() == 1


def test_lowering_the_next_number_is_a_409_saying_why(client_as, registers):
    url = f"{URL}{registers['in'].pk}/"
    response = client_as("coordinator_in").patch(url, {"next_number": 11}, format="json")
    assert response.status_code == 409
    problem = response.json()
    assert problem["next_number"] == 12
    assert "never lowered" in problem["detail"] and "12" in problem["detail"]
    assert OutgoingRegister.objects.get(pk=registers["in"].pk).next_number == 12
    assert not AuditEvent.objects.filter(action="raise_number").exists()


def test_a_raise_changes_only_the_next_number(client_as, registers, world):
    url = f"{URL}{registers['in'].pk}/"
    response = client_as("coordinator_in").patch(
        url,
        {"next_number": 13, "unit": world.province_out.pk, "type_code": "BC", "year": 2020},
        format="json",
    )
    assert response.status_code == 200
    register = OutgoingRegister.objects.get(pk=registers["in"].pk)
    assert (register.unit, register.type_code, register.year, register.next_number) == (
        world.province_in,
        "KL",
        2024,
        13,
    )


@pytest.mark.parametrize(
    "body", [{}, {"next_number": "50"}, {"next_number": -1}, {"next_number": None}]
)
def test_a_raise_without_a_number_is_a_400(client_as, registers, body):
    url = f"{URL}{registers['in'].pk}/"
    response = client_as("coordinator_in").patch(url, body, format="json")
    assert response.status_code == 400, response.content
    assert "next_number" in response.json()["errors"]


@pytest.mark.parametrize("role", ["coordinator_out", "lead", "host_in"])
def test_a_register_outside_ones_scope_answers_404(client_as, registers, role):
    url = f"{URL}{registers['in'].pk}/"
    client = client_as(role)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"next_number": 99}, format="json").status_code == 404
    assert OutgoingRegister.objects.get(pk=registers["in"].pk).next_number == 12


def test_unknown_and_huge_ids_answer_404(client_as):
    client = client_as("coordinator_all")
    for pk in (999_999, 2**70):
        assert client.get(f"{URL}{pk}/").status_code == 404
    assert client.delete(f"{URL}1/").status_code == 405
    assert client.put(f"{URL}1/", {}, format="json").status_code == 405
