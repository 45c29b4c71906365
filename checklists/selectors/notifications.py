"""A person's notifications as their deadlines page shows them."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Window

from checklists.models import Notification
from checklists.statements import KeyedStatement

# How many of the unread ones the page lists; the number of them all comes along.
LATEST_UNREAD = 5


def latest_unread(recipient_id: int) -> QuerySet[Notification]:
    """The latest unread notifications, each annotated `unread` with the number of
    all of them (COUNT(*) OVER (), not a query of its own). Served by
    notification_inbox_idx (recipient, -created_at)."""
    unread = Notification.objects.filter(recipient_id=recipient_id, read_at__isnull=True)
    return unread.annotate(unread=Window(Count("*"))).order_by("-created_at", "-id")[:LATEST_UNREAD]


# Every view of the deadlines page runs it, and its SQL depends on the person's id
# alone: compiled once per connection (checklists.statements).
LATEST_UNREAD_OF: KeyedStatement[Notification] = KeyedStatement(latest_unread)


def unread_notifications(recipient_id: int) -> tuple[int, list[Notification]]:
    """How many notifications are unread, and the latest LATEST_UNREAD of them."""
    latest = list(LATEST_UNREAD_OF.rows(recipient_id))
    return (getattr(latest[0], "unread", 0) if latest else 0), latest


__all__ = ["LATEST_UNREAD", "LATEST_UNREAD_OF", "latest_unread", "unread_notifications"]
