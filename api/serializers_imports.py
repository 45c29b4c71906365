"""Serializers of the spreadsheet imports (SPEC §5 "imports"): shapes only; the
services decide (checklists.services.imports)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ImportFileSerializer(serializers.Serializer):
    # The file's size and content are checked by the service, after the person's
    # right to import: a refused person learns nothing from the file's checks.
    file = serializers.FileField(help_text=_("The spreadsheet: an .xlsx workbook or a .csv file."))


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("How many were created."))
    updated = serializers.IntegerField(help_text=_("How many existing ones were updated."))
    ids = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("The ids of those created.")
    )
    updated_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("The ids of those updated.")
    )
