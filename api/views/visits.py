"""Visits, their checklist and their milestones."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Min, OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.filters import BooleanFilter, FilterSet, IdFilter
from api.schema import IF_MATCH, etag_header
from api.serializers import (
    ChecklistItemCreateSerializer,
    ChecklistItemSerializer,
    MilestoneCreateSerializer,
    MilestoneSerializer,
    VisitRescheduleSerializer,
    VisitSerializer,
    VisitUpdateSerializer,
)
from api.views.base import ETagMixin, access_for, expected_version
from checklists import policies
from checklists.models import (
    ChecklistItem,
    Milestone,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.policies import require
from checklists.selectors import (
    involvement_q,
    milestone_state_q,
    visits_visible_to,
    visits_with_progress,
    with_team_role,
)
from checklists.services.checklist import (
    checklist_item_add,
    checklist_item_update,
    milestone_add,
    milestone_mark_done,
    milestone_reschedule,
)
from checklists.services.visits import (
    SessionInput,
    TeamInput,
    visit_create,
    visit_reschedule,
    visit_set_sessions,
    visit_set_team,
    visit_transition,
    visit_update,
)


def visible_visits(user: User):
    """The visits a person sees, shaped for permission checks without extra queries."""
    return with_team_role(visits_visible_to(user), user).select_related("host_unit")


class VisitFilter(FilterSet):
    within = IdFilter(method="filter_within", label=_("host unit within this unit's subtree"))
    team_member = IdFilter(
        method="filter_team_member", label=_("visits with this person on the team")
    )
    mine = BooleanFilter(method="filter_mine", label=_("visits I am on the team of or host"))
    status = filters.MultipleChoiceFilter(choices=Visit.Status.choices)
    session_after = filters.DateFilter(
        method="filter_session_after", label=_("a session on or after")
    )
    session_before = filters.DateFilter(
        method="filter_session_before", label=_("a session on or before")
    )
    title = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Visit
        fields = ["code", "outline", "host_unit", "status", "title"]

    def filter_within(self, queryset, name, value):
        unit = Unit.objects.filter(pk=value).only("path").first()
        return queryset.filter(host_unit__path__startswith=unit.path) if unit else queryset.none()

    def filter_team_member(self, queryset, name, value):
        return queryset.filter(
            pk__in=TeamMembership.objects.filter(user_id=value).values("visit_id")
        )

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        mine = involvement_q(self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_session_after(self, queryset, name, value):
        return queryset.filter(
            pk__in=WorkingSession.objects.filter(start__date__gte=value).values("visit_id")
        )

    def filter_session_before(self, queryset, name, value):
        return queryset.filter(
            pk__in=WorkingSession.objects.filter(start__date__lte=value).values("visit_id")
        )


def _sessions(data) -> list[SessionInput]:
    return [
        SessionInput(id=s.get("id"), start=s["start"], end=s["end"], location=s.get("location", ""))
        for s in data
    ]


def _team(data) -> list[TeamInput]:
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
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Inspection visits. Coordinators create them; coordinators and the team's
    lead and deputy reschedule them and move them through their states; only
    coordinators change the team. A visit is never deleted: cancel it."""

    filterset_class = VisitFilter
    ordering_fields = ["created_at", "code", "title", "status", "first_session", "id"]
    ordering = ["-created_at", "-id"]
    search_fields = ["code", "title", "decision_ref", "host_unit__name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return VisitUpdateSerializer
        if self.action == "reschedule":
            return VisitRescheduleSerializer
        return VisitSerializer

    def get_queryset(self):
        return (
            visits_with_progress(visible_visits(self.request.user))
            .annotate(first_session=Min("sessions__start"))
            .prefetch_related(
                Prefetch("sessions", queryset=WorkingSession.objects.order_by("start")),
                Prefetch(
                    "team",
                    queryset=TeamMembership.objects.select_related("user")
                    .only("id", "visit_id", "role", "user__id", "user__full_name")
                    .order_by("role", "user_id"),
                ),
            )
        )

    def _answer(self, visit: Visit, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=visit.pk)
        response = Response(
            VisitSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )
        response.row_version = fresh.row_version
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response.row_version = self.get_object().row_version
        return response

    def create(self, request, *args, **kwargs):
        serializer = VisitSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not policies.coordinates_unit(request.user, data["host_unit"]):
            raise PermissionDenied(_("Only a coordinator of the host unit may plan a visit there."))
        visit = visit_create(
            actor=request.user,
            outline=data["outline"],
            host_unit=data["host_unit"],
            title=data["title"],
            code=data.get("code", ""),
            decision_ref=data.get("decision_ref", ""),
            sessions=_sessions(data["sessions"]),
            team=_team(data.get("team", [])),
        )
        return self._answer(visit, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        serializer = VisitUpdateSerializer(
            visit, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = access_for(request, visit)
        plain = {k: v for k, v in data.items() if k in ("title", "code", "decision_ref")}
        if plain or "sessions" in data:
            require(access, "can_plan")
        if "team" in data:
            require(access, "can_manage_team")
        version = expected_version(request)
        with transaction.atomic():
            # The If-Match check happens once, in the first service, under the
            # row lock that the others then also hold.
            if plain or version is not None:
                visit_update(actor=request.user, visit=visit, expected_version=version, **plain)
            if "sessions" in data:
                visit_set_sessions(
                    actor=request.user, visit=visit, sessions=_sessions(data["sessions"])
                )
            if "team" in data:
                visit_set_team(actor=request.user, visit=visit, team=_team(data["team"]))
        return self._answer(visit)

    def _transition(self, request, target: str) -> Response:
        visit = self.get_object()
        require(access_for(request, visit), "can_plan")
        visit_transition(
            actor=request.user, visit=visit, to=target, expected_version=expected_version(request)
        )
        return self._answer(visit)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def announce(self, request, pk=None):
        """planned → announced: the inspection decision is announced."""
        return self._transition(request, Visit.Status.ANNOUNCED)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """announced → in progress."""
        return self._transition(request, Visit.Status.IN_PROGRESS)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """in progress → reporting."""
        return self._transition(request, Visit.Status.REPORTING)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """reporting → concluded."""
        return self._transition(request, Visit.Status.CONCLUDED)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """concluded → closed."""
        return self._transition(request, Visit.Status.CLOSED)

    @extend_schema(
        request=None, responses={200: VisitSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Any state before the conclusion → cancelled."""
        return self._transition(request, Visit.Status.CANCELLED)

    @extend_schema(
        request=VisitRescheduleSerializer,
        responses={200: VisitSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move the first working session; the other sessions and every milestone
        nobody dated by hand move by the same amount."""
        visit = self.get_object()
        require(access_for(request, visit), "can_plan")
        serializer = VisitRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit_reschedule(
            actor=request.user,
            visit=visit,
            first_session_start=serializer.validated_data["first_session_start"],
            expected_version=expected_version(request),
        )
        return self._answer(visit)


class VisitChildMixin:
    """For views under visits/{visit_pk}/: the visit, if the person may see it."""

    def get_visit(self) -> Visit:
        if getattr(self, "swagger_fake_view", False):
            return Visit()
        if not hasattr(self, "_visit"):
            self._visit = get_object_or_404(
                visible_visits(self.request.user), pk=self.kwargs["visit_pk"]
            )
        return self._visit


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


class VisitChecklistView(VisitChildMixin, generics.ListCreateAPIView):
    """A visit's checklist; POST adds an item of the visit's own (its
    "additional contents"), by default in the section "BS"."""

    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistFilter
    ordering_fields = ["section_position", "position", "status", "due_date", "id"]
    ordering = CHECKLIST_ORDER

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChecklistItem.objects.none()
        return ChecklistItem.objects.filter(visit=self.get_visit()).order_by(*CHECKLIST_ORDER)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "visit_pk" in self.kwargs and not getattr(self, "swagger_fake_view", False):
            context["sees_internal_notes"] = access_for(
                self.request, self.get_visit()
            ).sees_internal_notes
        return context

    @extend_schema(
        request=ChecklistItemCreateSerializer,
        responses={201: ChecklistItemSerializer},
        parameters=[etag_header(201)],
    )
    def post(self, request, *args, **kwargs):
        visit = self.get_visit()
        require(access_for(request, visit), "can_edit_checklist")
        serializer = ChecklistItemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = checklist_item_add(actor=request.user, visit=visit, **serializer.validated_data)
        response = Response(
            ChecklistItemSerializer(item, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
        response["ETag"] = f'"v{item.row_version}"'
        return response


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

    def get_queryset(self):
        user = self.request.user
        return (
            ChecklistItem.objects.filter(visit__in=visits_visible_to(user))
            .select_related("visit__host_unit")
            .annotate(
                my_team_role=Subquery(
                    TeamMembership.objects.filter(
                        visit=OuterRef("visit_id"), user_id=user.pk
                    ).values("role")[:1]
                )
            )
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["sees_internal_notes_for"] = self._sees_notes
        return context

    def _sees_notes(self, item: ChecklistItem) -> bool:
        return (
            policies.coordinates_unit(self.request.user, item.visit.host_unit)
            or item.my_team_role is not None
        )

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        response = Response(self.get_serializer(item).data)
        response.row_version = item.row_version
        return response

    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        require(access_for(request, item.visit), "can_edit_checklist")
        serializer = self.get_serializer(item, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = checklist_item_update(
            actor=request.user,
            item=item,
            expected_version=expected_version(request),
            **serializer.validated_data,
        )
        item = self.get_queryset().get(pk=item.pk)
        response = Response(self.get_serializer(item).data)
        response.row_version = item.row_version
        return response


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

    def filter_state(self, queryset, name, values):
        return queryset.filter(milestone_state_q(values, timezone.localdate()))

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        mine = involvement_q(self.request.user, visit_field="visit")
        return queryset.filter(mine) if value else queryset.exclude(mine)


class VisitMilestonesView(VisitChildMixin, generics.ListCreateAPIView):
    """A visit's deadlines; POST adds one of the visit's own, dated by hand."""

    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due_date", "key", "id"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        return Milestone.objects.filter(visit=self.get_visit()).order_by("due_date", "id")

    @extend_schema(request=MilestoneCreateSerializer, responses={201: MilestoneSerializer})
    def post(self, request, *args, **kwargs):
        visit = self.get_visit()
        require(access_for(request, visit), "can_plan")
        serializer = MilestoneCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if visit.milestones.filter(key=serializer.validated_data["key"]).exists():
            raise _duplicate_key()
        milestone = milestone_add(actor=request.user, visit=visit, **serializer.validated_data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


def _duplicate_key():
    from rest_framework.exceptions import ValidationError

    return ValidationError({"key": [_("This visit already has a milestone with this key.")]})


class MilestoneViewSet(
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

    def get_queryset(self):
        return Milestone.objects.filter(
            visit__in=visible_visits(self.request.user).values("pk")
        ).select_related("visit__host_unit")

    def partial_update(self, request, *args, **kwargs):
        milestone = self.get_object()
        serializer = self.get_serializer(milestone, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = access_for(request, milestone.visit)
        done = _requested_done(data, request.data)
        if "due_date" in data:
            require(access, "can_plan")
        if done is not None:
            require(access, "can_mark_milestones")
        with transaction.atomic():
            if "due_date" in data:
                milestone = milestone_reschedule(
                    actor=request.user, milestone=milestone, due_date=data["due_date"]
                )
            if done is not None:
                milestone = milestone_mark_done(
                    actor=request.user, milestone=milestone, done=done, at=data.get("done_at")
                )
        return Response(self.get_serializer(milestone).data)


def _requested_done(data: dict, raw) -> bool | None:
    """`done: true|false`, `done_at: <time>|null` and `state: "done"` all mark a deadline."""
    if "done" in data:
        return data["done"]
    if "done_at" in data:
        return data["done_at"] is not None
    if isinstance(raw, dict) and raw.get("state") == Milestone.State.DONE:
        return True
    return None
