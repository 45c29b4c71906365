"""Reads of the audit trail (SPEC §4: coordinators only; to anyone else it does
not exist, so it answers 404 rather than 403)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from checklists import policies
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
