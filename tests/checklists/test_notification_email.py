"""The draft-report loop's e-mails (SPEC §3, §5 `notify`), in process: one by one for
people who take `each`, one digest a day at REMINDER_HOUR for `digest` people, each
exactly once (the database is the queue); deadline reminders never wait for a
digest. SMTP is Django's mail outbox; time is moved with time_machine.
"""

from __future__ import annotations

import datetime as dt
import io
import smtplib
import threading

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection, connections
from django.test import TestCase

from checklists.models import Notification, NotificationDigest, Reminder, User
from checklists.services.mail_outbox import OutboxSendError
from checklists.services.notification_delivery import (
    notification_digest_send,
    notification_email_pass,
    notification_send,
)
from checklists.services.reminder_delivery import reminder_send
from checklists.services.reports import (
    CommentInput,
    report_revision_review,
    report_revision_upload,
)
from tests import factories
from tests.checklists.test_reminders_dispatch import build_world, run_pass
from tests.checklists.test_reports_uploads import docx_bytes
from tests.conftest import local

pytestmark = pytest.mark.django_db

Email = Notification.Email
DAY = dt.date(2024, 6, 10)  # a Monday
EARLY = local(2024, 6, 10, 7, 0)  # before REMINDER_HOUR (8)


@pytest.fixture
def enqueued(monkeypatch) -> dict[str, list[int]]:
    """What would go to Celery: notification e-mails and digests, by id."""
    seen: dict[str, list[int]] = {"each": [], "digests": []}
    monkeypatch.setattr(
        "checklists.services.notification_delivery._enqueue_send", seen["each"].append
    )
    monkeypatch.setattr(
        "checklists.services.notification_delivery._enqueue_digest", seen["digests"].append
    )
    return seen


def upload(world, actor, text="Nội dung báo cáo."):
    return report_revision_upload(
        actor=actor,
        visit=world.visit,
        content=io.BytesIO(docx_bytes("I. Đặc điểm tình hình", text)),
        filename="bao-cao.docx",
    )


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def run_email_pass(moment: dt.datetime):
    with at(moment), TestCase.captureOnCommitCallbacks(execute=True):
        return notification_email_pass(now=moment)


# --- each --------------------------------------------------------------------------------


def test_it_e_mails_each_notification_once_in_the_recipients_language(world, enqueued):
    User.objects.filter(pk=world.people.member.pk).update(language="vi")
    with at(EARLY), TestCase.captureOnCommitCallbacks(execute=True):
        revision = upload(world, world.people.host_in)
    assert len(enqueued["each"]) == 4

    with at(EARLY + dt.timedelta(seconds=1)):
        outcomes = [notification_send(notification_id=pk) for pk in enqueued["each"]]
        again = [notification_send(notification_id=pk) for pk in enqueued["each"]]

    assert outcomes == ["sent"] * 4
    assert again == ["not-claimed"] * 4, "a task delivered twice sends once"
    assert len(mail.outbox) == 4
    by_address = {m.to[0]: m for m in mail.outbox}
    lead = by_address[world.people.lead.email]
    assert lead.subject == "Draft report uploaded: revision 1 (KT-HL)"
    page = f"{settings.SITE_URL}/visits/{world.visit.pk}/reports/{revision.pk}/"
    assert page in lead.body
    assert lead.extra_headers["Message-ID"].startswith("<notification-")
    member = by_address[world.people.member.email]
    assert member.body.startswith("Kính gửi"), "the member reads Vietnamese"
    assert "Draft report uploaded" not in member.subject
    rows = Notification.objects.filter(pk__in=enqueued["each"])
    assert {r.email_state for r in rows} == {Email.SENT}
    assert all(r.emailed_at is not None for r in rows)


