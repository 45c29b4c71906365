"""The draft-report loop's e-mails through a real broker, a real Celery worker and
real SMTP (SPEC §3, §5 `notify`): an upload's e-mails reach the team once each,
promptly, from the task enqueued after commit; a lost task is sent by the next
pass; the daily digest goes out once through its own task.
"""

from __future__ import annotations

import io
import time

import pytest
from django.test import override_settings

from checklists.models import Notification, NotificationDigest, User
from checklists.services.notification_delivery import notification_email_pass
from checklists.services.reports import report_revision_review, report_revision_upload
from tests.checklists.test_reports_uploads import docx_bytes
from tests.conftest import local

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60
Email = Notification.Email


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not done after {WAIT_SECONDS}s")


def upload(world, text: str = "Nội dung báo cáo."):
    return report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(docx_bytes("I. Đặc điểm tình hình", text)),
        filename="bao-cao.docx",
    )


def test_it_e_mails_the_team_once_each_through_the_worker(world, workers, smtp_sink):
    workers("loop")
    upload(world)
    team = {p.email for p in (world.people.lead, world.people.deputy, world.people.member,
                              world.people.secretary)}  # fmt: skip
    sent = Notification.objects.filter(kind="revision_uploaded", email_state=Email.SENT)
    wait_for(lambda: sent.count() == 4, "the team's four e-mails")
    messages = [m for m in smtp_sink.messages if m["subject"].startswith("Draft report uploaded")]
    assert sorted(m["to"][0] for m in messages) == sorted(team)
    assert len({m["message_id"] for m in messages}) == 4


def test_it_sends_a_lost_e_mail_and_the_daily_digest_once(world, workers, smtp_sink, monkeypatch):
    User.objects.filter(pk=world.people.host_in.pk).update(notify=User.Notify.DIGEST)
    # The tasks of this upload are lost (Redis down at commit).
    monkeypatch.setattr("checklists.services.notification_delivery._enqueue_send", lambda pk: None)
    revision = upload(world)
    report_revision_review(actor=world.people.lead, revision=revision, decision="request_changes")
    monkeypatch.undo()
    workers("loop")
    waiting = Notification.objects.get(recipient=world.people.host_in, kind="review")
    assert waiting.email_state == Email.DIGEST

    # A pass after REMINDER_HOUR: re-enqueues the lost e-mails, makes the digest.
    with override_settings(REMINDER_REQUEUE_AFTER_SECONDS=0):
        tomorrow = local(2099, 1, 1, 9)
        first = notification_email_pass(now=tomorrow)
        assert len(first.requeued) == 4 and len(first.digests) == 1
        wait_for(
            lambda: (
                not Notification.objects.filter(email_state=Email.PENDING).exists()
                and NotificationDigest.objects.filter(state="sent").exists()
            ),
            "the e-mails and the digest",
        )
        assert notification_email_pass(now=tomorrow).digests == []
    to_host = [m for m in smtp_sink.messages if m["to"] == [world.people.host_in.email]]
    assert len(to_host) == 1 and to_host[0]["subject"] == "Draft reports: 1 notification"
    waiting.refresh_from_db()
    assert waiting.email_state == Email.SENT
    assert len(smtp_sink.messages) == 5  # four to the team, one digest
