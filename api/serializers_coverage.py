"""The coverage of units' shape (SPEC §5, coverage entry)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from checklists.models import Unit


class CoverageEntrySerializer(serializers.Serializer):
    """A checklists.selectors.unit_coverage.CoverageEntry, read-only."""

    unit = serializers.IntegerField(source="unit.pk", help_text=_("The unit's id."))
    name = serializers.CharField(source="unit.name")
    code = serializers.CharField(source="unit.code")
    kind = serializers.ChoiceField(source="unit.kind", choices=Unit.Kind.choices)
    # The metaclass takes declared fields off the class, so this does not shadow
    # Field.parent at run time; the stubs cannot know that.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        source="unit.parent_id", allow_null=True
    )
    last_inspection = serializers.DateField(
        allow_null=True,
        help_text=_(
            "The day (Vietnam time) the last session of the unit's last non-cancelled "
            "visit ended; null when it was never inspected."
        ),
    )
    last_visit = serializers.IntegerField(allow_null=True, help_text=_("That visit's id."))
    outline = serializers.CharField(allow_null=True, help_text=_("That visit's outline code."))
    open_recommendations = serializers.IntegerField(
        help_text=_("Open or reported recommendations addressed to the unit itself.")
    )
    late_recommendations = serializers.IntegerField(
        help_text=_("Of those, the ones past their due date.")
    )
    due_again = serializers.BooleanField(
        help_text=_("Never inspected, or last inspected `years` or more ago.")
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """What the declared fields give (a test holds the two equal), written
        directly: a page of 50 entries through DRF's field machinery cost a sixth
        of the request (make bench, unit_coverage)."""
        unit = instance.unit
        last = instance.last_inspection
        return {
            "unit": unit.pk,
            "name": unit.name,
            "code": unit.code,
            "kind": unit.kind,
            "parent": unit.parent_id,
            "last_inspection": last.isoformat() if last is not None else None,
            "last_visit": instance.last_visit,
            "outline": instance.outline,
            "open_recommendations": instance.open_recommendations,
            "late_recommendations": instance.late_recommendations,
            "due_again": instance.due_again,
        }
