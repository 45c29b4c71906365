from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.plumbing import build_object_type
from rest_framework import viewsets
from rest_framework.response import Response

from api.filters import DateTimeFilter, FilterSet, IdFilter
from api.pagination import Pagination
from api.serializers import AuditChainSerializer, AuditEventSerializer
from checklists.models import AuditEvent
from checklists.selectors.audit import audit_chain_status, audit_events_visible_to


class AuditFilter(FilterSet):
    at_after = DateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = DateTimeFilter(field_name="at", lookup_expr="lte")
    visit = IdFilter(field_name="visit_id")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "visit"]


class AuditPagination(Pagination):
    """The audit list's page carries `chain` beside the pagination keys (SPEC §5);
    this class only documents it, the view fills it in."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["chain"] = build_object_type(
            properties={
                "verified_at": {"type": "string", "format": "date-time", "nullable": True},
                "ok": {"type": "boolean", "nullable": True},
                "first_bad_id": {"type": "integer", "nullable": True},
            },
            required=["verified_at", "ok", "first_bad_id"],
            description="The last verification of the audit chain (manage.py audit_verify, "
            "run daily): when, whether it held, and the first event found changed, "
            "removed or inserted.",
        )
        answer.setdefault("required", [])
        if "chain" not in answer["required"]:
            answer["required"].append("chain")
        return answer


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, for coordinators: every change and every file download,
    with who did it and what changed. A scoped coordinator sees the events of
    the visits in their subtree and the outline events everyone shares. To
    anyone else the trail does not exist (404, SPEC §4). The list also says
    what the last verification of the tamper-evident chain found (`chain`)."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter
    pagination_class = AuditPagination
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

    def list(self, request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["chain"] = AuditChainSerializer(audit_chain_status()).data
        return response
