"""The reminder dispatch pass and sending (SPEC §8), in process, with time under
the test's control. The pass takes its `now`; leases use the clock, moved with
time_machine."""

from __future__ import annotations

import datetime as dt
import smtplib
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client, TestCase
from django.urls import reverse

from checklists.models import Milestone, Notification, Reminder, Unit
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.services.checklist import milestone_mark_done, milestone_reschedule
from checklists.services.outlines import MilestoneData, OutlineData
from checklists.services.reminder_delivery import ReminderSendError, reminder_send
from checklists.services.reminder_dispatch import reminder_dispatch_due
from checklists.services.visits import (
    SessionInput,
    TeamInput,
    visit_create,
    visit_reschedule,
    visit_transition,
)
from tests import factories
from tests.conftest import local

pytestmark = pytest.mark.django_db

DUE = dt.date(2024, 5, 20)
S = Reminder.State


def build_world(*, responsible: str = "host", offset_days: int = 7) -> SimpleNamespace:
    """One visit (first session 13 May 2024) with one milestone, due on 20 May by
    default, and one person of each kind: two host contacts, a team of two, a
    coordinator in scope and one out of it."""
    central = factories.UnitFactory(kind=Unit.Kind.CENTRAL)
    province = factories.UnitFactory(parent=central)
    district = factories.UnitFactory(parent=province, kind=Unit.Kind.DISTRICT)
    elsewhere = factories.UnitFactory(parent=central)
    outline = factories.plan10_outline(
        data=OutlineData(
            code="R-1",
            version=1,
            title="Đề cương",
            milestones=(
                MilestoneData(
                    "draft_report_due",
                    "Nộp dự thảo báo cáo",
                    responsible,
                    offset_days=offset_days,
                    title_en="Draft report due",
                ),
            ),
            sections=factories.PLAN10_DATA.sections,
        )
    )
    w = SimpleNamespace(
        host1=factories.host_contact(district),
        host2=factories.host_contact(district),
        other_host=factories.host_contact(elsewhere),
        lead=factories.UserFactory(),
        member=factories.UserFactory(),
        coordinator=factories.coordinator(scope=province),
        coordinator_all=factories.coordinator(),
        coordinator_out=factories.coordinator(scope=elsewhere),
    )
    first = local(2024, 5, 13, 8)
    w.visit = visit_create(
        actor=None,
        outline=outline,
        host_unit=district,
        title="Kiểm tra tại Hạ Long",
        sessions=[SessionInput(start=first, end=first + dt.timedelta(hours=3))],
        team=[TeamInput(w.lead, "lead"), TeamInput(w.member, "member")],
    )
    w.milestone = w.visit.milestones.get()
    return w


@pytest.fixture
def world():
    return build_world()


