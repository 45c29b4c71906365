"""One bad row never blocks the others (SPEC §14, issue 17 item 0), in process:
the reminder e-mail's subject is one line whatever the database holds, a send
that can never work is failed at once with its reason, and the cron command
(`send_due_reminders --send`) goes on with the rest and exits 0.

Rows are poisoned straight in the database (`.update()`), as a row written
before the one-line rule, or by hand, would be. The beat-and-worker path:
tests/worker/test_poisoned_reminder.py.
"""

from __future__ import annotations

import datetime as dt
import io
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from checklists.models import Milestone, Reminder, User
from checklists.services.checklist import milestone_add
from checklists.services.reminder_delivery import permanent_reason, reminder_send
from checklists.validators import single_line
from tests.checklists.test_reminders_dispatch import build_world, run_pass
from tests.conftest import local

pytestmark = pytest.mark.django_db

S = Reminder.State
INJECTED = "Evil\r\nBcc: attacker@example.com"
BAD_ADDRESS = "host@example.com\r\nBcc: attacker@example.com"
NOW = local(2024, 5, 20, 9)
# Sends run a moment after the pass: its rows are claimable from the next instant.
LATER = NOW + dt.timedelta(seconds=1)


def poisoned_world():
    """Two host deadlines due on 20 May (two host contacts each): one healthy, one
    whose title carries a header injection; and a third host contact whose
    address is not an address at all. All written past every door."""
    world = build_world()
    world.milestone.delete()
    world.healthy = milestone_add(
        actor=None,
        visit=world.visit,
        key="healthy",
        title="Nộp báo cáo",
        due_date=NOW.date(),
        responsible="host",
    )
    world.poisoned = milestone_add(
        actor=None,
        visit=world.visit,
        key="poisoned",
        title="Placeholder",
        due_date=NOW.date(),
        responsible="host",
    )
    Milestone.objects.filter(pk=world.poisoned.pk).update(title=INJECTED)
    world.bad_host = User.objects.get(pk=world.host2.pk)
    User.objects.filter(pk=world.host2.pk).update(email=BAD_ADDRESS)
    return world


def test_it_flattens_control_characters_into_one_line():
    assert single_line(" Evil\r\nBcc:\tx\u2028y\x85z ") == "Evil Bcc: x y z"
    assert single_line("Hạn nộp") == "Hạn nộp"


def test_it_tells_permanent_send_errors_from_passing_ones():
    assert permanent_reason(ValueError("Invalid address"))
    assert permanent_reason(smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no such user")}))
    assert permanent_reason(smtplib.SMTPDataError(554, b"rejected"))
    assert not permanent_reason(smtplib.SMTPRecipientsRefused({"a@b.c": (450, b"busy")}))
    assert not permanent_reason(smtplib.SMTPServerDisconnected("421 later"))
    assert not permanent_reason(smtplib.SMTPSenderRefused(550, b"no", "from@x"))
    assert not permanent_reason(OSError("connection refused"))


def test_it_sends_a_one_line_subject_whatever_the_title_holds():
    world = poisoned_world()
    run_pass(NOW)
    reminder = Reminder.objects.get(milestone=world.poisoned, recipient=world.host1)
    with time_machine.travel(LATER, tick=False):
        assert reminder_send(reminder_id=reminder.pk) == "sent"
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "Evil Bcc: attacker@example.com" in message.subject
    assert message.recipients() == [world.host1.email]
    assert "Bcc" not in message.message()


def test_it_fails_a_reminder_to_an_invalid_address_at_once_with_its_reason():
    world = poisoned_world()
    run_pass(NOW)
    reminder = Reminder.objects.get(milestone=world.healthy, recipient=world.host2)
    with time_machine.travel(LATER, tick=False):
        assert reminder_send(reminder_id=reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (S.FAILED, 1)
    assert reminder.last_error.startswith("BadHeaderError") or "address" in reminder.last_error
    assert mail.outbox == []


# Rows committed for real: the command's sends run as each batch commits, as in cron.
@pytest.mark.django_db(transaction=True)
def test_it_sends_every_healthy_reminder_of_a_cron_pass_beside_poisoned_rows():
    """GIVEN two milestones due, one titled with a header injection, and one host
    contact whose address holds one
    WHEN `send_due_reminders --send` runs
    THEN it exits 0, every reminder to a valid address is sent (the injected title
    flattened into a one-line subject, no Bcc), the two to the invalid address
    are failed with their reason, and the command names them."""
    world = poisoned_world()
    out, err = io.StringIO(), io.StringIO()
    # A ticking clock: the pass's rows are claimable a moment after they are made.
    with time_machine.travel(NOW, tick=True):
        call_command(
            "send_due_reminders", "--send", f"--now={NOW.isoformat()}", stdout=out, stderr=err
        )

    reminders = Reminder.objects.all()
    assert reminders.count() == 4
    bad = reminders.filter(recipient=world.host2)
    good = reminders.exclude(recipient=world.host2)
    assert set(good.values_list("state", flat=True)) == {S.SENT}
    assert set(bad.values_list("state", flat=True)) == {S.FAILED}
    assert all(error for error in bad.values_list("last_error", flat=True))
    assert sorted(m.subject for m in mail.outbox) == sorted(
        single_line(m.subject) for m in mail.outbox
    )
    assert {tuple(m.recipients()) for m in mail.outbox} == {(world.host1.email,)}
    assert len(mail.outbox) == 2
    assert "sent={'sent': 2, 'failed': 2}" in out.getvalue()
    for reminder in bad:
        assert f"reminder {reminder.pk} " in err.getvalue()
    assert "failed:" in err.getvalue()
