"""The registers page (SPEC §12): a coordinator lists the registers of their units,
raises a next number (never lowers it: the service's 409 message beside the form),
opens a register; others do not find the page; the navigation links it for
coordinators only."""

from __future__ import annotations

from checklists.models import AuditEvent, OutgoingRegister
from checklists.services.registers import register_create

URL = "/registers/"


def _register(unit, **fields) -> OutgoingRegister:
    return register_create(actor=None, unit=unit, type_code="KL", year=2025, **fields)


def test_a_coordinator_sees_the_registers_of_their_units_only(world, web_client_for):
    _register(world.province_in, next_number=5)
    _register(world.province_out, next_number=9)
    page = web_client_for("coordinator_in").get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert world.province_in.name in html and world.province_out.name not in html
    assert 'href="/registers/"' in html  # the navigation
    assert 'href="/registers/"' not in web_client_for("lead").get("/visits/").content.decode()


def test_people_who_coordinate_nothing_do_not_find_it(world, web_client_for):
    register = _register(world.province_in)
    for role in ("lead", "host_in"):
        client = web_client_for(role)
        assert client.get(URL).status_code == 404
        assert client.post(f"{URL}{register.pk}/raise/", {"next_number": 9}).status_code == 404
    assert (
        web_client_for("coordinator_out")
        .post(f"{URL}{register.pk}/raise/", {"next_number": 9})
        .status_code
        == 404
    )
    assert OutgoingRegister.objects.get().next_number == 1


def test_it_raises_and_refuses_to_lower(world, web_client_for):
    register = _register(world.province_in, next_number=5)
    client = web_client_for("coordinator_in")
    raised = client.post(f"{URL}{register.pk}/raise/", {"next_number": 12}, follow=True)
    assert raised.status_code == 200
    assert OutgoingRegister.objects.get().next_number == 12
    assert AuditEvent.objects.filter(action="raise_number").count() == 1
    lowered = client.post(f"{URL}{register.pk}/raise/", {"next_number": 3})
    assert lowered.status_code == 409
    assert "never lowered" in lowered.content.decode()
    assert OutgoingRegister.objects.get().next_number == 12
    assert client.post(f"{URL}{register.pk}/raise/", {"next_number": "x"}).status_code == 422


def test_it_opens_a_register_and_refuses_a_second_or_a_unit_outside_scope(world, web_client_for):
    client = web_client_for("coordinator_in")
    form = {"unit": world.district.pk, "type_code": "BC", "year": 2025, "next_number": 7}
    assert client.post(URL, form).status_code == 302
    register = OutgoingRegister.objects.get()
    assert (register.unit, register.type_code, register.next_number) == (world.district, "BC", 7)
    again = client.post(URL, form)
    assert again.status_code == 409
    assert "raise its next number instead" in again.content.decode()
    outside = client.post(URL, {**form, "unit": world.province_out.pk})
    assert outside.status_code == 403
    bad_year = client.post(URL, {**form, "type_code": "KL", "year": 1900})
    assert bad_year.status_code == 422
    assert OutgoingRegister.objects.count() == 1
