"""Implementation reports on a recommendation and their evidence files (SPEC §5):
shapes only; checklists.services.implementation_reports decides."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import CharField, IntegerField
from api.serializers import ModelSerializer
from checklists.limits import MAX_COMMENT_TEXT, MAX_IMPLEMENTATION_REPORT_TEXT
from checklists.models import EvidenceFile, ImplementationReport


class EvidenceFileSerializer(ModelSerializer):
    filename = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "filename", "size", "sha256", "content_type", "url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, evidence: EvidenceFile) -> str:
        path = reverse(
            "api:implementation-report-file",
            kwargs={"pk": evidence.report_id, "file_pk": evidence.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ImplementationReportSerializer(ModelSerializer):
    files = EvidenceFileSerializer(many=True, read_only=True)

    class Meta:
        model = ImplementationReport
        fields = [
            "id",
            "recommendation",
            "text",
            "progress",
            "files",
            "submitted_by",
            "submitted_at",
            "verdict",
            "verdict_note",
            "verdict_by",
            "verdict_at",
        ]
        read_only_fields = fields


class ImplementationReportInputSerializer(serializers.Serializer):
    """The multipart form (or JSON, without files): the files come in `files`."""

    text = CharField(max_length=MAX_IMPLEMENTATION_REPORT_TEXT, help_text=_("What has been done."))
    progress = IntegerField(min_value=0, max_value=100, help_text=_("Progress, 0 to 100."))
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        help_text=_(
            "Evidence: .docx, .odt, .pdf, .xlsx, .jpg or .png, recognised by content; "
            "several files in the same field."
        ),
    )


class VerdictInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=[
            ImplementationReport.Verdict.ACCEPTED.value,
            ImplementationReport.Verdict.RETURNED.value,
        ]
    )
    verdict_note = CharField(
        max_length=MAX_COMMENT_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when the report is returned: what is missing."),
    )
