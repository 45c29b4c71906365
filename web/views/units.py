"""The suggestions of the pages' searchable unit filter (web.forms_units): at most
MAX_SUGGESTIONS of the units the person may narrow that list to, as <option>s
that htmx puts into the field's <datalist>."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from checklists.limits import MAX_SEARCH_TEXT, MAX_SUGGESTIONS
from checklists.selectors.units import (
    UNIT_FILTERS,
    unit_filter_choices,
    unit_label,
    unit_suggestions,
)
from web.views.base import signed_in


@dataclass(frozen=True)
class UnitSuggestion:
    pk: int
    label: str


class UnitSearchForm(forms.Form):
    of = forms.ChoiceField(choices=[(name, name) for name in UNIT_FILTERS])
    unit_search = forms.CharField(required=False, max_length=MAX_SEARCH_TEXT, strip=True)


@require_GET
@login_required
def suggestions(request: HttpRequest) -> HttpResponse:
    form = UnitSearchForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Type at most a few words to search."))
    units = unit_filter_choices(signed_in(request), form.cleaned_data["of"])
    found = unit_suggestions(units, form.cleaned_data["unit_search"], limit=MAX_SUGGESTIONS)
    context = {
        "suggestions": [UnitSuggestion(u.pk, unit_label(u)) for u in found[:MAX_SUGGESTIONS]],
        "more": len(found) > MAX_SUGGESTIONS,
        "limit": MAX_SUGGESTIONS,
    }
    return render(request, "web/dashboard/_unit_suggestions.html", context)
