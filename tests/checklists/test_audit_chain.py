"""The tamper-evident audit trail (SPEC §14): every event chained to the previous one,
`manage.py audit_verify` naming the first event changed, removed or inserted, the
anchor outside the table catching the removal of the newest events, and one chain
however many writers."""

from __future__ import annotations

import json
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from checklists.audit_anchor import anchor_path
from checklists.models import AuditEvent, Notification, Unit
from checklists.services.audit import audit_record
from checklists.services.audit_chain import audit_chain_verify, event_digest
from tests import factories
from worker.audit_tasks import audit_verify as audit_verify_task


def _events(n: int) -> list[AuditEvent]:
    """n audited changes of a unit, then the chain (verified once: the anchor)."""
    unit = factories.UnitFactory()
    for i in range(n):
        audit_record(actor=None, action="update", obj=unit, changes={"name": {"to": f"v{i}"}})
    call_command("audit_verify")
    return list(AuditEvent.objects.order_by("seq"))


def _verify_fails(first_bad_id: int | None) -> str:
    with pytest.raises(CommandError) as refusal:
        call_command("audit_verify")
    assert f"first bad event: {first_bad_id})" in str(refusal.value)
    return str(refusal.value)


@pytest.mark.django_db
def test_it_chains_every_event_and_verifies_a_good_chain(capsys):
    events = _events(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    previous = "0" * 64
    for event in AuditEvent.objects.order_by("seq").values():
        assert event["hash"] == event_digest(previous, event)
        previous = event["hash"]
    call_command("audit_verify")
    assert "audit chain ok: 5 events" in capsys.readouterr().out
    anchor = json.loads(anchor_path().read_text())["anchor"]
    assert (anchor["seq"], anchor["id"], anchor["hash"]) == (5, events[-1].pk, events[-1].hash)


@pytest.mark.django_db
def test_it_names_an_altered_event():
    events = _events(6)
    AuditEvent.objects.filter(pk=events[2].pk).update(changes={"name": {"to": "forged"}})
    message = _verify_fails(events[2].pk)
    assert "was changed" in message


@pytest.mark.django_db
def test_it_names_an_event_whose_author_was_altered():
    events = _events(4)
    AuditEvent.objects.filter(pk=events[1].pk).update(actor_name="someone else")
    _verify_fails(events[1].pk)


@pytest.mark.django_db
def test_it_names_the_event_after_one_deleted_in_the_middle():
    events = _events(6)
    events[3].delete()
    message = _verify_fails(events[4].pk)
    assert "positions 4 to 4" in message and "removed" in message


@pytest.mark.django_db
def test_it_catches_a_deleted_event_in_the_middle_even_with_the_positions_closed_up():
    events = _events(6)
    events[3].delete()
    for event in events[4:]:
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq - 1)
    _verify_fails(events[4].pk)


@pytest.mark.django_db
def test_it_catches_the_newest_event_deleted_through_the_anchor():
    """GIVEN a chain verified once (its head anchored outside the table)
    WHEN the newest events are deleted (what is left is still a valid chain)
    THEN the verification names the anchored event and fails."""
    events = _events(5)
    AuditEvent.objects.filter(pk__in=[events[3].pk, events[4].pk]).delete()
    message = _verify_fails(events[4].pk)
    assert "newest audit events were removed" in message
    # Still broken the next time: a failed check never moves the anchor.
    _verify_fails(events[4].pk)


@pytest.mark.django_db
def test_it_names_an_event_inserted_in_the_middle_with_a_well_forged_hash():
    """GIVEN a verified chain
    WHEN someone makes room at position 3 and inserts an event there whose hash
    is computed correctly over its predecessor (the algorithm is no secret)
    THEN the event after it no longer links, and the verification names the
    inserted one."""
    events = _events(5)
    # Make room: move positions 3.. up by one (two steps: seq is unique).
    for event in events[2:]:
        AuditEvent.objects.filter(pk=event.pk).update(seq=-event.seq)
    for event in events[2:]:
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
    forged = AuditEvent.objects.create(
        actor_name="system", action="delete", object_type="visit", object_id="9", seq=3
    )
    row = AuditEvent.objects.filter(pk=forged.pk).values().get()
    AuditEvent.objects.filter(pk=forged.pk).update(hash=event_digest(events[1].hash, row))
    message = _verify_fails(forged.pk)
    assert "was inserted" in message


