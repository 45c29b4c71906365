from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from api.filters import DateTimeFilter, FilterSet, IdFilter
from api.serializers import AuditEventSerializer
from checklists.models import AuditEvent
from checklists.selectors.audit import audit_events_visible_to


class AuditFilter(FilterSet):
    at_after = DateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = DateTimeFilter(field_name="at", lookup_expr="lte")
    visit = IdFilter(field_name="visit_id")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "visit"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, for coordinators: every change and every file download,
    with who did it and what changed. A scoped coordinator sees the events of
    the visits in their subtree and the outline events everyone shares. To
    anyone else the trail does not exist (404, SPEC §4)."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        visit = self.request.query_params.get("visit")
        # A malformed id is the filter's to refuse (400); a well-formed one the
        # person may not see answers 404 like a missing one.
        visit_id = (
            int(visit) if visit is not None and visit.isdigit() and len(visit) <= 18 else None
        )
        return audit_events_visible_to(self.request.user, visit_id=visit_id)
