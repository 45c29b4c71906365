"""Serializers of draft reports: shape data; the services in checklists.services.reports decide."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import CharField, json_type_name
from api.serializers import ModelSerializer
from checklists.limits import MAX_COMMENT_TEXT, MAX_COMMENTS_PER_REVIEW, MAX_NUMBER
from checklists.models import OutlineSection, User
from checklists.models.reports import ReportRevision, Review, ReviewComment


class ReportRevisionSerializer(ModelSerializer):
    filename = serializers.CharField(source="original_name", read_only=True)
    uploaded_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    text_error = serializers.CharField(read_only=True)
    open_comments = serializers.SerializerMethodField()

    class Meta:
        model = ReportRevision
        fields = [
            "id",
            "visit",
            "number",
            "filename",
            "size",
            "sha256",
            "content_type",
            "uploaded_by",
            "uploaded_at",
            "state",
            "text_status",
            "text_error",
            "open_comments",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_open_comments(self, revision: ReportRevision) -> int:
        value = getattr(revision, "open_comment_count", None)
        if value is None:
            value = revision.comments.filter(state=ReviewComment.State.OPEN).count()
        return value


class ReportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("The draft report: .docx, .odt or .pdf, recognised by its content."),
        allow_empty_file=True,  # refused by checklists.uploads, with its own message
    )


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True})
class SectionField(serializers.Field):
    """An outline section of the visit's outline: its id (integer) or its number ("III")."""

    default_error_messages = {
        "invalid": _("Give the section's id (a number) or its number in the outline, not {type}."),
        "too_long": _("A section number has at most 32 characters."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid", type=json_type_name(data))
        if isinstance(data, int):
            if not 0 < data < 2**63:
                return str(data)
            return data
        if len(data) > MAX_NUMBER:
            self.fail("too_long")
        return data

    def to_representation(self, value):
        return value


class CommentInputSerializer(serializers.Serializer):
    section = SectionField(required=False, allow_null=True)
    text = CharField(max_length=MAX_COMMENT_TEXT)


class ReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    comments: serializers.ListSerializer[dict] = serializers.ListSerializer(
        child=CommentInputSerializer(), required=False, max_length=MAX_COMMENTS_PER_REVIEW
    )


class CommentSerializer(ModelSerializer):
    author: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    section: serializers.PrimaryKeyRelatedField[OutlineSection] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )
    section_number = serializers.CharField(
        source="section.number", read_only=True, allow_null=True, default=None
    )
    responded_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    carried_from: serializers.PrimaryKeyRelatedField[ReviewComment] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )

    class Meta:
        model = ReviewComment
        fields = [
            "id",
            "revision",
            "review",
            "author",
            "section",
            "section_number",
            "text",
            "created_at",
            "state",
            "response",
            "responded_by",
            "responded_at",
            "carried_from",
        ]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    section = SectionField(required=False, allow_null=True)
    text = CharField(max_length=MAX_COMMENT_TEXT)


class CommentUpdateSerializer(serializers.Serializer):
    """The host writes `response`; the team sets `state`."""

    response = CharField(max_length=MAX_COMMENT_TEXT, required=False)
    # Only the two verdicts of the team; a comment is open until one of them.
    state = serializers.ChoiceField(
        choices=[
            (ReviewComment.State.RESOLVED, ReviewComment.State.RESOLVED.label),
            (ReviewComment.State.NOT_ACCEPTED, ReviewComment.State.NOT_ACCEPTED.label),
        ],
        required=False,
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send `response` or `state`."))
        return attrs


class ReviewSerializer(ModelSerializer):
    reviewer: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    comments = CommentSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = ["id", "revision", "reviewer", "decision", "created_at", "comments"]
        read_only_fields = fields


class DiffSpanSerializer(serializers.Serializer):
    """Words of a replaced paragraph: kept, deleted or inserted."""

    op = serializers.ChoiceField(choices=["equal", "insert", "delete"])
    text = serializers.CharField()


class DiffChangeSerializer(serializers.Serializer):
    """One paragraph: `old` (null for an insert), `new` (null for a delete) and,
    for a replace, its words as `spans`."""

    op = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace"])
    old = serializers.CharField(allow_null=True, allow_blank=True)
    new = serializers.CharField(allow_null=True, allow_blank=True)
    spans = DiffSpanSerializer(many=True, required=False)


class DiffSectionSerializer(serializers.Serializer):
    """An outline section (number null: the text before the first one)."""

    number = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    changed = serializers.BooleanField()
    inserted = serializers.IntegerField()
    deleted = serializers.IntegerField()
    changes = DiffChangeSerializer(many=True)


class DiffSerializer(serializers.Serializer):
    """The shape of a diff (the schema); the view answers the kept result as it is."""

    revision = serializers.IntegerField()
    against = serializers.IntegerField()
    unified_diff = serializers.CharField(allow_blank=True)
    sections = DiffSectionSerializer(many=True)
    inserted = serializers.IntegerField(
        help_text=_("Words inserted (whitespace-separated, after NFC normalisation).")
    )
    deleted = serializers.IntegerField(
        help_text=_("Words deleted (whitespace-separated, after NFC normalisation).")
    )


class DiffQuerySerializer(serializers.Serializer):
    against = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("The id of the revision to compare with.")
    )


class CoverageSectionSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    covered = serializers.BooleanField()


class CoverageSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    sections = CoverageSectionSerializer(many=True)
    covered = serializers.IntegerField()
    total = serializers.IntegerField()
