"""A raise of a register's next number at the moment an issue takes a number, on
PostgreSQL, each on a connection of its own: the raise waits for the issue's row
lock and compares with what the issue left, so no number is given twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from checklists.errors import Conflict
from checklists.models import OutgoingRegister
from checklists.services.registers import register_create, register_raise, register_take_number

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="row locks between connections need PostgreSQL (SQLite serialises writers)",
    ),
]

HOLD_SECONDS = 0.5


def _issue_holding_the_lock(unit, numbers: int, taken: list[int], locked: threading.Event):
    """An issue that takes `numbers` numbers, then keeps its transaction open a moment."""

    def run() -> None:
        try:
            with transaction.atomic():
                for _ in range(numbers):
                    taken.append(register_take_number(unit=unit, type_code="KL", year=2024))
                locked.set()
                threading.Event().wait(HOLD_SECONDS)
        finally:
            connection.close()

    return threading.Thread(target=run)


def _raise_while_issuing(world, *, start: int, numbers: int, raise_to: int):
    register = register_create(
        actor=None, unit=world.province_in, type_code="KL", year=2024, next_number=start
    )
    taken: list[int] = []
    locked = threading.Event()
    issue = _issue_holding_the_lock(world.province_in, numbers, taken, locked)
    issue.start()
    assert locked.wait(10)
    try:
        outcome: object = register_raise(
            actor=world.people.coordinator_in, register=register, next_number=raise_to
        )
    except Conflict as refusal:
        outcome = refusal
    issue_still_running = issue.is_alive()
    issue.join()
    return register, taken, outcome, issue_still_running


def test_a_raise_that_would_give_a_taken_number_again_waits_and_is_refused(world):
    """Next is 5; an issue takes 5 and 6 and has not committed; a raise to 6 read
    without the lock would see 5, accept, and give 6 a second time."""
    register, taken, outcome, _ = _raise_while_issuing(world, start=5, numbers=2, raise_to=6)
    assert taken == [5, 6]
    assert isinstance(outcome, Conflict), outcome
    assert outcome.extra["next_number"] == 7
    register.refresh_from_db()
    assert register.next_number == 7
    with transaction.atomic():
        assert register_take_number(unit=world.province_in, type_code="KL", year=2024) == 7


def test_a_raise_waits_for_the_issue_then_applies_above_it(world):
    _register, taken, outcome, issue_alive = _raise_while_issuing(
        world, start=5, numbers=1, raise_to=20
    )
    assert taken == [5]
    assert isinstance(outcome, OutgoingRegister) and outcome.next_number == 20
    # The raise returned only once the issue had committed: it waited for the lock.
    assert not issue_alive
    with transaction.atomic():
        assert register_take_number(unit=world.province_in, type_code="KL", year=2024) == 20


def test_many_issues_and_a_raise_at_once_never_give_a_number_twice(world):
    """Six issues and a raise to 4 at once: whichever order the lock gives, every
    number is given once; the raise either applies (numbers after it jump) or is
    refused because issues went past 4 first."""
    register_create(actor=None, unit=world.province_in, type_code="KL", year=2024, next_number=1)
    barrier = threading.Barrier(7)
    taken: list[int] = []
    outcomes: list[object] = []

    def issue() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                taken.append(
                    register_take_number(unit=world.province_in, type_code="KL", year=2024)
                )
        finally:
            connection.close()

    def raise_() -> None:
        try:
            barrier.wait()
            register = OutgoingRegister.objects.get()
            outcomes.append(register_raise(actor=None, register=register, next_number=4))
        except Conflict as refusal:
            outcomes.append(refusal)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(6)] + [threading.Thread(target=raise_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == len(set(taken)) == 6, taken
    final = OutgoingRegister.objects.get().next_number
    assert final == max(taken) + 1
    if isinstance(outcomes[0], Conflict):
        assert taken and sorted(taken) == list(range(1, 7))
    else:
        # The numbers before the raise run from 1; those after it from 4 up.
        low = sorted(n for n in taken if n < 4)
        assert low == list(range(1, len(low) + 1))
        assert sorted(n for n in taken if n >= 4) == list(range(4, 4 + 6 - len(low)))
