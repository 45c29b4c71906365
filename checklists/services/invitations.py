"""The one-time e-mail that lets an imported person set their own password
(SPEC §13 "imported people set their own password from a one-time e-mail").

Each e-mail is an Invitation row, its own outbox (checklists.services.mail_outbox):
written in the import's transaction (a rolled-back import invites nobody), its
task enqueued after commit, claimed with a lease, sent, and marked; a transient
failure is retried with the outbox's back-off, and the periodic pass enqueues
again what Redis lost. The link carries Django's default_token_generator token,
made when the e-mail is sent and never stored: it hashes the password and the
last log-in, so it stops working once the password is set (used once) or after
PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from checklists.models import Invitation, User
from checklists.pages import set_password_page
from checklists.services.mail_outbox import Outbox, message_id, send_checked
from checklists.services.people import user_update

INVITATION_OUTBOX = Outbox(model=Invitation, label="set-password e-mail")


def _enqueue_invitation(invitation_id: int) -> None:
    # The domain's one way into the worker (declared in .importlinter): imported
    # here, as the task module imports this one.
    from worker.invitation_tasks import invitation_send as invitation_send_task

    invitation_send_task.delay(invitation_id)


def _after_commit(invitation_ids: list[int]) -> None:
    def run() -> None:
        for pk in invitation_ids:
            _enqueue_invitation(pk)

    if invitation_ids:
        # robust: a broker that is down must not undo what committed; the pass
        # enqueues what it never received.
        transaction.on_commit(run, robust=True)


def invitations_create(user_ids: list[int]) -> list[int]:
    """Queue a set-password e-mail for each of these people, inside the caller's
    transaction; their tasks start once it commits. No actor: the caller (an
    import) checked its act."""
    rows = Invitation.objects.bulk_create(Invitation(user_id=pk) for pk in user_ids)
    ids = [row.pk for row in rows]
    _after_commit(ids)
    return ids


def set_password_link(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + set_password_page(uidb64, default_token_generator.make_token(user))


def invitation_email(user: User, *, message_id: str) -> EmailMessage:
    """The e-mail in the active language; `message_id` is the same on every try."""
    body = render_to_string(
        "checklists/email/invitation.txt",
        {
            "greeting": _("Hello %(name)s,") % {"name": user.full_name or user.username},
            "username": user.username,
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "link": set_password_link(user),
        },
    )
    return EmailMessage(
        subject=_("Set your password for the inspection tracker"),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Message-ID": message_id},
    )


def invitation_send(*, invitation_id: int) -> str:
    """Send one set-password e-mail: "sent", "failed", "skipped" (the person is
    gone, deactivated, has no address or has set a password meanwhile) or
    "not-claimed"; raises OutboxSendError for the task to retry. No actor: only
    the system sends."""
    if not INVITATION_OUTBOX.claim(invitation_id):
        return "not-claimed"
    invitation = Invitation.objects.select_related("user").filter(pk=invitation_id).first()
    if invitation is None:
        return "not-claimed"
    user = invitation.user
    if not user.is_active or not user.email or user.has_usable_password():
        INVITATION_OUTBOX.finish(invitation_id, Invitation.State.SKIPPED)
        return "skipped"

    def send() -> None:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            message = invitation_email(user, message_id=message_id(f"invitation-{invitation_id}"))
        send_checked(message)

    return INVITATION_OUTBOX.deliver(invitation_id, send)


def invitation_email_pass() -> list[int]:
    """The periodic pass (Celery beat): enqueue again every pending e-mail nobody
    touched for REMINDER_REQUEUE_AFTER_SECONDS (its task was lost with Redis, or
    its worker died holding the claim). Safe to run twice at once."""
    with transaction.atomic():
        requeued = INVITATION_OUTBOX.take_stale()
        _after_commit(requeued)
    return requeued


def password_set_by_token(*, user: User, password: str) -> User:
    """The person sets their own password from the link (the page checked the
    token): their own change, through the one service that changes accounts, so
    it is validated and audited like any other."""
    return user_update(actor=user, user=user, password=password)
