"""The one-time e-mail that lets an imported person set their own password
(SPEC §13 "imported people set their own password from a one-time e-mail").

The link carries Django's default_token_generator token, which is made when the
e-mail is sent and never stored: it hashes the password and the last log-in, so
it stops working once the password is set (used once) or after
PASSWORD_RESET_TIMEOUT. The e-mail goes out from a Celery task enqueued after the
import commits (a rolled-back import invites nobody); a transient mail failure is
retried by the task with the outbox's back-off (worker.outbox_retries).
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

from checklists.models import User
from checklists.pages import set_password_page
from checklists.services.mail_outbox import (
    TRANSIENT_SEND_ERRORS,
    OutboxSendError,
    error_text,
    send_checked,
)
from checklists.services.people import user_update


def _enqueue_invitation(user_id: int) -> None:
    # The domain's one way into the worker (declared in .importlinter): imported
    # here, as the task module imports this one.
    from worker.invitation_tasks import invitation_send as invitation_send_task

    invitation_send_task.delay(user_id)


def invitations_after_commit(user_ids: list[int]) -> None:
    """Hand these people's set-password e-mails to the worker once the import commits."""

    def run() -> None:
        for pk in user_ids:
            _enqueue_invitation(pk)

    if user_ids:
        # robust: a broker that is down must not undo an import that committed.
        transaction.on_commit(run, robust=True)


def set_password_link(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + set_password_page(uidb64, default_token_generator.make_token(user))


def invitation_email(user: User) -> EmailMessage:
    """The e-mail in the active language."""
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
    )


def invitation_send(*, user_id: int) -> str:
    """Send one person's set-password e-mail: "sent", or "skipped" when they are
    gone, deactivated, have no address or have set a password meanwhile. Raises
    OutboxSendError for the task to retry a transient failure. No actor: only the
    system sends."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active or not user.email or user.has_usable_password():
        return "skipped"
    with translation.override(user.language or settings.LANGUAGE_CODE):
        message = invitation_email(user)
    try:
        send_checked(message)
    except TRANSIENT_SEND_ERRORS as error:
        raise OutboxSendError(error_text(error)) from error
    return "sent"


def password_set_by_token(*, user: User, password: str) -> User:
    """The person sets their own password from the link (the page checked the
    token): their own change, through the one service that changes accounts, so
    it is validated and audited like any other."""
    return user_update(actor=user, user=user, password=password)
