"""Programmes (SPEC §5, programme; §13): shapes only; the services decide."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import CharField, DateField, IntegerField
from api.serializers import ClashSerializer, IdField, ModelSerializer, _require_in_partial
from checklists.limits import MAX_PROGRAMME_ENTRIES, MAX_TITLE
from checklists.models import LegalInstrument, Outline, Programme, ProgrammeEntry, Unit, User

ACTIVE_PEOPLE = User.objects.filter(is_active=True)


class ProgrammeEntrySerializer(ModelSerializer):
    host_unit = IdField(queryset=Unit.objects.all())
    lead = IdField(queryset=ACTIVE_PEOPLE)
    deputy = IdField(queryset=ACTIVE_PEOPLE, allow_null=True, required=False, default=None)
    secretary = IdField(queryset=ACTIVE_PEOPLE, allow_null=True, required=False, default=None)
    # At most MAX_TEAM people per team: the service says so, naming the entry.
    members = IdField(queryset=ACTIVE_PEOPLE, many=True, required=False, default=list)
    window_start = DateField(help_text=_("First day of the window (local date)."))
    window_end = DateField(help_text=_("Last day of the window (local date, included)."))
    visit = IdField(
        read_only=True,
        allow_null=True,
        help_text=_("The visit created from this entry (create-visits), or null."),
    )

    class Meta:
        model = ProgrammeEntry
        fields = [
            "id",
            "host_unit",
            "lead",
            "deputy",
            "secretary",
            "members",
            "window_start",
            "window_end",
            "visit",
        ]

    def validate(self, attrs):
        _require_in_partial(attrs, "host_unit", "lead", "window_start", "window_end")
        return attrs


class ProgrammeSerializer(ModelSerializer):
    # Declared: the model's unique check is the service's (full_clean), within the
    # caller's scope, not a serializer query over every programme.
    code = CharField(max_length=64)
    title = CharField(max_length=MAX_TITLE)
    issuer = IdField(queryset=Unit.objects.all())
    year = IntegerField(min_value=1900, max_value=2200)
    outline = IdField(queryset=Outline.objects.all())
    decision_ref = CharField(max_length=255, required=False, allow_blank=True, default="")
    decision_instrument = IdField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The registered legal instrument `decision_ref` cites, when it reads as a "
            "citation (legal-instruments/); null otherwise."
        ),
    )
    legal_basis = IdField(
        queryset=LegalInstrument.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text=_("Registered legal instruments (legal-instruments/) the programme rests on."),
    )
    # many=True makes a ListSerializer, which takes max_length (the stubs do not say so).
    entries = ProgrammeEntrySerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        default=list,
        max_length=MAX_PROGRAMME_ENTRIES,
        help_text=_("One per host unit. Sent with a change of a draft, they replace its entries."),
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "code",
            "title",
            "issuer",
            "year",
            "outline",
            "decision_ref",
            "decision_instrument",
            "legal_basis",
            "status",
            "entries",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        validators: list[Any] = []


class ProgrammeUpdateSerializer(ProgrammeSerializer):
    """PUT and PATCH of a draft: what is sent replaces what is stored (the entries
    as a whole); PATCH leaves out what it does not send."""

    decision_ref = CharField(max_length=255, required=False, allow_blank=True)
    legal_basis = IdField(queryset=LegalInstrument.objects.all(), many=True, required=False)
    entries = ProgrammeEntrySerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=MAX_PROGRAMME_ENTRIES
    )


class EntryClashesSerializer(serializers.Serializer):
    """One entry's clashes (SPEC §13), errors first."""

    entry = serializers.IntegerField(source="entry.pk")
    host_unit = serializers.IntegerField(source="entry.host_unit_id")
    clashes = serializers.SerializerMethodField()

    @extend_schema_field(ClashSerializer(many=True))
    def get_clashes(self, found: Any) -> list[dict[str, Any]]:
        return [clash.as_dict() for clash in found.clashes]


class CreatedVisitSerializer(serializers.Serializer):
    """A visit create-visits made, with the warnings its check let pass."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    host_unit = serializers.IntegerField(source="host_unit_id")
    entry = serializers.IntegerField(source="programme_entry.pk")
    clashes = serializers.SerializerMethodField()

    @extend_schema_field(ClashSerializer(many=True))
    def get_clashes(self, visit: Any) -> list[dict[str, Any]]:
        return [clash.as_dict() for clash in getattr(visit, "clashes", [])]


class VisitsCreatedSerializer(serializers.Serializer):
    """create-visits' answer: the visits made now, and the entries left because
    they clash (their visits are made once the clashes are resolved)."""

    created = CreatedVisitSerializer(many=True)
    skipped = EntryClashesSerializer(many=True)
