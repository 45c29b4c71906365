"""Conclusions and recommendations (SPEC §5, §11): shapes only; the services decide."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import BooleanField, CharField, DateField, IntegerField
from api.serializers import IdField, ModelSerializer
from api.serializers_documents import DocumentSerializer
from checklists.limits import (
    MAX_CONCLUSION_SECTION_TEXT,
    MAX_CONCLUSION_SUMMARY,
    MAX_DECISION_REF,
    MAX_NUMBER,
    MAX_REASON_TEXT,
    MAX_RECOMMENDATION_OFFSET,
    MAX_RECOMMENDATION_TEXT,
    MAX_RECOMMENDATIONS,
)
from checklists.models import Conclusion, ConclusionSection, Recommendation, Unit, User
from checklists.services.document_copies import conclusion_copy

# --- Read ----------------------------------------------------------------------------


class RecommendationSerializer(ModelSerializer):
    addressee: serializers.PrimaryKeyRelatedField[Unit] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    section = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "visit",
            "conclusion",
            "code",
            "text",
            "section",
            "kind",
            "addressee",
            "due_date",
            "offset_days",
            "offset_working_days",
            "rolled_from",
            "state",
            "overdue",
            "progress",
            "extended_by",
            "cancel_reason",
            "carried_over",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_section(self, recommendation: Recommendation) -> str | None:
        return recommendation.section or None

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, recommendation: Recommendation) -> bool:
        return recommendation.overdue_on(self.context.get("today") or timezone.localdate())


class ConclusionSectionSerializer(ModelSerializer):
    class Meta:
        model = ConclusionSection
        fields = ["number", "title", "strengths", "shortcomings"]
        read_only_fields = fields


class ConclusionSerializer(ModelSerializer):
    signer: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    issuer: serializers.PrimaryKeyRelatedField[Unit] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    sections = serializers.SerializerMethodField()
    recommendations = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()

    class Meta:
        model = Conclusion
        fields = [
            "id",
            "visit",
            "state",
            "number",
            "issuer",
            "issued_on",
            "issued_at",
            "signer",
            "summary",
            "sections",
            "recommendations",
            "document",
            "copied_from",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ConclusionSectionSerializer(many=True))
    def get_sections(self, conclusion: Conclusion) -> Any:
        return ConclusionSectionSerializer(
            conclusion.sections.order_by("position", "id"), many=True
        ).data

    @extend_schema_field(RecommendationSerializer(many=True))
    def get_recommendations(self, conclusion: Conclusion) -> Any:
        # The rows the person sees (an addressee's own only): the view chose them.
        rows = self.context.get("recommendations")
        if rows is None:
            rows = conclusion.recommendations.select_related("addressee").order_by("position")
        return RecommendationSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(DocumentSerializer(allow_null=True))
    def get_document(self, conclusion: Conclusion) -> Any:
        # The issued copy (SPEC §12), kept also once the conclusion is withdrawn;
        # a draft has none.
        copy = conclusion_copy(conclusion)
        return DocumentSerializer(copy, context=self.context).data if copy is not None else None


# --- Write ---------------------------------------------------------------------------


class RecommendationInputSerializer(serializers.Serializer):
    id = IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=_("An existing recommendation of this draft; leave out for a new one."),
    )
    text = CharField(max_length=MAX_RECOMMENDATION_TEXT)
    section = CharField(max_length=MAX_NUMBER, required=False, allow_blank=True, allow_null=True)
    kind = serializers.ChoiceField(
        choices=Recommendation.Kind.choices, default=Recommendation.Kind.REMEDY
    )
    addressee = IdField(queryset=Unit.objects.all(), allow_null=True)
    due_date = DateField(required=False, allow_null=True)
    offset_days = IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_RECOMMENDATION_OFFSET
    )
    offset_working_days = IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_RECOMMENDATION_OFFSET
    )


class ConclusionSectionInputSerializer(serializers.Serializer):
    number = CharField(max_length=MAX_NUMBER)
    strengths = CharField(
        max_length=MAX_CONCLUSION_SECTION_TEXT, required=False, allow_blank=True, default=""
    )
    shortcomings = CharField(
        max_length=MAX_CONCLUSION_SECTION_TEXT, required=False, allow_blank=True, default=""
    )


class ConclusionUpdateSerializer(serializers.Serializer):
    """PUT: what is left out stays as it is; `recommendations`, when given, is the
    draft's whole list."""

    summary = CharField(max_length=MAX_CONCLUSION_SUMMARY, required=False, allow_blank=True)
    sections = ConclusionSectionInputSerializer(many=True, required=False)
    recommendations = RecommendationInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=MAX_RECOMMENDATIONS
    )


class ConclusionIssueSerializer(serializers.Serializer):
    signer = IdField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("The person who signs it; by default the one issuing it."),
    )
    issued_on = DateField(required=False, allow_null=True, help_text=_("By default today."))


class ConclusionWithdrawSerializer(serializers.Serializer):
    reason = CharField(max_length=MAX_REASON_TEXT)


class RecommendationPatchSerializer(serializers.Serializer):
    """Extend (`due_date` and `extended_by`) or cancel (`state: cancelled` and
    `cancel_reason`), one at a time."""

    due_date = DateField(required=False)
    extended_by = CharField(max_length=MAX_DECISION_REF, required=False)
    state = serializers.ChoiceField(
        choices=[(Recommendation.State.CANCELLED, _("Cancelled"))], required=False
    )
    cancel_reason = CharField(max_length=MAX_REASON_TEXT, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        extend = "due_date" in attrs or "extended_by" in attrs
        cancel = "state" in attrs or "cancel_reason" in attrs
        if extend == cancel:
            raise serializers.ValidationError(
                _(
                    "Either extend (due_date and extended_by) or cancel "
                    "(state: cancelled and cancel_reason)."
                )
            )
        if cancel and attrs.get("state") != Recommendation.State.CANCELLED:
            raise serializers.ValidationError({"state": _("Send state: cancelled to cancel.")})
        return attrs


class VisitCloseSerializer(serializers.Serializer):
    carry_over = BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Close even though recommendations are still open or reported; they stay "
            "tracked (coordinators only)."
        ),
    )
