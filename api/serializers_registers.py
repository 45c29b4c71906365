"""The outgoing registers' shapes (SPEC §5 `registers/`, §12)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import CharField, IntegerField
from api.serializers import IdField, ModelSerializer
from checklists.models import OutgoingRegister, Unit
from checklists.services.registers import FIRST_YEAR, MAX_NEXT_NUMBER

# The rules are the service's (checklists.services.registers); the bounds here are
# the same ones, so that the schema documents them.


class RegisterSerializer(ModelSerializer):
    unit = IdField(queryset=Unit.objects.all(), help_text=_("The issuing unit."))
    type_code = CharField(
        max_length=16,
        help_text=_("The document type: KL (conclusion), KH (programme) or BC (follow-up report)."),
    )
    # The last year allowed is next year: the service's, as it moves with the date.
    year = IntegerField(min_value=FIRST_YEAR, max_value=2200)
    next_number = IntegerField(
        min_value=1,
        max_value=MAX_NEXT_NUMBER,
        required=False,
        default=1,
        help_text=_("The next number the register gives (the first not yet given on paper)."),
    )

    class Meta:
        model = OutgoingRegister
        fields = ["id", "unit", "type_code", "year", "next_number", "updated_at"]
        read_only_fields = ["updated_at"]
        validators: list = []  # one per unit, type and year: the service's (409)


class RegisterRaiseSerializer(serializers.Serializer):
    next_number = IntegerField(
        min_value=1,
        max_value=MAX_NEXT_NUMBER,
        help_text=_("The new next number: higher than now (never lower)."),
    )
