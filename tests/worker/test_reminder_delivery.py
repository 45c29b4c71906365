"""Reminders through real Celery workers, a real broker and real SMTP (SPEC §8):
none lost, and none doubled, when a worker is killed, for milestones and for
recommendations' deadlines (SPEC §11). Two beats and two workers at once:
test_reminder_beats.py.

The pass's `now` is passed explicitly (the reminders of 20 May 2024 are due);
leases run on the real clock, shortened for the workers through the environment.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings

from checklists.models import Notification, Reminder
from checklists.services.checklist import milestone_add
from checklists.services.reminder_dispatch import reminder_dispatch_due
from tests.checklists.test_reminders_dispatch import build_world
from tests.conclusion_world import issue, notices_in_app_only, rec
from tests.conftest import local
from tests.worker.conftest import REMINDER_WORKER_ENV

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NOW = local(2024, 5, 20, 9)
WAIT_SECONDS = 90
WORKER_ENV = REMINDER_WORKER_ENV


@transaction.atomic
def make_reminders(milestones: int, *, recommendations: int = 0, overdue: int = 0) -> int:
    """`milestones` host deadlines due on 20 May, two host contacts each; the
    visit's conclusion issued on 14 May with `recommendations` due on 20 May to
    the host unit (its two contacts reminded) and `overdue` ones due on 17 May
    (its contacts reminded, and the two coordinators in scope escalated to).
    Returns the number of reminders a pass on 20 May records."""
    world = build_world()
    world.milestone.delete()
    host = world.visit.host_unit
    if recommendations or overdue:
        issue(
            world.visit,
            *[rec(host, due_date=dt.date(2024, 5, 20)) for _ in range(recommendations)],
            *[rec(host, due_date=dt.date(2024, 5, 17)) for _ in range(overdue)],
            issued_on=dt.date(2024, 5, 14),
        )
        notices_in_app_only()
    for n in range(milestones):
        milestone_add(
            actor=None,
            visit=world.visit,
            key=f"deadline-{n}",
            title=f"Hạn {n}",
            due_date=dt.date(2024, 5, 20),
            responsible="host",
        )
    return 2 * (milestones + recommendations) + 4 * overdue


def assert_each_sent_once_but_the_one_in_flight(expected: int, message_ids: list[str]) -> None:
    """Every reminder recorded once and sent, with one notification each; no
    e-mail twice, except possibly one in flight when a worker was killed, which
    then carries the same Message-ID both times."""
    reminders = Reminder.objects.all()
    assert reminders.count() == expected
    assert set(reminders.values_list("state", flat=True)) == {Reminder.State.SENT}
    sent = Counter(message_ids)
    assert set(sent) == set(reminders.values_list("message_id", flat=True))
    doubled = [message_id for message_id, n in sent.items() if n > 1]
    assert len(doubled) <= 1
    assert max(sent.values()) <= 2
    notified = Notification.objects.filter(reminder__isnull=False)
    assert Counter(notified.values_list("reminder_id", flat=True)) == Counter(
        reminders.values_list("id", flat=True)
    )


def wait_until_all_sent(expected: int, *, passes: bool = False) -> None:
    """Poll the database until `expected` reminders are recorded and none is
    pending; with `passes`, run a pass (as beat would) between polls, which
    re-enqueues what a dead worker or a lost task held."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        recorded = Reminder.objects.count()
        pending = Reminder.objects.filter(state=Reminder.State.PENDING).exists()
        if recorded >= expected and not pending:
            return
        if passes:
            with override_settings(REMINDER_REQUEUE_AFTER_SECONDS=1):
                reminder_dispatch_due(now=NOW)
        time.sleep(0.5)
    states = Counter(Reminder.objects.values_list("state", flat=True))
    raise AssertionError(f"reminders still pending after {WAIT_SECONDS}s: {states}")


def test_it_loses_and_doubles_nothing_when_a_worker_is_killed_mid_batch(workers, smtp_sink):
    """GIVEN 20 reminders being sent by one worker, the mail server slow: 10 of
    milestones, 10 of recommendations (4 of them an overdue one's, escalation
    included)
    WHEN the worker is killed with SIGKILL after a few e-mails
    THEN a new worker and the passes finish the batch: every reminder sent, and
    no e-mail twice, except possibly the one in flight at the kill, which then
    carries the same Message-ID both times."""
    expected = make_reminders(5, recommendations=3, overdue=1)
    assert expected == 20
    smtp_sink.delay = 0.3
    doomed = workers("doomed")
    result = reminder_dispatch_due(now=NOW)
    assert (result.milestones, result.recommendations, result.recorded) == (5, 4, 20)
    deadline = time.monotonic() + WAIT_SECONDS
    while len(smtp_sink.message_ids()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    doomed.kill()
    accepted_before_restart = len(smtp_sink.message_ids())
    assert 3 <= accepted_before_restart < expected
    smtp_sink.delay = 0.0

    workers("heir")
    wait_until_all_sent(expected, passes=True)

    assert_each_sent_once_but_the_one_in_flight(expected, smtp_sink.message_ids())
