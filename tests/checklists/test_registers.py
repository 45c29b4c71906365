"""Outgoing registers set by hand (SPEC §12): a coordinator adopting the product
mid-year opens a register at the number the office reached on paper, or raises it;
never lowers it; audited; only for the units in their scope. The concurrent raise
and issue are in test_register_races.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from checklists.errors import Conflict, Invalid, NotAllowed, NotFound
from checklists.models import AuditEvent, OutgoingRegister
from checklists.selectors.registers import registers_visible_to
from checklists.services.registers import (
    register_create,
    register_raise,
    register_take_number,
)

pytestmark = pytest.mark.django_db


def _register(unit, *, type_code="KL", year=2024, next_number=1) -> OutgoingRegister:
    return register_create(
        actor=None, unit=unit, type_code=type_code, year=year, next_number=next_number
    )


def _events(action: str) -> int:
    return AuditEvent.objects.filter(object_type="outgoingregister", action=action).count()


def test_a_coordinator_opens_a_register_where_paper_left_off_and_numbers_continue(world):
    register = register_create(
        actor=world.people.coordinator_in,
        unit=world.province_in,
        type_code="KH",
        year=2024,
        next_number=17,
    )
    assert (register.unit, register.type_code, register.year, register.next_number) == (
        world.province_in,
        "KH",
        2024,
        17,
    )
    event = AuditEvent.objects.get(object_type="outgoingregister", action="create")
    assert event.actor == world.people.coordinator_in
    assert event.changes["next_number"] == 17
    with transaction.atomic():
        assert register_take_number(unit=world.province_in, type_code="KH", year=2024) == 17
    register.refresh_from_db()
    assert register.next_number == 18


def test_a_coordinator_of_a_province_opens_one_for_a_district_below_it(world):
    register = register_create(
        actor=world.people.coordinator_in, unit=world.district, type_code="BC", year=2024
    )
    assert register.next_number == 1


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"type_code": "QĐ"}, "type_code"),
        ({"type_code": "kl"}, "type_code"),
        ({"type_code": ""}, "type_code"),
        ({"year": 1999}, "year"),
        ({"year": "next"}, "year"),
        ({"next_number": 0}, "next_number"),
        ({"next_number": -3}, "next_number"),
        ({"next_number": 1_000_000}, "next_number"),
    ],
)
def test_it_refuses_a_register_it_cannot_keep(world, fields, key):
    arguments = {"type_code": "KL", "year": 2024, "next_number": 5, **fields}
    if arguments["year"] == "next":
        arguments["year"] = timezone.localdate().year + 2
    with pytest.raises(Invalid) as caught:
        register_create(actor=world.people.coordinator_in, unit=world.province_in, **arguments)
    assert list(caught.value.error_dict) == [key]
    assert not OutgoingRegister.objects.exists()
    assert _events("create") == 0


def test_next_year_may_be_set_up_in_december(world):
    year = timezone.localdate().year + 1
    assert _register(world.province_in, year=year).year == year


def test_a_second_register_of_the_same_unit_type_and_year_is_a_conflict_naming_the_first(world):
    first = _register(world.province_in, next_number=4)
    with pytest.raises(Conflict) as caught:
        register_create(
            actor=world.people.coordinator_in,
            unit=world.province_in,
            type_code="KL",
            year=2024,
            next_number=9,
        )
    assert caught.value.extra["register"] == first.pk
    assert "raise its next number" in caught.value.message
    assert OutgoingRegister.objects.get().next_number == 4
    assert _events("create") == 1  # the system's, not the refused one


def test_the_same_unit_and_type_in_another_year_or_another_type_is_another_register(world):
    _register(world.province_in)
    _register(world.province_in, year=2023)
    _register(world.province_in, type_code="BC")
    assert OutgoingRegister.objects.count() == 3


def test_a_coordinator_raises_the_next_number_and_it_is_audited(world):
    register = _register(world.province_in, next_number=3)
    before = register.updated_at
    raised = register_raise(actor=world.people.coordinator_in, register=register, next_number=40)
    assert raised.next_number == 40
    assert raised.updated_at > before
    event = AuditEvent.objects.get(object_type="outgoingregister", action="raise_number")
    assert event.changes == {"next_number": {"from": 3, "to": 40}}
    assert event.actor == world.people.coordinator_in
    assert event.object_id == str(register.pk)


def test_the_same_number_changes_nothing_and_records_nothing(world):
    register = _register(world.province_in, next_number=3)
    assert register_raise(actor=None, register=register, next_number=3).next_number == 3
    assert _events("raise_number") == 0


def test_it_never_lowers_the_next_number(world):
    register = _register(world.province_in, next_number=10)
    for lower in (9, 1):
        with pytest.raises(Conflict) as caught:
            register_raise(actor=world.people.coordinator_in, register=register, next_number=lower)
        assert "never lowered" in caught.value.message
        assert caught.value.extra["next_number"] == 10
    register.refresh_from_db()
    assert register.next_number == 10
    assert _events("raise_number") == 0


def test_it_compares_with_the_stored_number_not_the_one_the_caller_read(world):
    """The caller's copy is stale (numbers were taken since): the comparison is the
    database's, under the lock, or number 11 would be given twice."""
    register = _register(world.province_in, next_number=10)
    with transaction.atomic():
        register_take_number(unit=world.province_in, type_code="KL", year=2024)
        register_take_number(unit=world.province_in, type_code="KL", year=2024)
    assert register.next_number == 10  # the stale copy
    with pytest.raises(Conflict):
        register_raise(actor=None, register=register, next_number=11)
    assert register_raise(actor=None, register=register, next_number=12).next_number == 12


