"""One bad row never blocks the others, through `celery beat` and a real worker
(SPEC §14, issue 17 item 0): beside poisoned rows written straight into the
database, every healthy reminder goes out and the one that cannot is failed at
once with its reason, after one try. The cron path, and the details of each
failure: tests/checklists/test_one_bad_row.py.

Beat passes no `now`, so the deadline is dated from today: due in 3 days, with
the reminder hour half a day away, its one current reminder is the -3d one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from checklists.models import Milestone, Reminder, User
from checklists.services.checklist import milestone_add
from tests.checklists.test_reminders_dispatch import build_world
from tests.worker.conftest import REMINDER_WORKER_ENV

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 90
INJECTED = "Evil\r\nBcc: attacker@example.com"
BAD_ADDRESS = "host@example.com\r\nBcc: attacker@example.com"


def process_env() -> dict[str, str]:
    return {
        **REMINDER_WORKER_ENV,
        "REMINDER_HOUR": str((timezone.localtime().hour + 12) % 24),
        "REMINDER_DISPATCH_SECONDS": "1",
    }


def test_it_sends_every_healthy_reminder_beside_poisoned_rows(live_celery, workers, smtp_sink):
    """GIVEN two host deadlines due in 3 days, one titled with a header injection
    (written past every door), and one of the two host contacts with an address
    holding one
    WHEN beat and a worker run
    THEN both reminders to the valid address are sent, the injected title as a
    one-line subject to that address only, and both to the invalid address end
    failed after one try with the reason in `last_error`."""
    env = process_env()
    world = build_world()
    world.milestone.delete()
    due = timezone.localdate() + dt.timedelta(days=3)
    milestone_add(
        actor=None,
        visit=world.visit,
        key="healthy",
        title="Nộp báo cáo",
        due_date=due,
        responsible="host",
    )
    poisoned = milestone_add(
        actor=None,
        visit=world.visit,
        key="poisoned",
        title="Placeholder",
        due_date=due,
        responsible="host",
    )
    Milestone.objects.filter(pk=poisoned.pk).update(title=INJECTED)
    User.objects.filter(pk=world.host2.pk).update(email=BAD_ADDRESS)

    workers("w", env=env)
    beat = live_celery.start_beat(name="beat", env=env)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if not beat.is_alive():
            raise AssertionError(beat.log())
        reminders = Reminder.objects.all()
        if reminders.count() >= 4 and not reminders.filter(state=Reminder.State.PENDING).exists():
            break
        time.sleep(0.3)
    else:
        states = Counter(Reminder.objects.values_list("state", flat=True))
        raise AssertionError(f"reminders not settled after {WAIT_SECONDS}s: {states}")
    beat.stop()
    live_celery.wait_idle()

    reminders = Reminder.objects.all()
    assert reminders.count() == 4
    good = reminders.filter(recipient=world.host1)
    bad = reminders.filter(recipient=world.host2)
    assert set(good.values_list("state", flat=True)) == {Reminder.State.SENT}
    assert set(bad.values_list("state", flat=True)) == {Reminder.State.FAILED}
    assert set(bad.values_list("attempts", flat=True)) == {1}
    assert all(
        "newlines" in error or "address" in error
        for error in bad.values_list("last_error", flat=True)
    )
    assert len(smtp_sink.messages) == 2
    assert all(m["to"] == [world.host1.email] for m in smtp_sink.messages)
    # Decoded: a long encoded Subject is folded over several physical lines.
    subjects = [str(make_header(decode_header(m["subject"]))) for m in smtp_sink.messages]
    assert all("\n" not in s and "\r" not in s for s in subjects), subjects
    assert any("Evil Bcc: attacker@example.com" in s for s in subjects), subjects
