"""The forms of the registers page (web.views.registers): open a register, raise
one's next number. The checks are the service's (checklists.services.registers);
these only read the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.services.registers import REGISTER_TYPES
from web.forms_units import UnitFilterForm

TYPE_NAMES = {
    "KL": _("KL — conclusions"),
    "KH": _("KH — programmes"),
    "BC": _("BC — follow-up reports"),
}


class RegisterCreateForm(UnitFilterForm):
    unit_field_label = _("Issuing unit")
    type_code = forms.ChoiceField(
        label=_("Document type"), choices=[(code, TYPE_NAMES[code]) for code in REGISTER_TYPES]
    )
    year = forms.IntegerField(label=_("Year"))
    next_number = forms.IntegerField(label=_("Next number"), initial=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["unit"].required = True


class RegisterRaiseForm(forms.Form):
    next_number = forms.IntegerField(label=_("Next number"))
