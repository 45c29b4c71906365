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


class ImportJobSerializer(serializers.Serializer):
    """An import the worker runs (`imports/{id}/`): its state, its counts once it
    succeeded, its errors as the synchronous 400 gives them once it failed."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("units, users or programme_entries."))
    programme = serializers.IntegerField(source="programme_id", allow_null=True)
    state = serializers.CharField(help_text=_("queued, running, succeeded or failed."))
    rows_total = serializers.IntegerField(help_text=_("The rows of the file."))
    created = serializers.IntegerField(help_text=_("How many were created."))
    updated = serializers.IntegerField(help_text=_("How many existing ones were updated."))
    # DRF's metaclass takes declared fields off the class, so this `errors` never
    # hides Serializer.errors; the type checker cannot know that.
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text=_("Why the import failed, in sentences.")
    )
    rows = serializers.ListField(
        child=serializers.DictField(), help_text=_("Each error's row, column and message.")
    )
    requested_by = serializers.IntegerField(source="requested_by_id")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
