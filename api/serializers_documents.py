"""Official documents (SPEC §5 `document`): issued copies, read-only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from checklists.documents.sources import legal_warnings
from checklists.models import Document


class DocumentSerializer(serializers.ModelSerializer[Document]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "visit",
            "programme",
            "conclusion",
            "state",
            "number",
            "reference",
            "issued_on",
            "format",
            "size",
            "sha256",
            "url",
            "issuer",
            "issued_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, document: Document) -> str:
        return reverse(
            "api:document-file", kwargs={"pk": document.pk}, request=self.context.get("request")
        )


class DocumentDetailSerializer(DocumentSerializer):
    """One document, with the warnings of the legal basis it cites (an instrument
    marked replaced since, or before, its issue). Not in the list: reading each
    row's instruments would cost queries per row."""

    warnings = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, document: Document) -> Any:
        return legal_warnings(visit=document.visit, programme=document.programme)


class DocumentIssueSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[Document.Kind.PROGRAMME, Document.Kind.FOLLOWUP])
    visit = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    programme = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    issued_on = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("visit" in attrs) == ("programme" in attrs):
            raise serializers.ValidationError(
                {"visit": _("Name either the visit or the programme.")}
            )
        return attrs
