"""Serializers validate and shape data; the services decide (STYLE: "Where logic goes")."""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from api.fields import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    EmailField,
    IntegerField,
    SlugField,
    from_form,
    json_type_name,
)
from checklists import clashes as clash_rules
from checklists.limits import (
    MAX_ANSWER_TEXT,
    MAX_FINDING_TEXT,
    MAX_ITEM_TEXT,
    MAX_NOTE_TEXT,
    MAX_NUMBER,
    MAX_OUTLINE_VERSION,
    MAX_SESSIONS,
    MAX_TEAM,
    MAX_TITLE,
)
from checklists.models import (
    AnswerType,
    AuditEvent,
    ChecklistItem,
    Milestone,
    Outline,
    OutlineMilestone,
    Responsible,
    TeamMembership,
    Unit,
    User,
    Visit,
)
from checklists.selectors import visit_progress

# 64-bit primary keys: a larger number is refused as invalid input, not sent to
# the database.
MAX_ID = 2**63 - 1


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by id. An id outside the caller's visible set answers
    'does not exist', exactly like an id that does not exist at all."""

    default_error_messages = {
        "does_not_exist": _("There is no object with id {pk_value} that you may use."),
        "incorrect_type": _("Give an integer id, not {data_type}."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, str) and not from_form(self)):
            self.fail("incorrect_type", data_type=json_type_name(data))
        if isinstance(data, float):
            # The database would truncate 5.5 to 5; 1e300 overflows its integer.
            if not data.is_integer():
                self.fail("does_not_exist", pk_value=data)
            data = int(data)
        if isinstance(data, int) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and (not data.isdigit() or not 0 < int(data) <= MAX_ID):
            self.fail("incorrect_type", data_type="text")
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """Model fields as the strict JSON fields of api.fields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.SlugField: SlugField,
        models.EmailField: EmailField,
        models.IntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.BooleanField: BooleanField,
        models.DateField: DateField,
        models.DateTimeField: DateTimeField,
    }


# --- Units and people --------------------------------------------------------------


class UnitSerializer(ModelSerializer):
    # The API names the field "parent", as DRF names a field's serializer; declared
    # fields live in _declared_fields, so the two never meet at runtime.
    parent = IdField(queryset=Unit.objects.all(), allow_null=True, required=False)  # type: ignore[assignment]

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "name_en",
            "code",
            "parent",
            "kind",
            "document_symbol",
            "document_style",
            "document_place",
        ]


class UserSerializer(ModelSerializer):
    password = CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        max_length=128,
        style={"input_type": "password"},
    )
    coordinator_scope = IdField(queryset=Unit.objects.all(), allow_null=True, required=False)
    host_unit = IdField(queryset=Unit.objects.all(), allow_null=True, required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "language",
            "notify",
            "password",
            "is_coordinator",
            "coordinator_scope",
            "host_unit",
            "is_active",
        ]
        read_only_fields = ["is_active"]


# --- Outlines ----------------------------------------------------------------------


class OutlineItemSerializer(serializers.Serializer):
    number = CharField(max_length=32)
    text = CharField()
    text_en = CharField(required=False, allow_blank=True, default="")
    answer = serializers.ChoiceField(choices=AnswerType.choices, source="answer_type")


class OutlineSectionSerializer(serializers.Serializer):
    number = CharField(max_length=32)
    title = CharField(max_length=500)
    title_en = CharField(max_length=500, required=False, allow_blank=True, default="")
    items = OutlineItemSerializer(many=True, allow_empty=False)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["items"] = OutlineItemSerializer(
            sorted(instance.items.all(), key=lambda item: item.position), many=True
        ).data
        return data


class OutlineMilestoneSerializer(ModelSerializer):
    class Meta:
        model = OutlineMilestone
        fields = ["key", "title", "title_en", "offset_days", "offset_working_days", "responsible"]
        extra_kwargs = {
            "offset_days": {"min_value": -366, "max_value": 366},
            "offset_working_days": {"min_value": -366, "max_value": 366},
        }
        # Uniqueness per outline is checked by the service on the whole outline.
        validators: list[Any] = []

    def validate(self, attrs):
        if (attrs.get("offset_days") is None) == (attrs.get("offset_working_days") is None):
            raise serializers.ValidationError(
                _("Give either offset_days or offset_working_days, exactly one of them.")
            )
        return attrs


class OutlineSerializer(ModelSerializer):
    sections = OutlineSectionSerializer(many=True, allow_empty=False)
    milestones = OutlineMilestoneSerializer(many=True, required=False)
    references = serializers.ListField(
        child=CharField(max_length=500), required=False, max_length=200
    )

    class Meta:
        model = Outline
        fields = [
            "id",
            "code",
            "version",
            "title",
            "title_en",
            "language",
            "issuer",
            "references",
            "status",
            "sections",
            "milestones",
            "created_at",
            "published_at",
        ]
        read_only_fields = ["status", "created_at", "published_at"]
        extra_kwargs = {"version": {"min_value": 1, "max_value": MAX_OUTLINE_VERSION}}
        # (code, version) uniqueness: the service says which version exists.
        validators: list[Any] = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["sections"] = OutlineSectionSerializer(
            sorted(instance.sections.all(), key=lambda s: s.position), many=True
        ).data
        data["milestones"] = OutlineMilestoneSerializer(
            sorted(instance.milestones.all(), key=lambda m: m.position), many=True
        ).data
        return data


class OutlineImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The outline as a YAML or JSON file."))
    publish = BooleanField(required=False, default=False)

    # The file's size is checked by the service (outline_import), after the person's
    # right to import: a refused person learns nothing from the file's checks.


# --- Visits ------------------------------------------------------------------------


def _require_in_partial(attrs: dict[str, Any], *names: str) -> None:
    """A PATCH is partial all the way down in DRF, so a nested session or team
    member would lose its required fields: a list given replaces the whole list,
    and each of its entries must be complete."""
    missing = [name for name in names if name not in attrs]
    if missing:
        raise serializers.ValidationError({name: _("This field is required.") for name in missing})


class SessionSerializer(serializers.Serializer):
    id = IntegerField(required=False, min_value=1, max_value=MAX_ID)
    start = DateTimeField()
    end = DateTimeField()
    location = CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        _require_in_partial(attrs, "start", "end")
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("The end must be after the start.")})
        return attrs


class TeamMemberSerializer(serializers.Serializer):
    user = IdField(queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=TeamMembership.Role.choices)
    full_name = CharField(source="user.full_name", read_only=True)

    def validate(self, attrs):
        _require_in_partial(attrs, "user", "role")
        return attrs


class ClashSerializer(serializers.Serializer):
    """A clash (SPEC §5, §13): in a 409 problem's `clashes`, and as warnings in a
    2xx answer's."""

    kind = serializers.ChoiceField(choices=list(clash_rules.KINDS))
    severity = serializers.ChoiceField(choices=[clash_rules.ERROR, clash_rules.WARNING])
    message = serializers.CharField()
    visits = serializers.ListField(child=serializers.IntegerField())
    people = serializers.ListField(child=serializers.IntegerField())
    units = serializers.ListField(child=serializers.IntegerField())
    dates = serializers.ListField(child=serializers.DateField())


# Write-only on every request that can clash (SPEC §13).
OVERRIDE_HELP = _(
    "Plan despite error clashes (a person or a host unit in two overlapping windows). "
    "Coordinators only (anyone else: 403); audited with the clashes overridden."
)


class VisitSerializer(ModelSerializer):
    outline = IdField(queryset=Outline.objects.all())
    host_unit = IdField(queryset=Unit.objects.all())
    # many=True makes a ListSerializer, which takes max_length (the stubs do not say so).
    sessions = SessionSerializer(  # type: ignore[call-arg]
        many=True, allow_empty=False, max_length=MAX_SESSIONS
    )
    team = TeamMemberSerializer(many=True, required=False, max_length=MAX_TEAM)  # type: ignore[call-arg]
    progress = serializers.SerializerMethodField()
    issuer = IdField(
        read_only=True,
        help_text=_(
            "The unit that issues the visit's documents: the programme's issuer, else "
            "the creating coordinator's scope, else the host unit's parent."
        ),
    )
    clashes = serializers.SerializerMethodField(
        help_text=_(
            "What the change this answer follows let pass: warnings, and errors a "
            "coordinator overrode. Empty on reads; visits/{id}/clashes/ lists the current ones."
        )
    )
    override = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text=OVERRIDE_HELP
    )
    decision_instrument = IdField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The registered legal instrument `decision_ref` cites, when it reads as a "
            "citation (legal-instruments/); null otherwise."
        ),
    )
    decision_replaced = serializers.SerializerMethodField(
        help_text=_("True when the instrument the decision cites has been replaced.")
    )
    programme = IdField(
        read_only=True,
        allow_null=True,
        help_text=_("The programme (programmes/) this visit was created from, or null."),
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "code",
            "title",
            "outline",
            "host_unit",
            "issuer",
            "programme",
            "status",
            "decision_ref",
            "decision_instrument",
            "decision_replaced",
            "classification",
            "sessions",
            "team",
            "progress",
            "clashes",
            "override",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        extra_kwargs = {
            "classification": {
                "help_text": _(
                    "none, confidential (Mật), secret (Tối mật) or top_secret (Tuyệt mật). "
                    "Set by coordinators of the visit only; it does not change who may see "
                    "the visit, and hides its details from calendar feeds."
                )
            }
        }
        validators: list[Any] = []  # the code's uniqueness comes back from the model's full_clean

    @extend_schema_field(serializers.FloatField(min_value=0, max_value=1))
    def get_progress(self, visit: Visit) -> float:
        return visit_progress(visit)

    @extend_schema_field(ClashSerializer(many=True))
    def get_clashes(self, visit: Visit) -> list[dict[str, Any]]:
        return [clash.as_dict() for clash in getattr(visit, "clashes", [])]

    def get_decision_replaced(self, visit: Visit) -> bool:
        instrument = visit.decision_instrument
        return instrument is not None and instrument.is_replaced


class VisitUpdateSerializer(VisitSerializer):
    """PATCH: outline and host unit are fixed once the visit exists."""

    outline = IdField(read_only=True)
    host_unit = IdField(read_only=True)


class VisitRescheduleSerializer(serializers.Serializer):
    first_session_start = DateTimeField(
        help_text=_(
            "New start of the first working session; every session and every milestone "
            "not dated by hand moves by the same amount."
        )
    )
    override = serializers.BooleanField(required=False, default=False, help_text=OVERRIDE_HELP)


# --- Checklist and milestones --------------------------------------------------------


class AnswerField(serializers.JSONField):
    """Text, a number or true/false, depending on the item's answer_type (which
    the service checks). Text gets the checks a CharField would give it: the
    database refuses NUL characters and unpaired surrogates, with an error that
    would name no field."""

    default_error_messages = {
        "not_scalar": _("Give text, a number, true or false, or null."),
        "too_long": _("Give at most {max_length} characters."),
    }

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if isinstance(data, list | dict):
            self.fail("not_scalar")
        if isinstance(data, str):
            if len(data) > MAX_ANSWER_TEXT:
                self.fail("too_long", max_length=MAX_ANSWER_TEXT)
            ProhibitNullCharactersValidator()(data)
            ProhibitSurrogateCharactersValidator()(data)
        return data


@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}], "nullable": True}
)
class ChecklistAnswerField(AnswerField):
    pass


