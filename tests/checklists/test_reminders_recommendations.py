"""Reminders of recommendations' deadlines (SPEC §8, §11) through the milestones'
engine: the same offsets, those who report on it reminded, coordinators in scope
escalated to, exactly once per (recommendation, recipient, offset), catch-up,
stopped when done, cancelled or withdrawn, re-planned on extension, and followed
whatever the visit's status. The pass takes its `now`; leases use the clock."""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from checklists.models import Notification, Recommendation, Reminder, Unit
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.services.conclusions import conclusion_issue, conclusion_withdraw
from checklists.services.recommendations import recommendation_cancel, recommendation_extend
from checklists.services.reminder_delivery import reminder_send
from checklists.services.reminder_dispatch import reminder_dispatch_due
from checklists.services.visits import visit_transition
from tests import factories
from tests.checklists.test_reminders_dispatch import Outbox, run_pass
from tests.conclusion_world import draft, rec, to_reporting
from tests.conftest import local

pytestmark = pytest.mark.django_db

S = Reminder.State
D = dt.date
ISSUED_ON = D(2024, 6, 3)
ALL_OFFSETS = ["-7d", "-3d", "-1d", "0d", *(f"+{n}d" for n in range(1, 8))]


def issue(world) -> SimpleNamespace:
    """world's visit concluded on 3 June 2024 with three recommendations:
    KN-01 to the host district (30 days: due 3 July), KN-02 to a grassroots unit
    with a contact of its own (due 10 July), KN-03 to a grassroots unit with no
    contact (due 10 July: its host unit's contacts report on it)."""
    with_contact = factories.UnitFactory(parent=world.district, kind=Unit.Kind.GRASSROOTS)
    without = factories.UnitFactory(parent=world.district, kind=Unit.Kind.GRASSROOTS)
    addressee = factories.host_contact(with_contact, username="addressee")
    to_reporting(world.visit)
    draft(
        world.visit,
        rec(world.district, "Kiện toàn tổ chức"),
        rec(with_contact, "Bổ sung hồ sơ", due_date=D(2024, 7, 10)),
        rec(without, "Rà soát quy chế", due_date=D(2024, 7, 10)),
    )
    with time_machine.travel(local(2024, 6, 3, 10), tick=False):
        conclusion = conclusion_issue(actor=None, visit=world.visit, issued_on=ISSUED_ON)
    kn = {r.code: r for r in conclusion.recommendations.all()}
    assert kn["KN-01"].due_date == D(2024, 7, 3)
    return SimpleNamespace(
        world=world, people=world.people, addressee=addressee, conclusion=conclusion, **kn_(kn)
    )


def kn_(kn: dict[str, Recommendation]) -> dict[str, Recommendation]:
    return {"kn1": kn["KN-01"], "kn2": kn["KN-02"], "kn3": kn["KN-03"]}


@pytest.fixture
def issued(world):
    return issue(world)


def offsets(recommendation: Recommendation, user, *, states=(S.PENDING, S.SENT)) -> list[str]:
    return list(
        Reminder.objects.filter(recommendation=recommendation, recipient=user, state__in=states)
        .order_by("due_at")
        .values_list("offset", flat=True)
    )