@pytest.mark.django_db
def test_it_names_an_event_inserted_with_a_made_up_hash():
    events = _events(5)
    for event in events[2:]:
        AuditEvent.objects.filter(pk=event.pk).update(seq=-event.seq)
    for event in events[2:]:
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
    forged = AuditEvent.objects.create(
        actor_name="system", action="delete", object_type="visit", object_id="9", seq=3,
        hash="f" * 64,
    )  # fmt: skip
    assert "was inserted" in _verify_fails(forged.pk)


@pytest.mark.django_db
def test_it_catches_a_chain_recomputed_after_an_edit_through_the_anchor():
    events = _events(5)
    AuditEvent.objects.filter(pk=events[1].pk).update(actor_name="someone else")
    previous = "0" * 64
    for row in AuditEvent.objects.order_by("seq").values():
        previous = event_digest(previous, row)
        AuditEvent.objects.filter(pk=row["id"]).update(hash=previous)
    assert "recomputed" in _verify_fails(events[4].pk)


@pytest.mark.django_db
def test_it_chains_events_recorded_after_the_anchor_and_moves_it():
    events = _events(3)
    unit = Unit.objects.get()
    audit_record(actor=None, action="update", obj=unit)
    check = audit_chain_verify()
    assert check.ok and check.head_seq == 4
    assert json.loads(anchor_path().read_text())["anchor"]["seq"] == 4
    assert events[0].seq == 1


@pytest.mark.django_db
def test_it_tells_the_coordinators_of_everything_once_when_the_chain_breaks():
    """GIVEN coordinators of everything (one English, one Vietnamese), a scoped
    coordinator and a team member, and a verified chain
    WHEN an event is altered and the daily task runs twice
    THEN each coordinator of everything gets one in-app notification
    (audit_chain_broken) and one e-mail in their language, and nobody else does."""
    everything_en = factories.coordinator(username="all_en", language="en")
    everything_vi = factories.coordinator(username="all_vi", language="vi")
    scoped = factories.coordinator(scope=factories.UnitFactory(), username="scoped")
    member = factories.UserFactory(username="member")
    events = _events(4)
    assert audit_verify_task.apply().get()["ok"] is True
    assert not Notification.objects.exists() and not mail.outbox

    AuditEvent.objects.filter(pk=events[2].pk).update(action="nothing")
    result = audit_verify_task.apply().get()
    assert result == {"ok": False, "events": 2, "first_bad_id": events[2].pk}
    audit_verify_task.apply().get()

    notes = Notification.objects.order_by("recipient__username")
    assert [n.recipient for n in notes] == [everything_en, everything_vi]
    assert {n.kind for n in notes} == {Notification.Kind.AUDIT_CHAIN_BROKEN}
    assert notes[0].title == "The audit trail was tampered with"
    assert f"#{events[2].pk}" in notes[0].body
    assert sorted(m.to[0] for m in mail.outbox) == [everything_en.email, everything_vi.email]
    english = next(m for m in mail.outbox if m.to == [everything_en.email])
    assert english.subject == "The audit trail was tampered with"
    assert not Notification.objects.filter(recipient__in=[scoped, member]).exists()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_unforked_chain_with_two_writers_at_once():
    """GIVEN two threads, each committing audited writes as fast as it can
    THEN every event is chained just after its commit, positions 1..n without a
    gap or a repeat, each hash over the previous one, and the chain verifies."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; CI runs this on PostgreSQL.")
    unit = factories.UnitFactory()
    per_thread = 40
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=None, action=name, obj=unit, changes={"i": i})
                    if i % 5 == 0:
                        # Several events in one transaction: chained together.
                        audit_record(actor=None, action=name, obj=unit, changes={"j": i})
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    rows = list(AuditEvent.objects.order_by("seq").values())
    assert len(rows) == 2 * (per_thread + per_thread // 5)
    # Chained after each commit, not left for the verification pass.
    assert all(row["seq"] is not None for row in rows)
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    previous = "0" * 64
    for row in rows:
        assert row["hash"] == event_digest(previous, row)
        previous = row["hash"]
    # The two writers really interleaved.
    actions = "".join(row["action"] for row in rows)
    assert "ab" in actions or "ba" in actions
    assert audit_chain_verify().ok