class Outbox:
    """The pass's enqueue callback: collects reminder ids instead of Celery tasks."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self, reminder_id: int) -> None:
        self.ids.append(reminder_id)


def run_pass(now: dt.datetime, outbox: Outbox | None = None):
    """A pass at `now`, its after-commit enqueueing run as if it had committed."""
    outbox = outbox if outbox is not None else Outbox()
    with time_machine.travel(now, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        result = reminder_dispatch_due(now=now, enqueue=outbox)
    return result


def offsets_of(user) -> list[str]:
    return list(
        Reminder.objects.filter(recipient=user)
        .exclude(state=S.SKIPPED)
        .order_by("due_at")
        .values_list("offset", flat=True)
    )


def test_it_reminds_the_host_contacts_before_on_and_after_the_day(world):
    """GIVEN a host deadline on 20 May and a pass every hour from 1 to 31 May
    THEN each host contact is reminded at -7, -3, -1 days, on the day and daily
    while overdue up to 7 days, once each; nobody else is, but coordinators in
    scope get one escalation a day after the deadline."""
    outbox = Outbox()
    for day in range(1, 32):
        for hour in (0, 7, 8, 9, 17):
            run_pass(local(2024, 5, day, hour), outbox)
    expected = ["-7d", "-3d", "-1d", "0d", *(f"+{n}d" for n in range(1, 8))]
    assert offsets_of(world.host1) == expected
    assert offsets_of(world.host2) == expected
    assert offsets_of(world.other_host) == []
    assert offsets_of(world.lead) == []
    assert offsets_of(world.coordinator) == ["escalation"]
    assert offsets_of(world.coordinator_all) == ["escalation"]
    assert offsets_of(world.coordinator_out) == []
    # Each handed to a sender (and, never sent here, handed again by later passes).
    assert set(outbox.ids) == set(Reminder.objects.values_list("pk", flat=True))
    assert not Reminder.objects.filter(state=S.SKIPPED).exists()
    minus7 = Reminder.objects.get(recipient=world.host1, offset="-7d")
    assert minus7.due_at == local(2024, 5, 13, 8)
    world.milestone.refresh_from_db()
    assert world.milestone.next_reminder_at is None


def test_it_waits_for_the_local_reminder_hour(world):
    run_pass(local(2024, 5, 13, 7, 59))
    assert not Reminder.objects.exists()
    run_pass(local(2024, 5, 13, 8, 0))
    assert offsets_of(world.host1) == ["-7d"]
    world.milestone.refresh_from_db()
    assert world.milestone.next_reminder_at == local(2024, 5, 17, 8)


def test_it_reminds_the_team_for_a_team_deadline():
    w = build_world(responsible="team")
    run_pass(local(2024, 5, 20, 9))
    assert offsets_of(w.lead) == offsets_of(w.member) == ["0d"]
    assert offsets_of(w.host1) == []


def test_it_reminds_coordinators_in_scope_for_a_coordinator_deadline_without_escalating():
    w = build_world(responsible="coordinator")
    run_pass(local(2024, 5, 13, 9))
    run_pass(local(2024, 5, 21, 9))
    assert offsets_of(w.coordinator) == ["-7d", "+1d"]
    assert offsets_of(w.coordinator_all) == ["-7d", "+1d"]
    assert offsets_of(w.coordinator_out) == []


def test_it_catches_up_with_one_reminder_after_downtime(world):
    """GIVEN the pass ran on 12 May, then not until 22 May 10:00 (downtime)
    THEN each contact gets one reminder (+2d, the latest due), the missed ones are
    recorded as skipped, and the coordinators' escalation still goes out."""
    run_pass(local(2024, 5, 12, 9))
    outbox = Outbox()
    result = run_pass(local(2024, 5, 22, 10), outbox)
    pending = Reminder.objects.filter(recipient=world.host1, state=S.PENDING)
    assert list(pending.values_list("offset", flat=True)) == ["+2d"]
    skipped = Reminder.objects.filter(recipient=world.host1, state=S.SKIPPED)
    assert sorted(skipped.values_list("offset", flat=True)) == sorted(
        ["-7d", "-3d", "-1d", "0d", "+1d"]
    )
    assert Reminder.objects.get(recipient=world.coordinator).offset == "escalation"
    # Two contacts' +2d, two coordinators' escalation; nothing else is sent.
    assert result.recorded == len(outbox.ids) == 4
    assert Notification.objects.count() == 4
    assert not Notification.objects.filter(reminder__state=S.SKIPPED).exists()


def test_it_plans_a_long_overdue_milestone_without_a_burst(world):
    """A milestone first seen weeks after its date (e.g. after the column was
    added) gets nothing: every offset is past its time."""
    result = run_pass(local(2024, 7, 1, 9))
    assert result.milestones == 1
    assert not Reminder.objects.exists()
    world.milestone.refresh_from_db()
    assert world.milestone.next_reminder_at is None