def test_it_reminds_those_who_report_and_escalates_to_coordinators_in_scope(issued):
    """GIVEN three recommendations issued on 3 June
    WHEN the pass runs every day at 7:00, 9:00 and 17:00 from 20 June to 25 July
    THEN the addressee's contacts (the host's for an addressee without contacts)
    get the milestones' offsets, once each; the coordinators in scope one
    escalation each; nobody else anything."""
    p = issued.people
    for day in range(36):
        for hour in (7, 9, 17):
            run_pass(local(2024, 6, 20, hour) + dt.timedelta(days=day))
    assert offsets(issued.kn1, p.host_in) == ALL_OFFSETS
    assert offsets(issued.kn2, issued.addressee) == ALL_OFFSETS
    assert offsets(issued.kn2, p.host_in) == []
    assert offsets(issued.kn3, p.host_in) == ALL_OFFSETS
    for coordinator in (p.coordinator_in, p.coordinator_all):
        for recommendation in (issued.kn1, issued.kn2, issued.kn3):
            assert offsets(recommendation, coordinator) == ["escalation"]
    # (The visit's own milestones are reminded too; they are not under test.)
    of_recommendations = Reminder.objects.filter(recommendation__isnull=False)
    for nobody in (p.coordinator_out, p.host_out, p.lead, p.member):
        assert not of_recommendations.filter(recipient=nobody).exists()
    assert not of_recommendations.filter(state=S.SKIPPED).exists()
    assert Recommendation.objects.exclude(next_reminder_at=None).count() == 0


def test_it_writes_the_notification_and_email_with_the_code_and_a_link(issued):
    p = issued.people
    p.host_in.language = "vi"
    p.host_in.save(update_fields=["language"])
    run_pass(local(2024, 6, 30, 9))
    reminder = Reminder.objects.get(recommendation=issued.kn1, recipient=p.host_in)
    assert reminder.offset == "-3d" and reminder.milestone_id is None
    notification = Notification.objects.get(reminder=reminder)
    assert notification.recommendation_id == issued.kn1.pk
    assert notification.milestone_id is None
    assert notification.visit_id == issued.world.visit.pk
    assert notification.link == f"/recommendations/{issued.kn1.pk}/"
    assert "KN-01" in notification.title
    assert "Kiện toàn tổ chức" in notification.body and "03/07/2024" in notification.body
    # Coordinators are escalated to, not reminded before the date.
    assert not Reminder.objects.filter(
        recommendation__isnull=False, recipient=p.coordinator_in
    ).exists()

    addressee = issued.addressee
    addressee.language = "en"
    addressee.save(update_fields=["language"])
    run_pass(local(2024, 7, 9, 9))
    kn2 = Reminder.objects.get(recommendation=issued.kn2, recipient=addressee, state=S.PENDING)
    assert Notification.objects.get(reminder=kn2).body == (
        "“Recommendation KN-02: Bổ sung hồ sơ” is due tomorrow, 10 Jul 2024."
    )
    with time_machine.travel(local(2024, 7, 9, 9, 1), tick=False):
        assert reminder_send(reminder_id=kn2.pk) == "sent"
    (message,) = [m for m in mail.outbox if m.to == [addressee.email]]
    assert "KN-02" in message.subject
    assert f"{settings.SITE_URL}/recommendations/{issued.kn2.pk}/" in message.body
    assert message.extra_headers["Message-ID"].startswith(f"<reminder-{kn2.pk}.r")


def test_it_catches_up_with_one_reminder_after_downtime(issued):
    """GIVEN the pass ran on 1 July, then not until 12 July 10:00
    THEN the addressee gets one reminder for KN-02 (+2d), the missed ones are
    skipped, and the coordinators' escalation still goes out."""
    run_pass(local(2024, 7, 1, 9))
    run_pass(local(2024, 7, 12, 10))
    assert offsets(issued.kn2, issued.addressee, states=[S.PENDING]) == ["+2d"]
    assert sorted(offsets(issued.kn2, issued.addressee, states=[S.SKIPPED])) == sorted(
        ["-7d", "-3d", "-1d", "0d", "+1d"]
    )
    assert offsets(issued.kn2, issued.people.coordinator_in) == ["escalation"]
    assert not Notification.objects.filter(reminder__state=S.SKIPPED).exists()


def test_it_records_each_reminder_once_whatever_runs_twice(issued):
    first = run_pass(local(2024, 7, 3, 9))
    second = run_pass(local(2024, 7, 3, 9))
    assert first.recommendations == 3 and first.recorded > 0 and second.recorded == 0
    reminder = Reminder.objects.filter(recommendation__isnull=False).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            recommendation=reminder.recommendation,
            recipient=reminder.recipient,
            offset=reminder.offset,
            due_at=reminder.due_at,
            lease_until=reminder.lease_until,
        )


