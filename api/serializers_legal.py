"""The legal-instrument registry's shapes (SPEC §5, legal instrument)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import CharField
from api.serializers import IdField, ModelSerializer
from checklists.limits import MAX_CITATION
from checklists.models import LegalInstrument


class LegalInstrumentSerializer(ModelSerializer):
    replaced_by = IdField(
        queryset=LegalInstrument.objects.all(),
        allow_null=True,
        required=False,
        help_text=_(
            "The registered instrument that replaced this one; setting it marks this one replaced."
        ),
    )

    class Meta:
        model = LegalInstrument
        fields = [
            "id",
            "style",
            "number",
            "type_code",
            "type_name",
            "issuer_code",
            "issuer_name",
            "year",
            "year_in_number",
            "issued_on",
            "title",
            "status",
            "replaced_by",
            "citation",
            "short_citation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "style",
            "number",
            "type_code",
            "issuer_code",
            "year",
            "year_in_number",
            "citation",
            "short_citation",
            "created_at",
            "updated_at",
        ]
        validators: list = []  # the parts' uniqueness is the service's (409)


class LegalInstrumentCreateSerializer(serializers.Serializer):
    citation = CharField(
        max_length=MAX_CITATION,
        help_text=_(
            "A citation as written in a document, e.g. “Quy định số 126-QĐ/TW ngày "
            "28/02/2018 của Bộ Chính trị” or “Nghị định số 30/2020/NĐ-CP”."
        ),
    )