def test_it_records_each_reminder_once_whatever_runs_twice(world):
    first = run_pass(local(2024, 5, 20, 9))
    second = run_pass(local(2024, 5, 20, 9))
    assert first.recorded == 2 and second.recorded == 0
    # Even a pass that ignored the plan could not record one twice.
    reminder = Reminder.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            milestone=reminder.milestone,
            recipient=reminder.recipient,
            offset=reminder.offset,
            due_at=reminder.due_at,
            lease_until=reminder.lease_until,
        )


def test_it_creates_each_notification_with_its_reminder(world):
    run_pass(local(2024, 5, 19, 9))
    notification = Notification.objects.get(recipient=world.host1)
    assert notification.reminder.offset == "-1d"
    assert notification.milestone == world.milestone
    assert notification.visit == world.visit
    assert "Draft report due" in notification.title
    assert notification.body == "“Draft report due” is due tomorrow, 20 May 2024."


def test_it_sends_the_email_once_with_a_stable_message_id(world):
    run_pass(local(2024, 5, 17, 9))
    reminder = Reminder.objects.get(recipient=world.host1)
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    assert reminder_send(reminder_id=reminder.pk) == "not-claimed"
    (message,) = [m for m in mail.outbox if m.to == [world.host1.email]]
    reminder.refresh_from_db()
    assert reminder.state == S.SENT and reminder.sent_at is not None
    assert reminder.attempts == 1
    assert message.extra_headers["Message-ID"] == reminder.message_id
    assert reminder.message_id.startswith(f"<reminder-{reminder.pk}.")
    assert "due in 3 days, on 20 May 2024" in message.body
    assert "Kiểm tra tại Hạ Long" in message.body
    # The link opens the visit's web page, for the recipient (a host contact).
    (link,) = [w for w in message.body.split() if w.startswith(settings.SITE_URL)]
    path = link.removeprefix(settings.SITE_URL)
    assert path == reverse("web:visit", kwargs={"visit_id": world.visit.pk})
    page = Client()
    page.force_login(world.host1)
    assert page.get(path).status_code == 200


def test_it_writes_in_the_recipients_language(world):
    world.host1.language = "vi"
    world.host1.save()
    run_pass(local(2024, 5, 17, 9))
    reminder = Reminder.objects.get(recipient=world.host1)
    reminder_send(reminder_id=reminder.pk)
    (message,) = [m for m in mail.outbox if m.to == [world.host1.email]]
    # The Vietnamese title of the milestone, and the Vietnamese date format.
    assert "Nộp dự thảo báo cáo" in message.subject
    assert "20/05/2024" in message.body or "20 tháng 5" in message.body


def test_it_tolerates_a_missing_reminder():
    assert reminder_send(reminder_id=987654) == "not-claimed"


