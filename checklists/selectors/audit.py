"""Reads of the audit trail (SPEC §4: coordinators only; to anyone else it does
not exist, so it answers 404 rather than 403)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from checklists import policies
from checklists.audit_anchor import anchor_read
from checklists.errors import NotFound
from checklists.models import AuditEvent, User
from checklists.policies import Person
from checklists.selectors import visits_coordinated_by, visits_visible_to


def audit_events_visible_to(user: Person, *, visit_id: int | None = None) -> QuerySet[AuditEvent]:
    """The events a coordinator may read: a coordinator of everything, all of them;
    a scoped one, the events of the visits in their subtree and the outline events
    everyone shares.

    Anyone else is refused with NotFound, as is a coordinator naming (`visit_id`)
    a visit they do not see: whether a visit exists is itself confidential. The
    events are not narrowed to `visit_id` here; the caller's filter does that.
    """
    if not policies.is_coordinator(user) or not isinstance(user, User):
        raise NotFound(_("There is no audit trail here."))
    if visit_id is not None and not visits_visible_to(user).filter(pk=visit_id).exists():
        raise NotFound(_("There is no such visit."))
    if user.coordinates_everything:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(
        Q(visit_id__in=visits_coordinated_by(user).values("pk")) | Q(object_type="outline")
    )


def audit_chain_status() -> dict[str, Any]:
    """The last verification of the chain (`chain` in `audit/`, SPEC §5):
    `verified_at`, `ok`, `first_bad_id`; all null before the first one.

    Read from the anchor file, not a table, so the list costs no extra query. An
    unreadable file says "not ok" rather than failing the list: the daily pass
    raises the alarm about it."""
    try:
        last = anchor_read().get("last_check") or {}
    except (OSError, ValueError):
        return {"verified_at": None, "ok": False, "first_bad_id": None}
    verified_at = last.get("verified_at")
    return {
        "verified_at": parse_datetime(verified_at) if isinstance(verified_at, str) else None,
        "ok": last.get("ok"),
        "first_bad_id": last.get("first_bad_id"),
    }