def test_it_puts_the_visits_classification_mark_in_the_subject(world, enqueued):
    type(world.visit).objects.filter(pk=world.visit.pk).update(classification="secret")
    with at(EARLY), TestCase.captureOnCommitCallbacks(execute=True):
        upload(world, world.people.host_in)
    with at(EARLY + dt.timedelta(seconds=1)):
        notification_send(notification_id=enqueued["each"][0])
    assert mail.outbox[0].subject.startswith("[TỐI MẬT] ")


def test_it_retries_a_passing_failure_and_fails_a_permanent_one(world, enqueued, monkeypatch):
    with at(EARLY), TestCase.captureOnCommitCallbacks(execute=True):
        upload(world, world.people.host_in)
    first, second, *_ = enqueued["each"]

    def refuse(message):
        raise smtplib.SMTPServerDisconnected("421 try later")

    monkeypatch.setattr("checklists.services.notification_delivery.send_checked", refuse)
    with at(EARLY + dt.timedelta(seconds=1)), pytest.raises(OutboxSendError):
        notification_send(notification_id=first)
    row = Notification.objects.get(pk=first)
    assert row.email_state == Email.PENDING and row.email_attempts == 1
    assert "421" in row.email_error
    assert row.email_lease_until > EARLY + dt.timedelta(seconds=30), "held until the retry"

    monkeypatch.undo()
    Notification.objects.filter(pk=second).update(title="Evil\r\nBcc: x@example.com")
    User.objects.filter(notifications__pk=second).update(email="bad\r\nBcc: x@example.com")
    with at(EARLY + dt.timedelta(seconds=1)):
        assert notification_send(notification_id=second) == "failed"
    assert Notification.objects.get(pk=second).email_state == Email.FAILED
    # The retry, once the back-off ran out, goes out.
    with at(EARLY + dt.timedelta(hours=1)):
        assert notification_send(notification_id=first) == "sent"


def test_it_enqueues_again_an_e_mail_whose_task_was_lost(world, enqueued):
    with at(EARLY):
        upload(world, world.people.host_in)  # its after-commit enqueueing never ran
    assert enqueued["each"] == []
    result = run_email_pass(EARLY + dt.timedelta(minutes=10))
    assert len(result.requeued) == 4 and sorted(enqueued["each"]) == sorted(result.requeued)
    # Touched: the next pass leaves them to their tasks.
    assert run_email_pass(EARLY + dt.timedelta(minutes=10, seconds=30)).requeued == []


# --- digest ------------------------------------------------------------------------------


@pytest.fixture
def digest_hosts(world) -> list[User]:
    english = world.people.host_in
    vietnamese = factories.host_contact(world.district, username="host_vi", language="vi")
    User.objects.filter(pk__in=[english.pk, vietnamese.pk]).update(notify=User.Notify.DIGEST)
    return [english, vietnamese]


def test_it_gathers_digest_people_s_e_mails_in_one_digest_at_reminder_hour(
    world, digest_hosts, enqueued
):
    with at(local(2024, 6, 9, 15)), TestCase.captureOnCommitCallbacks(execute=True):
        revision = upload(world, world.people.coordinator_in)
        report_revision_review(
            actor=world.people.lead,
            revision=revision,
            decision="request_changes",
            comments=[CommentInput(text=f"Ý kiến {n}") for n in range(3)],
        )
    with at(EARLY), TestCase.captureOnCommitCallbacks(execute=True):
        report_revision_review(
            actor=world.people.lead,
            revision=upload(world, world.people.coordinator_in, text="Bản 2."),
            decision="request_changes",
        )
    waiting = Notification.objects.filter(recipient__in=digest_hosts, kind="review")
    assert waiting.count() == 4 and {n.email_state for n in waiting} == {Email.DIGEST}
    assert not waiting.filter(pk__in=enqueued["each"]).exists(), "nothing sent at once"
    team_mail = len(mail.outbox)

    assert run_email_pass(local(2024, 6, 10, 7, 59)).digests == [], "not before 08:00"
    result = run_email_pass(local(2024, 6, 10, 8, 0))
    assert len(result.digests) == 2 and sorted(enqueued["digests"]) == sorted(result.digests)
    assert run_email_pass(local(2024, 6, 10, 8, 1)).digests == [], "one digest a day"

    with at(local(2024, 6, 10, 8, 1)):
        assert [notification_digest_send(digest_id=pk) for pk in result.digests] == ["sent"] * 2
        assert [notification_digest_send(digest_id=pk) for pk in result.digests] == [
            "not-claimed"
        ] * 2
    digests = mail.outbox[team_mail:]
    assert sorted(m.to[0] for m in digests) == sorted(u.email for u in digest_hosts)
    english = next(m for m in digests if m.to == [digest_hosts[0].email])
    assert english.subject == "Draft reports: 2 notifications"
    assert english.body.count("Draft report reviewed: revision") == 2
    assert "with 3 comments" in english.body
    vietnamese = next(m for m in digests if m.to == [digest_hosts[1].email])
    assert vietnamese.body.startswith("Kính gửi")
    assert {n.email_state for n in waiting.all()} == {Email.SENT}
    assert NotificationDigest.objects.filter(day=DAY).count() == 2


