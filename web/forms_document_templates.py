"""The form of the document templates page (web.views.document_templates). The
issuing unit is the searchable unit field of the list pages (web.forms_units):
a coordinator of everything may choose among ~5,000 units, never listed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from checklists.models import DocumentTemplate, Unit
from checklists.selectors.units import UnitFilterOf
from web.forms_units import UnitFilterForm


class TemplateUploadForm(UnitFilterForm):
    unit_filter_of: UnitFilterOf = "issuers"
    unit_field_label = gettext_lazy("Issuing unit")
    unit_param = "issuer"

    kind = forms.ChoiceField(label=gettext_lazy("Document"), choices=DocumentTemplate.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("Template (.docx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".docx,application/vnd.openxmlformats-officedocument"
                ".wordprocessingml.document"
            }
        ),
    )

    def __init__(self, *args: Any, issuers: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, units=issuers, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.chosen_unit is None and self.unit_param not in self.errors:
            self.add_error(self.unit_param, gettext_lazy("Choose the issuing unit."))
        return cleaned
