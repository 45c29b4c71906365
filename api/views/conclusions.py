"""A visit's conclusion (visits/{id}/conclusion/, …/issue/, …/withdraw/) and the
recommendations a person sees (recommendations/, units/{id}/open-recommendations/).
Who may do what is the services' decision (checklists.services.conclusions,
checklists.services.recommendations); who sees which rows the selectors'
(checklists.selectors.conclusions)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import signed_in
from api.exports import XlsxExportMixin
from api.filters import BooleanFilter, FilterSet, IdFilter
from api.schema import IF_MATCH, etag_header
from api.serializers_conclusions import (
    ConclusionIssueSerializer,
    ConclusionSerializer,
    ConclusionUpdateSerializer,
    ConclusionWithdrawSerializer,
    RecommendationPatchSerializer,
    RecommendationSerializer,
)
from api.views.base import ETagMixin, actor_of, expected_version, versioned_response
from checklists.exports import Column
from checklists.exports.columns import recommendation_columns
from checklists.limits import MAX_QUERY_TEXT
from checklists.models import Conclusion, Recommendation, Unit, Visit
from checklists.policies import visit_access
from checklists.selectors import units_visible_to
from checklists.selectors.conclusions import (
    conclusion_recommendations_for,
    conclusion_visits_visible_to,
    recommendations_matching,
    recommendations_visible_to,
    unit_open_recommendations,
)
from checklists.services.conclusions import (
    SectionInput,
    conclusion_for,
    conclusion_issue,
    conclusion_update,
    conclusion_withdraw,
)
from checklists.services.recommendations import (
    RecommendationInput,
    recommendation_cancel,
    recommendation_extend,
)


class ConclusionViewMixin(ETagMixin, APIView):
    """The visit under visits/{visit_pk}/, if the person may look up its
    conclusion (404 otherwise), and the answer: the conclusion with its ETag.
    A plain APIView: one object, no list, nothing for OPTIONS to look up."""

    def get_visit(self) -> Visit:
        return get_object_or_404(
            conclusion_visits_visible_to(self.request.user), pk=self.kwargs["visit_pk"]
        )

    def answer(self, conclusion: Conclusion, visit: Visit) -> Response:
        conclusion.refresh_from_db()
        access = visit_access(self.request.user, visit)
        context = {
            "request": self.request,
            "recommendations": conclusion_recommendations_for(
                self.request.user, conclusion, access
            ),
            "today": timezone.localdate(),
        }
        data = ConclusionSerializer(conclusion, context=context).data
        return versioned_response(data, conclusion.row_version)


class VisitConclusionView(ConclusionViewMixin):
    """The visit's conclusion. GET answers the issued one, or the draft to its team
    and coordinators (made, prefilled from the checklist's findings, the first time
    someone who may edit it asks); a host contact gets 404 until it is issued. PUT
    saves the draft (lead, deputy, secretary, coordinators), with If-Match."""

    @extend_schema(responses={200: ConclusionSerializer}, parameters=[etag_header(200)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_visit()
        return self.answer(conclusion_for(actor=actor_of(request), visit=visit), visit)

    @extend_schema(
        request=ConclusionUpdateSerializer,
        responses={200: ConclusionSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    )
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_visit()
        serializer = ConclusionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        conclusion = conclusion_update(
            actor=actor_of(request),
            visit=visit,
            expected_version=expected_version(request),
            summary=data.get("summary"),
            sections=[SectionInput(**s) for s in data["sections"]] if "sections" in data else None,
            recommendations=[_recommendation(r) for r in data["recommendations"]]
            if "recommendations" in data
            else None,
        )
        return self.answer(conclusion, visit)


def _recommendation(data: dict[str, Any]) -> RecommendationInput:
    return RecommendationInput(
        id=data.get("id"),
        text=data["text"],
        addressee=data.get("addressee"),
        kind=data.get("kind", Recommendation.Kind.REMEDY),
        section=data.get("section") or "",
        due_date=data.get("due_date"),
        offset_days=data.get("offset_days"),
        offset_working_days=data.get("offset_working_days"),
    )


class ConclusionIssueView(ConclusionViewMixin):
    """Issue the draft (lead, deputy, coordinators; the visit must be reporting):
    it takes the next number of the visit issuer's register, opens the
    recommendations and concludes the visit. A second issue answers 409."""

    @extend_schema(
        request=ConclusionIssueSerializer,
        responses={200: ConclusionSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_visit()
        serializer = ConclusionIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conclusion = conclusion_issue(
            actor=actor_of(request),
            visit=visit,
            signer=serializer.validated_data.get("signer"),
            issued_on=serializer.validated_data.get("issued_on"),
            expected_version=expected_version(request),
        )
        return self.answer(conclusion, visit)


class ConclusionWithdrawView(ConclusionViewMixin):
    """Withdraw the issued conclusion (coordinators), with the reason: it stays on
    record as withdrawn; the answer is the new draft copy, and the visit is
    reporting again."""

    @extend_schema(
        request=ConclusionWithdrawSerializer,
        responses={200: ConclusionSerializer},
        parameters=[etag_header(200)],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_visit()
        serializer = ConclusionWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = conclusion_withdraw(
            actor=actor_of(request), visit=visit, reason=serializer.validated_data["reason"]
        )
        return self.answer(draft, visit)


class RecommendationFilter(FilterSet):
    state = filters.MultipleChoiceFilter(choices=Recommendation.State.choices)
    overdue = BooleanFilter(method="filter_overdue", label=_("past their due date, not done"))
    addressee = IdFilter(field_name="addressee_id")
    within = IdFilter(method="filter_within", label=_("addressed to a unit within this subtree"))
    visit = IdFilter(field_name="visit_id")
    # The recommendations page's search, so that its Export link finds the same rows.
    q = filters.CharFilter(
        method="filter_q",
        max_length=MAX_QUERY_TEXT,
        label=_("code, text, or the visit's code or title contains"),
    )

    class Meta:
        model = Recommendation
        fields = ["state", "overdue", "addressee", "within", "visit", "kind", "carried_over"]

    def filter_overdue(
        self, queryset: QuerySet[Recommendation], name: str, value: bool | None
    ) -> QuerySet[Recommendation]:
        if value is None:
            return queryset
        overdue = Recommendation.overdue_condition(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_q(
        self, queryset: QuerySet[Recommendation], name: str, value: str
    ) -> QuerySet[Recommendation]:
        return recommendations_matching(queryset, value) if value else queryset

    def filter_within(
        self, queryset: QuerySet[Recommendation], name: str, value: int
    ) -> QuerySet[Recommendation]:
        unit = Unit.objects.filter(pk=value).only("path").first()
        return queryset.filter(addressee__path__startswith=unit.path) if unit else queryset.none()


@extend_schema_view(partial_update=extend_schema(request=RecommendationPatchSerializer))
class RecommendationViewSet(
    XlsxExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Recommendations the person sees. PATCH extends one (`due_date`,
    `extended_by`) or cancels it (`state: cancelled`, `cancel_reason`): the team's
    lead or deputy or a coordinator."""

    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter
    # addressee__path: by unit, in tree order (the recommendations page's default).
    ordering_fields = ["due_date", "code", "state", "visit", "addressee__path", "position", "id"]
    ordering = ["visit_id", "position", "id"]
    search_fields = ["code", "text"]
    http_method_names = ["get", "patch", "head", "options"]
    export_stem, export_title = "recommendations", _("Recommendations")

    def export_columns(self) -> list[Column]:
        return recommendation_columns()

    def get_queryset(self) -> QuerySet[Recommendation]:
        if getattr(self, "swagger_fake_view", False):
            return Recommendation.objects.none()
        return recommendations_visible_to(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recommendation = self.get_object()
        serializer = RecommendationPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "state" in data or "cancel_reason" in data:
            recommendation = recommendation_cancel(
                actor=actor_of(request),
                recommendation=recommendation,
                cancel_reason=data.get("cancel_reason", ""),
            )
        else:
            recommendation = recommendation_extend(
                actor=actor_of(request),
                recommendation=recommendation,
                due_date=data.get("due_date"),
                extended_by=data.get("extended_by", ""),
            )
        fresh = self.get_queryset().get(pk=recommendation.pk)
        return Response(self.get_serializer(fresh).data)


class UnitOpenRecommendationsView(generics.ListAPIView):
    """The open and reported recommendations addressed to the unit or a unit under
    it, from every visit the person sees: what a new visit there follows up."""

    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter
    ordering_fields = ["due_date", "code", "visit", "id"]
    ordering = ["due_date", "id"]

    def get_queryset(self) -> QuerySet[Recommendation]:
        if getattr(self, "swagger_fake_view", False):
            return Recommendation.objects.none()
        user = signed_in(self.request)
        unit = get_object_or_404(units_visible_to(user), pk=self.kwargs["unit_pk"])
        return unit_open_recommendations(user, unit)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}