class RefusingBackend:
    """A mail server that answers "try later" (the one mock allowed: SMTP)."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("421 try again later")


def test_it_retries_a_failed_send_with_back_off_and_ends_failed(world, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_BACKOFF_SECONDS = 60
    run_pass(local(2024, 5, 17, 9))
    reminder = Reminder.objects.get(recipient=world.host1)
    start = local(2024, 5, 17, 9, 0) + dt.timedelta(seconds=1)
    with time_machine.travel(start, tick=False):
        with pytest.raises(ReminderSendError):
            reminder_send(reminder_id=reminder.pk)
        reminder.refresh_from_db()
        assert (reminder.state, reminder.attempts) == (S.PENDING, 1)
        assert reminder.lease_until == start + dt.timedelta(seconds=60)
        assert "421" in reminder.last_error
        # Held until the back-off is over.
        assert reminder_send(reminder_id=reminder.pk) == "not-claimed"
    with (
        time_machine.travel(start + dt.timedelta(seconds=61), tick=False),
        pytest.raises(ReminderSendError),
    ):
        reminder_send(reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert reminder.lease_until == start + dt.timedelta(seconds=61 + 120)
    with time_machine.travel(start + dt.timedelta(seconds=200), tick=False):
        assert reminder_send(reminder_id=reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (S.FAILED, 3)


def test_it_gives_up_on_a_reminder_whose_senders_keep_dying(world, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    run_pass(local(2024, 5, 17, 9))
    reminder = Reminder.objects.get(recipient=world.host1)
    Reminder.objects.filter(pk=reminder.pk).update(attempts=2)
    assert reminder_send(reminder_id=reminder.pk) == "not-claimed"
    reminder.refresh_from_db()
    assert reminder.state == S.FAILED


def test_it_enqueues_again_a_reminder_whose_task_was_lost(world, settings):
    """GIVEN a reminder recorded, and its task lost (Redis restarted)
    WHEN a pass runs after REMINDER_REQUEUE_AFTER_SECONDS
    THEN it enqueues it again, once, and the send goes through."""
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 120
    start = local(2024, 5, 17, 9)
    run_pass(start)
    ids = set(Reminder.objects.values_list("pk", flat=True))
    soon = Outbox()
    run_pass(start + dt.timedelta(seconds=60), soon)
    assert soon.ids == []
    later = Outbox()
    result = run_pass(start + dt.timedelta(seconds=121), later)
    assert set(later.ids) == ids and result.requeued == 2
    again = Outbox()
    run_pass(start + dt.timedelta(seconds=150), again)
    assert again.ids == []
    with time_machine.travel(start + dt.timedelta(seconds=151), tick=False):
        assert {reminder_send(reminder_id=pk) for pk in ids} == {"sent"}


def test_it_takes_over_a_claim_whose_worker_died(world, settings):
    settings.REMINDER_LEASE_SECONDS = 300
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 60
    start = local(2024, 5, 17, 9)
    run_pass(start)
    reminder = Reminder.objects.get(recipient=world.host1)
    from checklists.services.reminder_delivery import reminder_claim

    with time_machine.travel(start + dt.timedelta(seconds=1), tick=False):
        assert reminder_claim(reminder_id=reminder.pk) is True
        # The worker dies here, before sending.
        assert reminder_claim(reminder_id=reminder.pk) is False
    outbox = Outbox()
    run_pass(start + dt.timedelta(seconds=300), outbox)
    assert reminder.pk not in outbox.ids
    run_pass(start + dt.timedelta(seconds=362), outbox)
    assert reminder.pk in outbox.ids
    with time_machine.travel(start + dt.timedelta(seconds=363), tick=False):
        assert reminder_send(reminder_id=reminder.pk) == "sent"
    reminder.refresh_from_db()
    assert reminder.attempts == 2


def test_it_replans_the_future_reminders_of_a_moved_deadline(world):
    """GIVEN the -7d reminder went out and the -3d one is recorded, unsent
    WHEN the deadline moves from 20 to 30 May
    THEN the unsent one is skipped and the next reminders follow the new date."""
    run_pass(local(2024, 5, 13, 9))
    run_pass(local(2024, 5, 17, 9))
    for pk in Reminder.objects.filter(offset="-7d").values_list("pk", flat=True):
        reminder_send(reminder_id=pk)
    with time_machine.travel(local(2024, 5, 17, 10), tick=False):
        milestone_reschedule(
            actor=world.lead, milestone=world.milestone, due_date=dt.date(2024, 5, 30)
        )
    assert Reminder.objects.get(recipient=world.host1, offset="-3d").state == S.SKIPPED
    world.milestone.refresh_from_db()
    assert world.milestone.next_reminder_at == REMINDER_REPLAN_AT
    for day in range(17, 31):
        run_pass(local(2024, 5, day, 9))
    rows = Reminder.objects.filter(recipient=world.host1).order_by("due_at")
    assert [(r.offset, r.due_at.date(), r.state) for r in rows] == [
        ("-7d", dt.date(2024, 5, 13), S.SENT),
        ("-3d", dt.date(2024, 5, 17), S.SKIPPED),
        # -7d (23 May) and -3d (27 May) were already recorded: once per offset.
        ("-1d", dt.date(2024, 5, 29), S.PENDING),
        ("0d", dt.date(2024, 5, 30), S.PENDING),
    ]


def test_it_replans_when_the_sessions_move(world):
    run_pass(local(2024, 5, 10, 9))
    visit_reschedule(actor=None, visit=world.visit, first_session_start=local(2024, 6, 3, 8))
    world.milestone.refresh_from_db()
    assert world.milestone.due_date == dt.date(2024, 6, 10)
    assert world.milestone.next_reminder_at == REMINDER_REPLAN_AT
    run_pass(local(2024, 5, 13, 9))
    assert not Reminder.objects.exists()
    run_pass(local(2024, 6, 3, 9))
    assert offsets_of(world.host1) == ["-7d"]


def test_it_stops_when_the_deadline_is_met(world):
    run_pass(local(2024, 5, 20, 9))
    milestone_mark_done(actor=None, milestone=world.milestone, at=local(2024, 5, 20, 10))
    assert set(Reminder.objects.values_list("state", flat=True)) == {S.SKIPPED}
    assert {
        reminder_send(reminder_id=pk) for pk in Reminder.objects.values_list("pk", flat=True)
    } == {"not-claimed"}
    for day in range(20, 29):
        run_pass(local(2024, 5, day, 9))
    assert Reminder.objects.count() == 2
    assert not mail.outbox
    # Reopened: planned again from the next pass.
    milestone_mark_done(actor=None, milestone=world.milestone, done=False)
    run_pass(local(2024, 5, 22, 9))
    assert offsets_of(world.host1) == ["+2d"]


@pytest.mark.parametrize("path", [["cancelled"], ["announced", "cancelled"]])
def test_it_stops_when_the_visit_is_cancelled(world, path):
    run_pass(local(2024, 5, 19, 9))
    for status in path:
        visit_transition(actor=None, visit=world.visit, to=status)
    assert set(Reminder.objects.values_list("state", flat=True)) == {S.SKIPPED}
    for day in range(20, 29):
        run_pass(local(2024, 5, day, 9))
    assert Reminder.objects.count() == 2
    assert Milestone.objects.get().next_reminder_at is None


def test_it_leaves_a_reminder_being_sent_to_finish(world):
    """A stop does not take back a reminder a worker holds: it was due, and its
    e-mail may already be with the mail server."""
    start = local(2024, 5, 19, 9)
    run_pass(start)
    reminder = Reminder.objects.get(recipient=world.host1)
    from checklists.services.reminder_delivery import reminder_claim

    with time_machine.travel(start + dt.timedelta(seconds=1), tick=False):
        reminder_claim(reminder_id=reminder.pk)
        milestone_mark_done(actor=None, milestone=world.milestone)
    reminder.refresh_from_db()
    assert reminder.state == S.PENDING


def test_a_pass_with_nothing_due_costs_a_few_queries(world, django_assert_max_num_queries):
    run_pass(local(2024, 5, 13, 9))
    # Is any milestone due? Any recommendation? Is any pending reminder stale?
    # Nothing else: one index probe each.
    with django_assert_max_num_queries(3):
        run_pass(local(2024, 5, 13, 9, 1))


def test_the_command_runs_a_pass_and_can_send_in_process(world, capsys):
    with (
        # The clock runs: the senders claim the reminders a moment after the pass.
        time_machine.travel(local(2024, 5, 20, 9)),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        call_command("send_due_reminders", "--now", "2024-05-20T09:00:00+07:00", "--send")
    # (Sent after the pass's commit, which the test transaction runs on leaving.)
    assert "recorded=2" in capsys.readouterr().out
    assert Reminder.objects.filter(state=S.SENT).count() == 2
    assert len(mail.outbox) == 2


def test_the_command_refuses_a_time_without_offset(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_due_reminders", "--now", "2024-05-20T09:00:00")
