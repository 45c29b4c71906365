"""The coverage page's choices (a GET form: it works without JavaScript). Which
units may be chosen is checklists.selectors.unit_coverage's decision."""

from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from checklists.models import Unit
from web.widgets import LongSelect

# As the API's `years` (api.views.coverage.MAX_YEARS).
MAX_YEARS = 100


class CoverageFilterForm(forms.Form):
    within = forms.ModelChoiceField(
        label=_("Units under"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("All of my scope"),
        widget=LongSelect,
    )
    years = forms.IntegerField(
        label=_("Due again after (years)"),
        required=False,
        min_value=1,
        max_value=MAX_YEARS,
    )

    def __init__(self, data=None, *, units: QuerySet[Unit], default_years: int, **kwargs):
        super().__init__(data, **kwargs)
        cast(forms.ModelChoiceField, self.fields["within"]).queryset = units
        self.fields["years"].widget.attrs["placeholder"] = str(default_years)
        self.default_years = default_years

    def value(self, name: str):
        """The cleaned value, or None when absent or refused (the page says which)."""
        if not self.is_bound or name in self.errors:
            return None
        return self.cleaned_data.get(name)
