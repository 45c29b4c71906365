from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied

from api.filters import DateTimeFilter, FilterSet, IdFilter
from api.serializers import AuditEventSerializer
from checklists import policies
from checklists.models import AuditEvent
from checklists.selectors import visits_coordinated_by, visits_visible_to


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
    the visits in their subtree and the outline events everyone shares."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        user = self.request.user
        visit_id = self.request.query_params.get("visit")
        if visit_id is not None and visit_id.isdigit() and len(visit_id) <= 18:
            # Whether a visit exists is itself confidential: 404 for one the
            # person cannot see, 403 for one they see but may not audit.
            get_object_or_404(visits_visible_to(user), pk=int(visit_id))
        if not policies.is_coordinator(user):
            raise PermissionDenied(_("Only coordinators may read the audit trail."))
        if user.coordinates_everything:
            return AuditEvent.objects.all()
        return AuditEvent.objects.filter(
            Q(visit_id__in=visits_coordinated_by(user).values("pk")) | Q(object_type="outline")
        )
