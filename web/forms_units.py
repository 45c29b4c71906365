"""The searchable unit filter of the list pages (overview, recommendations; the
calendar has the same field without a form): a text field whose suggestions htmx
asks of web.views.units as the person types, and the chosen unit's id beside it.

web/static/web/unit-field.js puts the id of the suggestion chosen into the hidden
field. Without JavaScript only the text travels, and the form finds the unit it
names (its code, or the only one whose name contains it) among the same units.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from checklists.limits import MAX_SEARCH_TEXT
from checklists.models import Unit
from checklists.selectors.units import UnitFilterOf, unit_label, units_named


class UnitFilterForm(forms.Form):
    """A GET filter form with the unit field (`unit`: the id, `unit_search`: what
    was typed). Subclasses say which list it narrows, and its label."""

    unit_filter_of: UnitFilterOf = "visits"
    unit_field_label = _("Host unit (with the units below it)")
    # The query parameter of the chosen unit's id: "unit", or a page's own name for
    # it (the coverage page's "within", as the API's units/coverage/ calls it).
    unit_param = "unit"

    unit = forms.ModelChoiceField(
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.HiddenInput,
    )
    unit_search = forms.CharField(required=False, max_length=MAX_SEARCH_TEXT, strip=True)

    def __init__(
        self, *args: Any, units: QuerySet[Unit] | Callable[[], QuerySet[Unit]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Only units the person may choose: any other id is "not a valid choice",
        # exactly like an id that does not exist. Checked with one query of the
        # chosen id; the units are never listed. Given as a function, they are only
        # built when a unit was asked for: most views of a list ask for none, and
        # building who sees which units cost a few milliseconds (issue 16).
        if callable(units):
            asked = self.is_bound and any(
                self.data.get(name) for name in (self.unit_param, "unit_search")
            )
            units = units() if asked else Unit.objects.none()
        if self.unit_param != "unit":
            self.fields = {
                (self.unit_param if name == "unit" else name): field
                for name, field in self.fields.items()
            }
        field = cast(forms.ModelChoiceField, self.fields[self.unit_param])
        field.queryset = units
        field.label = self.fields["unit_search"].label = self.unit_field_label

    @property
    def unit_field(self) -> forms.BoundField:
        return self[self.unit_param]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned, name = self.cleaned_data, self.unit_param
        text = cleaned.get("unit_search") or ""
        if cleaned.get(name) is None and name not in self.errors and text:
            units = cast(QuerySet[Unit], cast(forms.ModelChoiceField, self.fields[name]).queryset)
            found = units_named(units, text)
            if len(found) == 1:
                cleaned[name] = found[0]
            elif not found:
                self.add_error(name, _("There is no such unit."))
            else:
                self.add_error(
                    name,
                    _("Several units match “%(text)s”: type the code of one of them.")
                    % {"text": text},
                )
        return cleaned

    @property
    def chosen_unit(self) -> Unit | None:
        return getattr(self, "cleaned_data", {}).get(self.unit_param)

    @property
    def unit_text(self) -> str:
        """What the text field shows: the chosen unit by name, else what was typed."""
        if (chosen := self.chosen_unit) is not None:
            return unit_label(chosen)
        return str(self["unit_search"].value() or "")
