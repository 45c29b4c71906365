"""Each reminder sent once with two beats and two workers running at once (SPEC §8,
issue 5), and with two cron passes (`send_due_reminders --send`) at once: the
reminders of milestones and of recommendations' deadlines (SPEC §11, issue 13),
both kinds in the same passes.

No pass runs in this process: `celery beat` and `celery worker` run as deployed,
as subprocesses on the test database and a real Redis, mailing an SMTP sink. So
the reminders must be due on the real clock: milestones dated around today.

Two passes must really run at the same time, which timing alone does not ensure:
a beat's pass queued behind the send tasks of the other's expires unrun. So the
test holds back every insert into the reminder table until two passes are waiting
on it, each with its batch of milestones taken, then lets both go on together.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from checklists.models import Notification, Recommendation, Reminder, Unit
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.reminder_plan import ESCALATION
from checklists.services.checklist import milestone_add
from tests import factories
from tests.checklists.test_reminders_dispatch import build_world
from tests.conclusion_world import issue, move_to, notices_in_app_only, rec
from tests.worker.conftest import ChildProcess, SmtpSink, WorkerProcess, stop_together

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 90
DISPATCH_SECONDS = 1
# Passes each beat starts before the test stops them: about as many seconds of
# both beats firing, during the first passes' work and the sends they hand on.
PASSES_PER_BEAT = 8
# A reminder is current from its offset's instant until the next offset's: the
# regular track runs from 7 days before the date to 8 days after, escalation from
# 1 to 8 days after, all at the reminder hour. With that hour half a day away from
# now, a milestone due 7 days ago to 6 days ahead has exactly one current regular
# reminder, and its escalation is current if it was due 2 to 7 days ago, not yet
# if due today or later. Due yesterday is left out: its escalation starts today at
# the reminder hour, before or after now.
DUE_DAYS = (*range(-7, -1), *range(0, 7))
NOT_YET_DUE_DAYS = tuple(range(20, 40))
EXTRA_HOST_CONTACTS = 3

# (kind, milestone or recommendation, recipient, escalation?): what must be
# recorded, and sent, once each.
Expected = Counter[tuple[str, int, int, bool]]
# The reminders plan_reminders() makes: 115 of milestones, 53 of recommendations.
EXPECTED_TOTAL = 168


def process_env() -> dict[str, str]:
    """The environment of every beat, worker and command of these tests."""
    return {
        # No reminder falls due during the run (see DUE_DAYS), so every pass
        # sees the same ones, whatever the time of day the test runs.
        "REMINDER_HOUR": str((timezone.localtime().hour + 12) % 24),
        "REMINDER_DISPATCH_SECONDS": str(DISPATCH_SECONDS),
        # Small batches: a pass locks a few milestones at a time, so a second
        # pass running at once finds others to take, and the two interleave.
        "REMINDER_BATCH_SIZE": "2",
        # Every pass hands every pending reminder nobody holds to a send task
        # again, so the queue carries several tasks per reminder and only the
        # database's claim keeps each e-mail single.
        "REMINDER_REQUEUE_AFTER_SECONDS": "0",
    }


@dataclass
class World:
    """build_world's visit, concluded, and who is reminded of what (see plan_reminders)."""

    world: SimpleNamespace
    people: dict[str, list]
    escalated_to: list
    expected: Expected
    parked: list[int]


@transaction.atomic
def conclude() -> World:
    """The visit of build_world with 3 more host contacts, concluded: its
    recommendations issued (issue_recommendations), their reminders parked (no
    `next_reminder_at`) until plan_reminders: issuing writes to the reminder
    table, which the two-beats test holds locked while it plans."""
    world = build_world()
    world.milestone.delete()
    district = world.visit.host_unit
    extra = [factories.host_contact(district) for _ in range(EXTRA_HOST_CONTACTS)]
    people = {
        "host": [world.host1, world.host2, *extra],
        "team": [world.lead, world.member],
    }
    escalated_to = [world.coordinator, world.coordinator_all]
    expected = issue_recommendations(world, people["host"], escalated_to)
    pending = Recommendation.objects.filter(visit=world.visit, next_reminder_at__isnull=False)
    parked = list(pending.values_list("pk", flat=True))
    pending.update(next_reminder_at=None)
    notices_in_app_only()
    return World(world, people, escalated_to, expected, parked)


