"""In-app notifications (SPEC §8): a person's own inbox."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.errors import NotFound
from checklists.models import Notification
from checklists.policies import Person


def notification_mark_read(*, actor: Person | None, notification: Notification) -> Notification:
    """Mark an in-app notification read; marking it again keeps the first time.

    Only its recipient may: anyone else is told it does not exist, as nobody sees
    another's notifications."""
    if actor is not None and notification.recipient_id != actor.pk:
        raise NotFound(_("There is no such notification."))
    if notification.read_at is None:
        # Conditional, so two clicks at once keep the first time.
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification
