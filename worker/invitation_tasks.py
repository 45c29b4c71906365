"""The set-password e-mail of an imported person: thin, one service, the outbox's
retries (checklists.services.invitations)."""

from __future__ import annotations

from celery import shared_task

from checklists.services.invitations import invitation_send as send_service
from worker.outbox_retries import OUTBOX_RETRIES

__all__: list[str] = ["invitation_send"]


@shared_task(name="worker.invitation_send", **OUTBOX_RETRIES)
def invitation_send(self, user_id: int) -> str:
    """Send one person's set-password e-mail; a person gone or already set is a no-op."""
    return send_service(user_id=user_id)
