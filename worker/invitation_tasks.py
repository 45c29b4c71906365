"""The set-password e-mails of imported people: thin, one service each, the
outbox's retries (checklists.services.invitations). The import enqueues
`invitation_send` after it commits; beat starts `invitation_email_pass`, which
enqueues again whatever Redis lost. The database is the queue."""

from __future__ import annotations

from celery import shared_task

from checklists.services.invitations import invitation_email_pass as pass_service
from checklists.services.invitations import invitation_send as send_service
from worker.outbox_retries import OUTBOX_RETRIES

__all__: list[str] = ["invitation_email_pass", "invitation_send"]


@shared_task(name="worker.invitation_send", **OUTBOX_RETRIES)
def invitation_send(self, invitation_id: int) -> str:
    """Send one set-password e-mail; a missing, sent or claimed one is a no-op."""
    return send_service(invitation_id=invitation_id)


@shared_task(name="worker.invitation_email_pass", ignore_result=True)
def invitation_email_pass() -> int:
    """One pass; nothing to retry: the next pass does the same."""
    return len(pass_service())
