"""The coverage page's choices (a GET form: it works without JavaScript). Which
units may be chosen is checklists.selectors.unit_coverage's decision; the unit is
the searchable field of the other list pages (web.forms_units), never a list of
every unit with units under it (~760 for a coordinator of everything)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from checklists.models import Unit
from checklists.selectors.units import UnitFilterOf
from web.forms_units import UnitFilterForm

# As the API's `years` (api.views.coverage.MAX_YEARS).
MAX_YEARS = 100


class CoverageFilterForm(UnitFilterForm):
    unit_filter_of: UnitFilterOf = "coverage"
    unit_field_label = _("Units under")
    unit_param = "within"

    years = forms.IntegerField(
        label=_("Due again after (years)"),
        required=False,
        min_value=1,
        max_value=MAX_YEARS,
    )

    def __init__(
        self,
        data=None,
        *,
        units: QuerySet[Unit] | Callable[[], QuerySet[Unit]],
        default_years: int,
        **kwargs,
    ):
        super().__init__(data, units=units, **kwargs)
        self.fields["years"].widget.attrs["placeholder"] = str(default_years)
        self.default_years = default_years

    def value(self, name: str):
        """The cleaned value, or None when absent or refused (the page says which)."""
        if not self.is_bound or name in self.errors:
            return None
        return self.cleaned_data.get(name)