@transaction.atomic
def plan_reminders(concluded: World) -> Expected:
    """Milestones of the concluded visit dated around today, host and team ones,
    and as many not due for weeks (planned by the passes, with nothing to send);
    and its recommendations, due on the same days, planned again as issuing left
    them. One transaction: the passes see all of it at once."""
    world, expected = concluded.world, Counter(concluded.expected)
    Recommendation.objects.filter(pk__in=concluded.parked).update(
        next_reminder_at=REMINDER_REPLAN_AT
    )
    today = timezone.localdate()
    for n, days in enumerate(DUE_DAYS):
        for side, recipients in concluded.people.items():
            milestone = milestone_add(
                actor=None,
                visit=world.visit,
                key=f"{side}-{n}",
                title=f"Hạn {side} {days:+d}",
                due_date=today + dt.timedelta(days=days),
                responsible=side,
            )
            expected.update(("milestone", milestone.pk, user.pk, False) for user in recipients)
            if days <= -2:
                expected.update(
                    ("milestone", milestone.pk, user.pk, True) for user in concluded.escalated_to
                )
        # In among the due ones, so that the passes' batches mix both.
        milestone_add(
            actor=None,
            visit=world.visit,
            key=f"later-{n}",
            title=f"Hạn sau {n}",
            due_date=today + dt.timedelta(days=NOT_YET_DUE_DAYS[n]),
            responsible="host",
        )
    return expected


def issue_recommendations(world, hosts: list, escalated_to: list) -> Expected:
    """The visit concluded 10 days ago with a recommendation due on each of
    DUE_DAYS, alternately to the host district (its contacts reminded) and to a
    unit under it with a contact of its own (that contact alone), every fourth one
    already reported (still reminded); and, not reminded, as many due in weeks and
    one done, due today."""
    grassroots = factories.UnitFactory(parent=world.visit.host_unit, kind=Unit.Kind.GRASSROOTS)
    own_contact = factories.host_contact(grassroots)
    today = timezone.localdate()
    due = [
        rec(world.visit.host_unit if n % 2 == 0 else grassroots, due_date=today + dt.timedelta(d))
        for n, d in enumerate(DUE_DAYS)
    ]
    later = [rec(world.visit.host_unit, due_date=today + dt.timedelta(d)) for d in NOT_YET_DUE_DAYS]
    done = rec(world.visit.host_unit, due_date=today)
    issued = issue(world.visit, *due, *later, done, issued_on=today - dt.timedelta(days=10))
    move_to(issued[-1], Recommendation.State.DONE, reporter=world.host1)
    expected: Expected = Counter()
    for n, (recommendation, days) in enumerate(zip(issued, DUE_DAYS, strict=False)):
        if n % 4 == 1:
            move_to(recommendation, Recommendation.State.REPORTED, reporter=own_contact)
        recipients = hosts if n % 2 == 0 else [own_contact]
        expected.update(("recommendation", recommendation.pk, u.pk, False) for u in recipients)
        if days <= -2:
            expected.update(("recommendation", recommendation.pk, u.pk, True) for u in escalated_to)
    return expected


@contextlib.contextmanager
def reminder_inserts_held() -> Iterator[Callable[[], int]]:
    """Until the block ends, every insert into the reminder table waits (a SHARE
    lock, held by a connection of its own). Yields the count of those waiting: a
    pass waits there with the milestones of its batch locked, so the next pass
    takes other milestones and waits too."""
    table = Reminder._meta.db_table
    locker = connection.get_new_connection(connection.get_connection_params())
    try:
        with locker.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE MODE')

        def waiting() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                    [table],
                )
                return cursor.fetchone()[0]

        yield waiting
    finally:
        locker.rollback()
        locker.close()


def wait_for(condition: Callable[[], bool], what: str, *processes: ChildProcess) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        dead = [p for p in processes if not p.is_alive() and p.process.returncode != 0]
        if dead:
            raise AssertionError(f"{dead[0].process.args} exited:\n{dead[0].log()}")
        if condition():
            return
        time.sleep(0.2)
    states = Counter(Reminder.objects.values_list("state", flat=True))
    raise AssertionError(f"not {what} after {WAIT_SECONDS}s; reminders: {states}")


def all_sent(expected: Expected) -> bool:
    recorded = Reminder.objects.count()
    return (
        recorded >= expected.total()
        and not Reminder.objects.exclude(state=Reminder.State.SENT).exists()
    )


def passes_started(beat: ChildProcess) -> int:
    return beat.log().count("Sending due task reminders-dispatch")


PASS_DONE = re.compile(r"Task worker\.reminder_dispatch\[[^\]]+\] succeeded in [^:]+: (\{.*\})")
SEND_DONE = re.compile(r"Task worker\.reminder_send\[[^\]]+\] succeeded in [^:]+: '([\w-]+)'")


def passes_run(worker: WorkerProcess) -> list[dict[str, int]]:
    return [ast.literal_eval(m) for m in PASS_DONE.findall(worker.log())]