def test_the_database_refuses_a_reminder_of_none_or_of_both(issued):
    milestone = issued.world.visit.milestones.first()
    common = {
        "recipient": issued.people.host_in,
        "offset": "0d",
        "due_at": local(2024, 7, 3, 8),
        "lease_until": local(2024, 7, 3, 8),
    }
    for obligation in ({}, {"milestone": milestone, "recommendation": issued.kn1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Reminder.objects.create(**obligation, **common)
    # The same recipient and offset for a milestone and a recommendation: two.
    Reminder.objects.create(milestone=milestone, **common)
    Reminder.objects.create(recommendation=issued.kn1, **common)


def test_it_keeps_reminding_a_reported_one(issued):
    Recommendation.objects.filter(pk=issued.kn1.pk).update(state=Recommendation.State.REPORTED)
    run_pass(local(2024, 7, 3, 9))
    assert offsets(issued.kn1, issued.people.host_in) == ["0d"]


@pytest.mark.parametrize("how", ["cancelled", "done"])
def test_it_stops_when_cancelled_or_done(issued, how):
    """Cancelling stops the reminders through its service; `done` (the verdict's
    work) is caught by the sender and the pass, which read the state."""
    run_pass(local(2024, 7, 2, 9))
    if how == "cancelled":
        recommendation_cancel(actor=None, recommendation=issued.kn1, cancel_reason="Không còn")
    else:
        Recommendation.objects.filter(pk=issued.kn1.pk).update(state=Recommendation.State.DONE)
    ids = list(Reminder.objects.filter(recommendation=issued.kn1).values_list("pk", flat=True))
    assert ids
    with time_machine.travel(local(2024, 7, 2, 9, 1), tick=False):
        outcomes = {reminder_send(reminder_id=pk) for pk in ids}
    assert outcomes <= {"skipped", "not-claimed"}
    for day in range(3, 15):
        run_pass(local(2024, 7, day, 9))
    assert not Reminder.objects.filter(recommendation=issued.kn1).exclude(pk__in=ids).exists()
    assert set(Reminder.objects.filter(pk__in=ids).values_list("state", flat=True)) == {S.SKIPPED}
    assert not [m for m in mail.outbox if "KN-01" in m.subject]
    issued.kn1.refresh_from_db()
    assert issued.kn1.next_reminder_at is None
    # The others go on.
    assert offsets(issued.kn2, issued.addressee)


def test_it_reminds_a_carried_over_one_after_the_visit_is_closed(issued):
    run_pass(local(2024, 6, 26, 9))
    visit_transition(
        actor=issued.people.coordinator_in,
        visit=issued.world.visit,
        to="closed",
        carry_over=True,
    )
    run_pass(local(2024, 7, 3, 9))
    assert offsets(issued.kn1, issued.people.host_in) == ["-7d", "0d"]
    reminder = Reminder.objects.get(recommendation=issued.kn1, offset="0d")
    with time_machine.travel(local(2024, 7, 3, 9, 1), tick=False):
        assert reminder_send(reminder_id=reminder.pk) == "sent"


def test_it_replans_the_future_reminders_of_an_extended_one(issued):
    """GIVEN KN-01 (due 3 July) reminded at -7d, its -3d recorded unsent
    WHEN it is extended to 31 July
    THEN the unsent one is skipped and the next ones follow the new date,
    offsets already recorded not repeated."""
    run_pass(local(2024, 6, 26, 9))
    for pk in Reminder.objects.filter(offset="-7d").values_list("pk", flat=True):
        with time_machine.travel(local(2024, 6, 26, 9, 1), tick=False):
            reminder_send(reminder_id=pk)
    run_pass(local(2024, 6, 30, 9))
    with time_machine.travel(local(2024, 6, 30, 10), tick=False):
        recommendation_extend(
            actor=None, recommendation=issued.kn1, due_date=D(2024, 7, 31), extended_by="QĐ 5"
        )
    issued.kn1.refresh_from_db()
    assert issued.kn1.next_reminder_at == REMINDER_REPLAN_AT
    assert issued.kn1.sequence == 1
    for day in range(31):
        run_pass(local(2024, 7, 1, 9) + dt.timedelta(days=day))
    rows = Reminder.objects.filter(recommendation=issued.kn1, recipient=issued.people.host_in)
    assert [(r.offset, r.due_at.date(), r.state) for r in rows.order_by("due_at")] == [
        ("-7d", D(2024, 6, 26), S.SENT),
        ("-3d", D(2024, 6, 30), S.SKIPPED),
        ("-1d", D(2024, 7, 30), S.PENDING),
        ("0d", D(2024, 7, 31), S.PENDING),
    ]


def test_a_withdrawn_conclusion_stops_its_recommendations_reminders(issued):
    run_pass(local(2024, 7, 3, 9))
    assert Reminder.objects.filter(recommendation__isnull=False, state=S.PENDING).exists()
    conclusion_withdraw(actor=issued.people.coordinator_in, visit=issued.world.visit, reason="Sai")
    assert not Reminder.objects.filter(recommendation__isnull=False, state=S.PENDING).exists()
    assert not Recommendation.objects.exclude(next_reminder_at=None).exists()
    ours = Reminder.objects.filter(recommendation__isnull=False)
    before = ours.count()
    for day in range(4, 20):
        run_pass(local(2024, 7, day, 9))
    assert ours.count() == before


def test_a_draft_is_never_reminded(world):
    to_reporting(world.visit)
    draft(world.visit, rec(world.district, due_date=D(2024, 7, 3)))
    assert Recommendation.objects.get().next_reminder_at is None
    result = run_pass(local(2024, 7, 3, 9))
    assert result.recommendations == 0
    assert not Reminder.objects.filter(recommendation__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SKIP LOCKED needs PostgreSQL")
def test_two_passes_at_once_record_each_reminder_once(world):
    """GIVEN 3 recommendations due, batches of one
    WHEN two passes run at the same moment, each on a connection of its own
    THEN each (recommendation, recipient, offset) is recorded once, by one pass
    or the other, with one notification each."""
    issued = issue(world)
    now = local(2024, 7, 12, 9)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def one_pass() -> None:
        try:
            barrier.wait()
            with override_settings(REMINDER_BATCH_SIZE=1):
                results.append(reminder_dispatch_due(now=now, enqueue=Outbox()))
        except Exception as error:  # the failure under test
            results.append(error)
        finally:
            connection.close()

    with time_machine.travel(now, tick=False):
        threads = [threading.Thread(target=one_pass) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = list(
        Reminder.objects.filter(recommendation__isnull=False).values_list(
            "recommendation_id", "recipient_id", "offset"
        )
    )
    assert len(rows) == len(set(rows))
    # KN-01 (due 3 July) is past its last offset; KN-02 and KN-03 (due 10 July)
    # are at +2d, each with its escalation to the two coordinators in scope.
    expected = {
        (issued.kn2.pk, issued.addressee.pk, "+2d"),
        (issued.kn3.pk, issued.people.host_in.pk, "+2d"),
        *(
            (r.pk, c.pk, "escalation")
            for r in (issued.kn2, issued.kn3)
            for c in (issued.people.coordinator_in, issued.people.coordinator_all)
        ),
    }
    assert set(rows) == expected
    assert sum(r.recorded for r in results) == len(expected)  # type: ignore[attr-defined]
    assert Notification.objects.filter(reminder__recommendation__isnull=False).count() == len(
        expected
    )
