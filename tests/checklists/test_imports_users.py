"""People from a spreadsheet (checklists.services.imports.users_import): all rows
or none, the scope rules of user_create, and the one-time set-password e-mail."""

from __future__ import annotations

import re
import smtplib

import pytest
from django.core import mail
from django.test import Client

from checklists.errors import Invalid, NotAllowed
from checklists.models import AuditEvent, Invitation, User
from checklists.services.imports import users_import
from checklists.services.invitations import invitation_email_pass, invitation_send
from checklists.services.mail_outbox import OutboxSendError
from tests.spreadsheets import csv_bytes, xlsx

HEADER = ["username", "full_name", "email", "language", "host_unit", "coordinator_scope"]
PASSWORD = "Mật-khẩu-khó-đoán-2025"


@pytest.fixture
def sent(monkeypatch):
    """The worker's task, run in place once the import commits: its e-mails land
    in Django's outbox."""
    results: list[str] = []
    monkeypatch.setattr(
        "checklists.services.invitations._enqueue_invitation",
        lambda pk: results.append(invitation_send(invitation_id=pk)),
    )
    return results


def rows_of(error: Invalid) -> list[tuple[int, str]]:
    return sorted((row["row"], row["column"]) for row in error.extra["rows"])


def test_it_creates_people_with_their_roles_and_invites_each(
    world, sent, django_capture_on_commit_callbacks
):
    content = xlsx(
        [
            HEADER,
            ["nguyen.a", "Nguyễn Văn A", "a@example.vn", "vi", "ha-long", ""],
            ["tran.b", "Trần Thị B", "b@example.vn", "en", "", "quang-ninh"],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = users_import(actor=world.people.coordinator_in, upload=content)
    a = User.objects.get(username="nguyen.a")
    b = User.objects.get(username="tran.b")
    assert sorted(result.created) == sorted([a.pk, b.pk])
    assert a.host_unit == world.district and not a.is_coordinator and a.language == "vi"
    assert b.is_coordinator and b.coordinator_scope == world.province_in and b.language == "en"
    assert not a.has_usable_password()
    assert sent == ["sent", "sent"]
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.vn", "b@example.vn"]
    # Each in the person's own language, naming their user name and a link of their own.
    to_b = next(m for m in mail.outbox if m.to == ["b@example.vn"])
    to_a = next(m for m in mail.outbox if m.to == ["a@example.vn"])
    assert to_b.body.startswith("Hello Trần Thị B,") and "“tran.b”" in to_b.body
    assert not to_a.body.startswith("Hello") and "Nguyễn Văn A" in to_a.body
    assert "/password/set/" in to_a.body and to_a.body.count("/password/set/") == 1
    assert AuditEvent.objects.filter(
        object_type="user", action="create", object_id=str(a.pk)
    ).exists()


def test_the_set_password_link_works_once(world, sent, django_capture_on_commit_callbacks):
    content = csv_bytes([HEADER, ["le.c", "Lê C", "c@example.vn", "", "ha-long", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        users_import(actor=world.people.coordinator_in, upload=content)
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/password/set/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form_page = client.get(f"/{path}", follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/login/"
    person = User.objects.get(username="le.c")
    assert person.check_password(PASSWORD)
    assert AuditEvent.objects.filter(object_id=str(person.pk), action="update").exists()
    again = Client().get(f"/{path}", follow=True)
    assert not again.context["validlink"]
    assert "used already" in again.content.decode()
    # A set-password e-mail still waiting is not sent to someone who has set one.
    waiting = Invitation.objects.create(user=person)
    assert invitation_send(invitation_id=waiting.pk) == "skipped"
    waiting.refresh_from_db()
    assert waiting.state == Invitation.State.SKIPPED


def test_every_error_names_its_row_and_column_and_no_one_is_made_or_invited(
    world, sent, django_capture_on_commit_callbacks
):
    content = xlsx(
        [
            HEADER,
            ["ok", "Tốt", "ok@example.vn", "vi", "", ""],
            ["bad.mail", "Thư sai", "not-an-address", "vi", "", ""],
            ["bad.lang", "Tiếng sai", "l@example.vn", "fr", "", ""],
            ["bad.unit", "Đơn vị sai", "u@example.vn", "vi", "no-such-unit", ""],
            ["ok", "Trùng", "d@example.vn", "vi", "", ""],
            ["lead", "Đã có", "lead@example.vn", "vi", "", ""],
            ["bad.scope", "Phạm vi sai", "s@example.vn", "vi", "", "nowhere"],
            ["no.mail", "Không thư", "", "vi", "", ""],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Invalid) as caught:
        users_import(actor=world.people.coordinator_all, upload=content)
    assert rows_of(caught.value) == [
        (3, "email"),
        (4, "language"),
        (5, "host_unit"),
        (6, "username"),
        (7, "username"),
        (8, "coordinator_scope"),
        (9, "email"),
    ]
    assert not User.objects.filter(username="ok").exists()
    assert sent == [] and mail.outbox == []


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["x1", "X", "x@example.vn", "vi", "", "*"], "coordinator_scope"),  # everything
        (["x2", "X", "x@example.vn", "vi", "", "vinh-phuc"], "coordinator_scope"),
        (["x3", "X", "x@example.vn", "vi", "vinh-phuc", ""], "host_unit"),
    ],
)
def test_the_scope_rules_of_user_create_apply(world, row, column):
    with pytest.raises(Invalid) as caught:
        users_import(actor=world.people.coordinator_in, upload=xlsx([HEADER, row]))
    assert rows_of(caught.value) == [(2, column)]
    assert (
        "scope" in caught.value.extra["rows"][0]["message"]
        or "everything" in (caught.value.extra["rows"][0]["message"])
    )


def test_a_coordinator_of_everything_may_make_one(world, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        users_import(
            actor=world.people.coordinator_all,
            upload=xlsx([HEADER, ["boss", "Boss", "boss@example.vn", "vi", "", "*"]]),
        )
    boss = User.objects.get(username="boss")
    assert boss.coordinates_everything


@pytest.mark.parametrize("role", ["lead", "deputy", "member", "secretary", "host_in", "host_out"])
def test_people_who_are_no_coordinators_may_not_import_people(world, role):
    with pytest.raises(NotAllowed):
        users_import(actor=getattr(world.people, role), upload=b"")


def test_the_e_mail_is_an_outbox_row_retried_after_a_passing_failure(world, monkeypatch, settings):
    """GIVEN an imported person whose e-mail's task was lost with Redis
    WHEN the pass runs, and the mail server first says "later"
    THEN the row is enqueued again, held for the back-off, and sent once on the retry."""
    enqueued: list[int] = []
    monkeypatch.setattr("checklists.services.invitations._enqueue_invitation", enqueued.append)
    users_import(
        actor=world.people.coordinator_in,
        upload=xlsx([HEADER, ["ngo.f", "Ngô F", "f@example.vn", "vi", "ha-long", ""]]),
    )
    (invitation,) = Invitation.objects.filter(user__username="ngo.f")
    assert invitation.state == Invitation.State.PENDING and enqueued == []  # never committed
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 0
    assert invitation_email_pass() == [invitation.pk]

    def refuse(message):
        raise smtplib.SMTPServerDisconnected("421 try later")

    monkeypatch.setattr("checklists.services.invitations.send_checked", refuse)
    with pytest.raises(OutboxSendError):
        invitation_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING and invitation.attempts == 1
    assert "421" in invitation.last_error
    assert invitation_send(invitation_id=invitation.pk) == "not-claimed", "held until the retry"
    monkeypatch.undo()
    Invitation.objects.filter(pk=invitation.pk).update(lease_until=invitation.created_at)
    assert invitation_send(invitation_id=invitation.pk) == "sent"
    assert invitation_send(invitation_id=invitation.pk) == "not-claimed"
    assert [m.to for m in mail.outbox] == [["f@example.vn"]]
