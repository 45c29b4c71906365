"""Visits: list, read, plan, change and move through their states. Their checklist
is api.views.checklist, their deadlines api.views.milestones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api.exports import XlsxExportMixin, in_chunks
from api.filters import BooleanFilter, FilterSet, IdFilter
from api.schema import IF_MATCH, etag_header
from api.serializers import (
    ClashSerializer,
    VisitRescheduleSerializer,
    VisitSerializer,
    VisitUpdateSerializer,
)
from api.serializers_conclusions import VisitCloseSerializer
from api.views.base import (
    ETagMixin,
    actor_of,
    expected_version,
    versioned_response,
)
from checklists.exports import Column
from checklists.exports.columns import visit_columns
from checklists.limits import MAX_QUERY_TEXT
from checklists.models import TeamMembership, Unit, Visit
from checklists.selectors import involvement_q
from checklists.selectors.visits import (
    team_names_of,
    visits_listed_for,
    visits_matching,
    visits_with_overdue_deadlines,
    visits_with_sessions_between,
)
from checklists.services.visit_clashes import visit_clashes
from checklists.services.visits import (
    SessionInput,
    TeamInput,
    visit_change,
    visit_create,
    visit_reschedule,
    visit_transition,
)


class VisitFilter(FilterSet):
    within = IdFilter(method="filter_within", label=_("host unit within this unit's subtree"))
    team_member = IdFilter(
        method="filter_team_member", label=_("visits with this person on the team")
    )
    mine = BooleanFilter(method="filter_mine", label=_("visits I am on the team of or host"))
    status = filters.MultipleChoiceFilter(choices=Visit.Status.choices)
    classification = filters.MultipleChoiceFilter(choices=Visit.Classification.choices)
    # One filter of two bounds (checklists.selectors.visits.visits_with_sessions_between,
    # the overview page's too), applied in filter_queryset.
    session_after = filters.DateFilter(
        method="filter_by_sessions", label=_("a session on or after")
    )
    session_before = filters.DateFilter(
        method="filter_by_sessions", label=_("a session on or before")
    )
    title = filters.CharFilter(lookup_expr="icontains")
    # The overview page's own filters, so that its Export link asks for the same visits.
    q = filters.CharFilter(
        method="filter_q", max_length=MAX_QUERY_TEXT, label=_("code or title contains")
    )
    overdue = BooleanFilter(
        method="filter_overdue", label=_("visits with an overdue deadline (or without)")
    )

    class Meta:
        model = Visit
        fields = ["code", "outline", "host_unit", "status", "classification", "title"]

    def filter_within(self, queryset: QuerySet[Visit], name: str, value: int) -> QuerySet[Visit]:
        unit = Unit.objects.filter(pk=value).only("path").first()
        return queryset.filter(host_unit__path__startswith=unit.path) if unit else queryset.none()

    def filter_team_member(
        self, queryset: QuerySet[Visit], name: str, value: int
    ) -> QuerySet[Visit]:
        return queryset.filter(
            pk__in=TeamMembership.objects.filter(user_id=value).values("visit_id")
        )

    def filter_mine(
        self, queryset: QuerySet[Visit], name: str, value: bool | None
    ) -> QuerySet[Visit]:
        if value is None:
            return queryset
        mine = involvement_q(self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_q(self, queryset: QuerySet[Visit], name: str, value: str) -> QuerySet[Visit]:
        return visits_matching(queryset, value) if value else queryset

    def filter_overdue(
        self, queryset: QuerySet[Visit], name: str, value: bool | None
    ) -> QuerySet[Visit]:
        if value is None:
            return queryset
        return visits_with_overdue_deadlines(queryset, timezone.localdate(), value)

    def filter_by_sessions(
        self, queryset: QuerySet[Visit], name: str, value: Any
    ) -> QuerySet[Visit]:
        return queryset  # both bounds at once, in filter_queryset

    def filter_queryset(self, queryset: QuerySet[Visit]) -> QuerySet[Visit]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        return visits_with_sessions_between(
            queryset, data.get("session_after"), data.get("session_before")
        )


def _sessions(data: list[dict[str, Any]]) -> list[SessionInput]:
    return [
        SessionInput(id=s.get("id"), start=s["start"], end=s["end"], location=s.get("location", ""))
        for s in data
    ]


def _team(data: list[dict[str, Any]]) -> list[TeamInput]:
    return [TeamInput(user=m["user"], role=m["role"]) for m in data]


@extend_schema_view(
    retrieve=extend_schema(parameters=[etag_header(200)]),
    create=extend_schema(parameters=[etag_header(201)]),
    partial_update=extend_schema(
        request=VisitUpdateSerializer,
        responses={200: VisitSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    ),
)
class VisitViewSet(
    ETagMixin,
    XlsxExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Inspection visits. Coordinators create them; coordinators and the team's
    lead and deputy reschedule them and move them through their states; only
    coordinators change the team and the classification (the team's lead or deputy
    sending `classification` gets 403). A visit is never deleted: cancel it."""

    filterset_class = VisitFilter
    ordering_fields = ["created_at", "code", "title", "status", "first_session", "id"]
    ordering = ["-created_at", "-id"]
    search_fields = ["code", "title", "decision_ref", "host_unit__name"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    export_stem, export_title = "visits", gettext_lazy("Visits")

    def export_columns(self) -> list[Column]:
        return visit_columns()

    def export_queryset(self, queryset: QuerySet[Visit]) -> QuerySet[Visit]:
        # No prefetched objects: the first session and the window's end are the
        # visit's columns, and the team's names come in one query a batch.
        return queryset.prefetch_related(None)

    def export_rows(self, queryset: QuerySet[Visit]) -> Iterator[Visit]:
        for chunk in in_chunks(queryset):
            teams = team_names_of([visit.pk for visit in chunk])
            for visit in chunk:
                visit.team_names = teams.get(visit.pk, [])
                yield visit

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "partial_update":
            return VisitUpdateSerializer
        if self.action == "reschedule":
            return VisitRescheduleSerializer
        return VisitSerializer

    def get_queryset(self) -> QuerySet[Visit]:
        return visits_listed_for(self.request.user)

    def _answer(self, visit: Visit, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=visit.pk)
        # What the service let pass (warnings, overridden errors) rides on the answer.
        fresh.clashes = getattr(visit, "clashes", [])
        data = VisitSerializer(fresh, context=self.get_serializer_context()).data
        return versioned_response(data, fresh.row_version, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_object()
        return versioned_response(self.get_serializer(visit).data, visit.row_version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = VisitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visit = visit_create(
            actor=actor_of(request),
            outline=data["outline"],
            host_unit=data["host_unit"],
            title=data["title"],
            code=data.get("code", ""),
            decision_ref=data.get("decision_ref", ""),
            classification=data.get("classification", Visit.Classification.NONE),
            sessions=_sessions(data["sessions"]),
            team=_team(data.get("team", [])),
            override=data.get("override", False),
        )
        return self._answer(visit, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_object()
        serializer = VisitUpdateSerializer(
            visit, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visit_change(
            actor=actor_of(request),
            visit=visit,
            expected_version=expected_version(request),
            fields={k: v for k, v in data.items() if k in ("title", "code", "decision_ref")},
            sessions=_sessions(data["sessions"]) if "sessions" in data else None,
            team=_team(data["team"]) if "team" in data else None,
            classification=data.get("classification"),
            override=data.get("override", False),
        )
        return self._answer(visit)

    def _transition(self, request: Request, target: str) -> Response:
        visit = self.get_object()
        visit_transition(
            actor=actor_of(request),
            visit=visit,
            to=target,
            expected_version=expected_version(request),
        )
        return self._answer(visit)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def announce(self, request: Request, pk: str | None = None) -> Response:
        """planned → announced: the inspection decision is announced."""
        return self._transition(request, Visit.Status.ANNOUNCED)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """announced → in progress."""
        return self._transition(request, Visit.Status.IN_PROGRESS)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        """in progress → reporting."""
        return self._transition(request, Visit.Status.REPORTING)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, pk: str | None = None) -> Response:
        """Answers 409: a visit is concluded by issuing its conclusion
        (visits/{id}/conclusion/issue/); once it is, this changes nothing."""
        return self._transition(request, Visit.Status.CONCLUDED)

    @extend_schema(
        request=VisitCloseSerializer,
        responses={200: VisitSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """concluded → closed. Open or reported recommendations answer 409 naming
        them, unless a coordinator sends `carry_over: true`."""
        visit = self.get_object()
        serializer = VisitCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit_transition(
            actor=actor_of(request),
            visit=visit,
            to=Visit.Status.CLOSED,
            expected_version=expected_version(request),
            carry_over=serializer.validated_data["carry_over"],
        )
        return self._answer(visit)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Any state before the conclusion → cancelled."""
        return self._transition(request, Visit.Status.CANCELLED)

    @extend_schema(
        request=VisitRescheduleSerializer,
        responses={200: VisitSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        """Move the first working session; the other sessions and every milestone
        nobody dated by hand move by the same amount."""
        visit = self.get_object()
        serializer = VisitRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit_reschedule(
            actor=actor_of(request),
            visit=visit,
            first_session_start=serializer.validated_data["first_session_start"],
            expected_version=expected_version(request),
            override=serializer.validated_data["override"],
        )
        return self._answer(visit)

    @extend_schema(request=None, responses={200: ClashSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def clashes(self, request: Request, pk: str | None = None) -> Response:
        """The visit's clashes as it stands (SPEC §13), errors first: for its
        coordinators, lead and deputy."""
        found = visit_clashes(actor=actor_of(request), visit=self.get_object())
        return Response([clash.as_dict() for clash in found])