def test_it_keeps_what_came_after_reminder_hour_for_the_next_days_digest(
    world, digest_hosts, enqueued
):
    revision = upload(world, world.people.coordinator_in)
    with at(local(2024, 6, 10, 9)):
        report_revision_review(
            actor=world.people.lead, revision=revision, decision="request_changes"
        )
    assert run_email_pass(local(2024, 6, 10, 9, 5)).digests == []
    assert len(run_email_pass(local(2024, 6, 11, 8, 0)).digests) == 2
    assert NotificationDigest.objects.filter(day=dt.date(2024, 6, 11)).count() == 2


def test_it_sends_no_e_mail_at_once_to_a_digest_person(world, digest_hosts, enqueued):
    revision = upload(world, world.people.coordinator_in)
    with TestCase.captureOnCommitCallbacks(execute=True):
        report_revision_review(
            actor=world.people.lead, revision=revision, decision="request_changes"
        )
    mine = Notification.objects.filter(recipient__in=digest_hosts)
    assert mine.count() == 2
    assert not mine.filter(pk__in=enqueued["each"]).exists()
    assert all(m.to[0] not in {u.email for u in digest_hosts} for m in mail.outbox)


def _pass_in_thread(moment, barrier, out):
    try:
        barrier.wait(timeout=10)
        out.append(notification_email_pass(now=moment).digests)
    except Exception as error:
        out.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_digest_when_two_passes_run_at_once(world, digest_hosts, enqueued):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite serialises them)")
    revision = upload(world, world.people.coordinator_in)
    with at(EARLY):
        report_revision_review(
            actor=world.people.lead, revision=revision, decision="request_changes"
        )
    barrier = threading.Barrier(2)
    out: list = []
    moment = local(2024, 6, 10, 8, 30)
    threads = [
        threading.Thread(target=_pass_in_thread, args=(moment, barrier, out)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in out if isinstance(r, Exception)], out
    assert sorted(len(r) for r in out) in ([0, 2], [1, 1])
    assert NotificationDigest.objects.count() == 2
    assert sorted(enqueued["digests"]) == sorted(
        NotificationDigest.objects.values_list("pk", flat=True)
    )


# --- deadline reminders are never held back ----------------------------------------------------


def test_it_still_e_mails_a_deadline_reminder_at_once_to_a_digest_person():
    w = build_world()
    User.objects.filter(pk__in=[w.host1.pk, w.host2.pk]).update(notify=User.Notify.DIGEST)
    now = local(2024, 5, 13, 8, 0)  # the -7d reminder of the 20 May deadline
    result = run_pass(now)
    assert result.recorded == 2
    with at(now + dt.timedelta(seconds=1)):
        for pk in result.enqueued:
            assert reminder_send(reminder_id=pk) == "sent"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([w.host1.email, w.host2.email])
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SENT}
    assert not NotificationDigest.objects.exists()