@pytest.mark.parametrize("number", [0, -1, 1_000_000])
def test_it_refuses_a_raise_out_of_range(world, number):
    register = _register(world.province_in, next_number=1)
    with pytest.raises(Invalid) as caught:
        register_raise(actor=world.people.coordinator_in, register=register, next_number=number)
    assert list(caught.value.error_dict) == ["next_number"]


@pytest.mark.parametrize("role", ["coordinator_out", "lead", "host_in", "member"])
def test_a_register_outside_ones_scope_does_not_exist_for_them(world, role):
    register = _register(world.district, next_number=5)
    with pytest.raises(NotFound):
        register_raise(actor=getattr(world.people, role), register=register, next_number=50)
    register.refresh_from_db()
    assert register.next_number == 5
    assert _events("raise_number") == 0


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("coordinator_out", "province_in"),
        ("coordinator_in", "province_out"),
        # A province's coordinator does not number the centre's documents.
        ("coordinator_in", "central"),
        ("lead", "province_in"),
        ("host_in", "district"),
    ],
)
def test_only_a_coordinator_of_the_unit_opens_its_register(world, role, unit):
    with pytest.raises(NotAllowed):
        register_create(
            actor=getattr(world.people, role),
            unit=getattr(world, unit),
            type_code="KL",
            year=2024,
            next_number=5,
        )
    assert not OutgoingRegister.objects.exists()
    assert _events("create") == 0


def test_a_coordinator_of_everything_sets_any_register(world):
    register = register_create(
        actor=world.people.coordinator_all, unit=world.central, type_code="KL", year=2024
    )
    raised = register_raise(actor=world.people.coordinator_all, register=register, next_number=2)
    assert raised.next_number == 2


def test_a_deactivated_coordinator_sets_nothing(world):
    coordinator = world.people.coordinator_in
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    register = _register(world.province_in)
    with pytest.raises(NotFound):
        register_raise(actor=coordinator, register=register, next_number=2)
    with pytest.raises(NotAllowed):
        register_create(actor=coordinator, unit=world.province_in, type_code="KH", year=2024)


def test_each_coordinator_sees_the_registers_of_their_scope_only(world):
    own = _register(world.province_in)
    below = _register(world.district)
    other = _register(world.province_out)
    central = _register(world.central)
    people = world.people
    assert set(registers_visible_to(people.coordinator_in)) == {own, below}
    assert set(registers_visible_to(people.coordinator_out)) == {other}
    assert set(registers_visible_to(people.coordinator_all)) == {own, below, other, central}
    for role in ("lead", "host_in", "member"):
        assert not registers_visible_to(getattr(people, role)).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not registers_visible_to(AnonymousUser()).exists()


def test_a_register_opened_by_an_issue_is_raised_like_any_other(outcome):
    """The conclusion issue opens its register by itself; the coordinator raises it."""
    from checklists.services.conclusions import conclusion_issue

    conclusion_issue(actor=None, visit=outcome.visit, issued_on=dt.date(2024, 7, 1))
    register = OutgoingRegister.objects.get(type_code="KL", year=2024)
    assert register.next_number == 2
    raised = register_raise(actor=outcome.people.coordinator_in, register=register, next_number=30)
    assert raised.next_number == 30