def assert_each_recorded_and_sent_once(expected: Expected, smtp_sink: SmtpSink) -> None:
    reminders = list(
        Reminder.objects.values(
            "id",
            "milestone_id",
            "recommendation_id",
            "recipient_id",
            "offset",
            "state",
            "attempts",
            "message_id",
            "recipient__email",
        )
    )
    accepted = Counter(m["message_id"] for m in smtp_sink.messages)
    duplicates = {message_id: n for message_id, n in accepted.items() if n > 1}
    assert duplicates == {}, f"{len(duplicates)} e-mails accepted more than once"
    assert set(accepted) == {r["message_id"] for r in reminders}
    addressed = {m["message_id"]: m["to"] for m in smtp_sink.messages}
    assert all(addressed[r["message_id"]] == [r["recipient__email"]] for r in reminders)

    recorded = Counter(
        (
            "milestone" if r["milestone_id"] else "recommendation",
            r["milestone_id"] or r["recommendation_id"],
            r["recipient_id"],
            r["offset"] == ESCALATION,
        )
        for r in reminders
    )
    assert recorded == expected
    assert {r["state"] for r in reminders} == {Reminder.State.SENT}
    # One claim each: no send task found a reminder claimed by another and took it over.
    assert {r["attempts"] for r in reminders} == {1}
    notices = Notification.objects.filter(reminder__isnull=False)
    notified = Counter(notices.values_list("reminder_id", flat=True))
    assert notified == Counter(r["id"] for r in reminders)
    # A recommendation's reminder's notification points at it, not at a milestone.
    assert not notices.filter(
        reminder__recommendation__isnull=False, recommendation_id=None
    ).exists()


def test_it_sends_each_reminder_once_with_two_beats_and_two_workers(
    live_celery, workers, smtp_sink
):
    """GIVEN milestones and recommendations due now, in real time (168 reminders
    to 10 people), and two workers running
    WHEN two `celery beat` processes each start a pass every second, 8 each, the
    first two held at their first insert until both are under way
    THEN each reminder is recorded once, by one pass, claimed once and its e-mail
    accepted once, although both beats' passes ran, on both workers, and handed
    the workers several send tasks per reminder."""
    env = process_env()
    concluded = conclude()
    pair = [workers(name, env=env, ready=False) for name in ("w-a", "w-b")]
    beats = [live_celery.start_beat(name=name, env=env) for name in ("beat-a", "beat-b")]
    for worker in pair:
        worker.wait_ready()
    with reminder_inserts_held() as passes_waiting:
        # All at once, and only now that both workers take passes (those the beats
        # started before expired in the queue, or found nothing due).
        expected = plan_reminders(concluded)
        assert expected.total() == EXPECTED_TOTAL
        fired_before = [passes_started(beat) for beat in beats]
        wait_for(lambda: passes_waiting() >= 2, "two passes under way", *beats, *pair)

    wait_for(
        lambda: (
            all(
                passes_started(beat) - before >= PASSES_PER_BEAT
                for beat, before in zip(beats, fired_before, strict=True)
            )
            and all_sent(expected)
        ),
        "every reminder sent and each beat through its passes",
        *beats,
        *pair,
    )
    stop_together(beats)
    # Send tasks still queued must find their reminder sent, not send it again.
    live_celery.wait_idle()

    assert_each_recorded_and_sent_once(expected, smtp_sink)
    passes = {worker.nodename: passes_run(worker) for worker in pair}
    recorded = {node: sum(p["recorded"] for p in runs) for node, runs in passes.items()}
    assert all(recorded.values()), f"the passes did not overlap: {recorded}"
    assert sum(recorded.values()) == expected.total()
    assert sum(p["requeued"] for runs in passes.values() for p in runs) > 0
    refused = sum(SEND_DONE.findall(worker.log()).count("not-claimed") for worker in pair)
    assert refused > 0, "no send task ever met a reminder already claimed"


def test_it_sends_each_reminder_once_with_two_cron_passes_at_once(live_celery, workers, smtp_sink):
    """GIVEN milestones and recommendations due now (168 reminders) and two
    workers running (to which
    `--send` hands nothing: the command sends in its own process)
    WHEN two `manage.py send_due_reminders --send` start together, held at their
    first insert until both are under way
    THEN the two passes, running at once, each record a part of the reminders,
    and each reminder is recorded once and its e-mail sent once."""
    expected = plan_reminders(conclude())
    env = {**process_env(), **smtp_sink.worker_env()}
    pair = [workers(name, env=env, ready=False) for name in ("w-a", "w-b")]
    for worker in pair:
        worker.wait_ready()

    with reminder_inserts_held() as passes_waiting:
        crons = [
            live_celery.run_command("send_due_reminders", "--send", name=name, env=env)
            for name in ("cron-a", "cron-b")
        ]
        wait_for(lambda: passes_waiting() >= 2, "two passes under way", *crons)
    for cron in crons:
        assert cron.wait(WAIT_SECONDS) == 0, cron.log()

    assert_each_recorded_and_sent_once(expected, smtp_sink)
    summaries = [re.search(r"recorded=(\d+).*sent=(\{.*\})", cron.log()) for cron in crons]
    assert all(summaries), [cron.log() for cron in crons]
    recorded = [int(s[1]) for s in summaries]
    assert all(recorded), f"the passes did not overlap: {recorded}"
    assert sum(recorded) == expected.total()
    outcomes = sum((Counter(ast.literal_eval(s[2])) for s in summaries), Counter())
    assert outcomes["sent"] == expected.total()
