"""A visit's checklist (visits/{id}/checklist/) and the checklist items of every
visit a person sees (checklist-items/)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.exports import XlsxExportMixin
from api.filters import FilterSet, IdFilter
from api.schema import IF_MATCH, etag_header
from api.serializers import ChecklistItemCreateSerializer, ChecklistItemSerializer
from api.views.base import (
    ETagMixin,
    VisitChildMixin,
    access_for,
    actor_of,
    expected_version,
    versioned_response,
)
from checklists.exports import Column, export_filename
from checklists.exports.columns import checklist_columns
from checklists.models import ChecklistItem
from checklists.selectors.visits import checklist_items_visible_to, sees_internal_notes
from checklists.services.checklist import checklist_item_add, checklist_item_update


class ChecklistFilter(FilterSet):
    status = filters.MultipleChoiceFilter(choices=ChecklistItem.Status.choices)
    text = filters.CharFilter(lookup_expr="icontains")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    visit = IdFilter(field_name="visit_id")

    class Meta:
        model = ChecklistItem
        fields = ["visit", "status", "section_number", "assignee", "origin", "answer_type", "text"]


CHECKLIST_ORDER = ["section_position", "position", "id"]


class VisitChecklistView(VisitChildMixin, XlsxExportMixin, generics.ListCreateAPIView):
    """A visit's checklist; POST adds an item of the visit's own (its
    "additional contents"), by default in the section "BS"."""

    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistFilter
    ordering_fields = ["section_position", "position", "status", "due_date", "id"]
    ordering = CHECKLIST_ORDER
    export_title = _("Checklist")

    def export_columns(self) -> list[Column]:
        access = access_for(self.request, self.get_visit())
        return checklist_columns(internal_notes=access.sees_internal_notes)

    def export_queryset(self, queryset: QuerySet[ChecklistItem]) -> QuerySet[ChecklistItem]:
        return queryset.select_related("assignee")

    def export_filename(self) -> str:
        return export_filename(f"checklist-{self.get_visit().pk}")

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        if getattr(self, "swagger_fake_view", False):
            return ChecklistItem.objects.none()
        return ChecklistItem.objects.filter(visit=self.get_visit()).order_by(*CHECKLIST_ORDER)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if "visit_pk" in self.kwargs and not getattr(self, "swagger_fake_view", False):
            # One visit: one answer for every row (no query: visible_visits
            # annotated the person's team role).
            context["sees_internal_notes"] = access_for(
                self.request, self.get_visit()
            ).sees_internal_notes
        return context

    @extend_schema(
        request=ChecklistItemCreateSerializer,
        responses={201: ChecklistItemSerializer},
        parameters=[etag_header(201)],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_visit()
        serializer = ChecklistItemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = checklist_item_add(actor=actor_of(request), visit=visit, **serializer.validated_data)
        return versioned_response(
            ChecklistItemSerializer(item, context=self.get_serializer_context()).data,
            item.row_version,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    retrieve=extend_schema(parameters=[etag_header(200)]),
    partial_update=extend_schema(parameters=[IF_MATCH, etag_header(200)]),
)
class ChecklistItemViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Checklist items of every visit the person sees; PATCH with If-Match."""

    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistFilter
    ordering_fields = ["visit", "section_position", "position", "status", "due_date", "id"]
    ordering = ["visit", *CHECKLIST_ORDER]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        return checklist_items_visible_to(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        user = self.request.user
        # Rows of many visits: asked per row, from each row's annotation.
        context["sees_internal_notes_for"] = lambda item: sees_internal_notes(user, item)
        return context

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        return versioned_response(self.get_serializer(item).data, item.row_version)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        serializer = self.get_serializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = checklist_item_update(
            actor=actor_of(request),
            item=item,
            expected_version=expected_version(request),
            **serializer.validated_data,
        )
        item = self.get_queryset().get(pk=item.pk)
        return versioned_response(self.get_serializer(item).data, item.row_version)
