"""A unit's own document templates' shapes (SPEC §5 `document-templates/`, §12)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.reverse import reverse

from api.serializers import IdField
from checklists.models import DocumentTemplate, Unit


class DocumentTemplateSerializer(serializers.ModelSerializer[DocumentTemplate]):
    file_url = serializers.SerializerMethodField()
    uploaded_by = serializers.SerializerMethodField()

    class Meta:
        model = DocumentTemplate
        fields = [
            "id",
            "issuer",
            "kind",
            "original_name",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, template: DocumentTemplate) -> str:
        return reverse(
            "api:document-template-file",
            kwargs={"pk": template.pk},
            request=self.context.get("request"),
        )

    def get_uploaded_by(self, template: DocumentTemplate) -> str:
        user = template.uploaded_by
        return (user.full_name or user.username) if user is not None else ""


class DocumentTemplateUploadSerializer(serializers.Serializer):
    """The multipart form: the file itself is read from `file` by the view."""

    issuer = IdField(queryset=Unit.objects.all(), help_text=_("The issuing unit."))
    kind = serializers.ChoiceField(
        choices=DocumentTemplate.Kind.choices, help_text=_("Which document the template draws.")
    )
    file = serializers.FileField(
        help_text=_("The template: a .docx with the placeholders of docs/document-templates.md."),
        allow_empty_file=True,  # refused by the service, with its own message
    )
