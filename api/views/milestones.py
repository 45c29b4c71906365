"""A visit's deadlines (visits/{id}/milestones/) and the deadlines of every visit a
person sees (milestones/)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.exports import XlsxExportMixin
from api.filters import BooleanFilter, FilterSet, IdFilter
from api.serializers import MilestoneCreateSerializer, MilestoneSerializer
from api.views.base import VisitChildMixin, actor_of
from checklists.exports import Column
from checklists.exports.columns import milestone_columns
from checklists.models import Milestone
from checklists.selectors import involvement_q
from checklists.selectors.visits import milestones_visible_to
from checklists.services.checklist import milestone_add, milestone_mark_done, milestone_reschedule


class MilestoneFilter(FilterSet):
    state = filters.MultipleChoiceFilter(choices=Milestone.State.choices, method="filter_state")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    visit = IdFilter(field_name="visit_id")
    mine = BooleanFilter(
        method="filter_mine", label=_("deadlines of visits I am on the team of or host")
    )

    class Meta:
        model = Milestone
        fields = ["visit", "key", "responsible", "dated_by_hand"]

    def filter_state(
        self, queryset: QuerySet[Milestone], name: str, values: list[str]
    ) -> QuerySet[Milestone]:
        return queryset.filter(Milestone.state_condition(values, timezone.localdate()))

    def filter_mine(
        self, queryset: QuerySet[Milestone], name: str, value: bool | None
    ) -> QuerySet[Milestone]:
        if value is None:
            return queryset
        mine = involvement_q(self.request.user, visit_field="visit")
        return queryset.filter(mine) if value else queryset.exclude(mine)


class MilestoneExportMixin(XlsxExportMixin):
    export_stem, export_title = "milestones", gettext_lazy("Deadlines")

    def export_columns(self) -> list[Column]:
        return milestone_columns()

    def export_queryset(self, queryset: QuerySet[Milestone]) -> QuerySet[Milestone]:
        return queryset.select_related("visit")


class VisitMilestonesView(VisitChildMixin, MilestoneExportMixin, generics.ListCreateAPIView):
    """A visit's deadlines; POST adds one of the visit's own, dated by hand."""

    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due_date", "key", "id"]
    ordering = ["due_date", "id"]

    def get_queryset(self) -> QuerySet[Milestone]:
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        return Milestone.objects.filter(visit=self.get_visit()).order_by("due_date", "id")

    @extend_schema(request=MilestoneCreateSerializer, responses={201: MilestoneSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_visit()
        serializer = MilestoneCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = milestone_add(actor=actor_of(request), visit=visit, **serializer.validated_data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


class MilestoneViewSet(
    MilestoneExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Deadlines of every visit the person sees. PATCH `due_date` to reschedule
    (null follows the sessions again) and `done` (or `done_at`) to mark it met."""

    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due_date", "visit", "id"]
    ordering = ["due_date", "id"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Milestone]:
        return milestones_visible_to(self.request.user)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        serializer = self.get_serializer(milestone, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        done = _requested_done(data, request.data)
        # All or nothing: a refusal of the second change undoes the first.
        with transaction.atomic():
            if "due_date" in data:
                milestone = milestone_reschedule(
                    actor=actor_of(request), milestone=milestone, due_date=data["due_date"]
                )
            if done is not None:
                milestone = milestone_mark_done(
                    actor=actor_of(request), milestone=milestone, done=done, at=data.get("done_at")
                )
        return Response(self.get_serializer(milestone).data)


def _requested_done(data: dict[str, Any], raw: Any) -> bool | None:
    """`done: true|false`, `done_at: <time>|null` and `state: "done"` all mark a deadline."""
    if "done" in data:
        return bool(data["done"])
    if "done_at" in data:
        return data["done_at"] is not None
    if isinstance(raw, dict) and raw.get("state") == Milestone.State.DONE:
        return True
    return None
