"""Reminders through real Celery workers, a real broker and real SMTP (SPEC §8):
none lost, and none doubled, when a worker is killed. Two beats and two workers
at once: test_reminder_beats.py.

The pass's `now` is passed explicitly (the reminders of 20 May 2024 are due);
leases run on the real clock, shortened for the workers through the environment.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.test import override_settings

from checklists.models import Reminder
from checklists.services.checklist import milestone_add
from checklists.services.reminder_dispatch import reminder_dispatch_due
from tests.checklists.test_reminders_dispatch import build_world
from tests.conftest import local
from tests.worker.conftest import REMINDER_WORKER_ENV

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NOW = local(2024, 5, 20, 9)
WAIT_SECONDS = 90
WORKER_ENV = REMINDER_WORKER_ENV


def make_reminders(milestones: int) -> None:
    """`milestones` host deadlines due on 20 May, two host contacts each."""
    world = build_world()
    world.milestone.delete()
    for n in range(milestones):
        milestone_add(
            actor=None,
            visit=world.visit,
            key=f"deadline-{n}",
            title=f"Hạn {n}",
            due_date=dt.date(2024, 5, 20),
            responsible="host",
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
    """GIVEN 20 reminders being sent by one worker, the mail server slow
    WHEN the worker is killed with SIGKILL after a few e-mails
    THEN a new worker and the passes finish the batch: every reminder sent, and
    no e-mail twice, except possibly the one in flight at the kill, which then
    carries the same Message-ID both times."""
    make_reminders(10)
    smtp_sink.delay = 0.3
    doomed = workers("doomed")
    reminder_dispatch_due(now=NOW)
    deadline = time.monotonic() + WAIT_SECONDS
    while len(smtp_sink.message_ids()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    doomed.kill()
    accepted_before_restart = len(smtp_sink.message_ids())
    assert 3 <= accepted_before_restart < 20
    smtp_sink.delay = 0.0

    workers("heir")
    wait_until_all_sent(20, passes=True)

    reminders = Reminder.objects.all()
    assert reminders.count() == 20
    assert set(reminders.values_list("state", flat=True)) == {Reminder.State.SENT}
    sent = Counter(smtp_sink.message_ids())
    assert set(sent) == set(reminders.values_list("message_id", flat=True))
    doubled = [message_id for message_id, n in sent.items() if n > 1]
    assert len(doubled) <= 1
    assert max(sent.values()) <= 2