class ChecklistItemSerializer(ModelSerializer):
    assignee = IdField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    answer = ChecklistAnswerField(required=False, allow_null=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "visit",
            "section_number",
            "section_title",
            "number",
            "text",
            "answer_type",
            "answer",
            "status",
            "assignee",
            "due_date",
            "finding",
            "internal_note",
            "origin",
            "updated_at",
        ]
        read_only_fields = [
            "visit",
            "section_number",
            "section_title",
            "number",
            "text",
            "answer_type",
            "origin",
            "updated_at",
        ]
        extra_kwargs = {
            "finding": {"max_length": MAX_FINDING_TEXT},
            "internal_note": {"max_length": MAX_NOTE_TEXT},
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        decide = self.context.get("sees_internal_notes_for")
        sees = decide(instance) if decide else self.context.get("sees_internal_notes", False)
        if not sees:
            # Host contacts never see the team's internal notes (SPEC §4).
            data.pop("internal_note", None)
        return data


class ChecklistItemCreateSerializer(serializers.Serializer):
    """POST visits/{id}/checklist/: an item of the visit's own."""

    text = CharField(max_length=MAX_ITEM_TEXT)
    text_en = CharField(max_length=MAX_ITEM_TEXT, required=False, allow_blank=True, default="")
    answer_type = serializers.ChoiceField(choices=AnswerType.choices, default=AnswerType.TEXT)
    section_number = CharField(max_length=MAX_NUMBER, required=False)
    section_title = CharField(max_length=MAX_TITLE, required=False, allow_blank=True, default="")
    number = CharField(max_length=MAX_NUMBER, required=False, allow_blank=True, default="")
    assignee = IdField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    due_date = DateField(required=False, allow_null=True)


class MilestoneSerializer(ModelSerializer):
    state = serializers.SerializerMethodField()
    done = BooleanField(
        write_only=True,
        required=False,
        help_text=_("true marks the deadline met, false reopens it."),
    )
    due_date = DateField(
        allow_null=True,
        help_text=_("A date dates the milestone by hand; null makes it follow the sessions again."),
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "visit",
            "key",
            "title",
            "title_en",
            "due_date",
            "responsible",
            "state",
            "done",
            "done_at",
            "dated_by_hand",
            "rolled_from",
            "updated_at",
        ]
        read_only_fields = [
            "visit",
            "key",
            "title",
            "title_en",
            "responsible",
            "dated_by_hand",
            "rolled_from",
            "updated_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Milestone.State.choices))
    def get_state(self, milestone: Milestone) -> str:
        today = self.context.get("today") or timezone.localdate()
        return milestone.state_on(today)


class MilestoneCreateSerializer(serializers.Serializer):
    key = SlugField(max_length=64)
    title = CharField(max_length=MAX_TITLE)
    title_en = CharField(max_length=MAX_TITLE, required=False, allow_blank=True, default="")
    due_date = DateField()
    responsible = serializers.ChoiceField(choices=Responsible.choices)


# --- Audit -------------------------------------------------------------------------------


class AuditEventSerializer(ModelSerializer):
    actor: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "actor",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "visit_id",
            "at",
            "changes",
            "seq",
            "hash",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "seq": {"help_text": "Position in the tamper-evident chain; null until chained."},
            "hash": {
                "help_text": "SHA-256 over the event and the previous event's hash; "
                "empty until chained."
            },
        }


class AuditChainSerializer(serializers.Serializer):
    """`chain` of the audit list (SPEC §5): the last verification of the chain."""

    verified_at = serializers.DateTimeField(allow_null=True, read_only=True)
    ok = serializers.BooleanField(allow_null=True, read_only=True)
    first_bad_id = serializers.IntegerField(allow_null=True, read_only=True)


# --- Authentication -----------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = CharField(max_length=150)
    password = CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = CharField()
    expires_at = DateTimeField()
