"""Forms of the programme pages. They read what a person typed (units by code,
people by user name, dates) into the shapes the programme services take
(checklists.services.programmes); the services decide what is allowed, and
their refusals land beside these fields (web.views.programmes).

The entries table is a Django formset (prefix `entries`), one form per row and
one empty row to add an entry; a row whose "remove" box is ticked, or left
empty, is not sent to the service.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.imports.programme_entries import split_names
from checklists.limits import MAX_DECISION_REF, MAX_SEARCH_TEXT, MAX_TITLE
from checklists.models import Outline, ProgrammeEntry, Unit, User
from checklists.services.programmes import ProgrammeEntryInput

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PEOPLE_FIELDS = ("lead", "deputy", "secretary")


def _labelled(form: forms.Form) -> None:
    """Each input of a table row says what it is (the column header is not its
    label for every screen reader)."""
    for field in form.fields.values():
        field.widget.attrs.setdefault("aria-label", str(field.label))


class ProgrammeNewForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=64)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE)
    issuer = forms.CharField(
        label=gettext_lazy("Issuer (unit code)"),
        max_length=MAX_SEARCH_TEXT,
        help_text=gettext_lazy("The code of the unit that issues the programme."),
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2200)
    outline = forms.ModelChoiceField(
        label=gettext_lazy("Outline"),
        queryset=Outline.objects.filter(status=Outline.Status.PUBLISHED).order_by("code"),
    )
    decision_ref = forms.CharField(
        label=gettext_lazy("Decision"), max_length=MAX_DECISION_REF, required=False
    )

    def clean_issuer(self) -> Unit:
        code = self.cleaned_data["issuer"].strip()
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("No unit has the code “%(code)s”.") % {"code": code})
        return unit


class EntryForm(forms.Form):
    host_unit = forms.CharField(label=gettext_lazy("Host unit (code)"), max_length=MAX_SEARCH_TEXT)
    lead = forms.CharField(label=gettext_lazy("Lead"), max_length=MAX_SEARCH_TEXT)
    deputy = forms.CharField(
        label=gettext_lazy("Deputy"), max_length=MAX_SEARCH_TEXT, required=False
    )
    secretary = forms.CharField(
        label=gettext_lazy("Secretary"), max_length=MAX_SEARCH_TEXT, required=False
    )
    members = forms.CharField(
        label=gettext_lazy("Members (user names, comma-separated)"),
        max_length=MAX_SEARCH_TEXT * 10,
        required=False,
    )
    window_start = forms.DateField(label=gettext_lazy("Window start"), widget=DATE_INPUT)
    window_end = forms.DateField(label=gettext_lazy("Window end"), widget=DATE_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _labelled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = {name for key in PEOPLE_FIELDS if (name := data.get(key))}
        names.update(split_names(data.get("members", "")))
        people = {p.username: p for p in User.objects.filter(username__in=names, is_active=True)}
        for key in PEOPLE_FIELDS:
            name = data.get(key)
            data[key] = people.get(name) if name else None
            if name and data[key] is None:
                self.add_error(key, _nobody(name))
        members = []
        for name in split_names(data.get("members", "")):
            if name in people:
                members.append(people[name])
            else:
                self.add_error("members", _nobody(name))
        data["members"] = members
        if code := data.get("host_unit"):
            data["host_unit"] = Unit.objects.filter(code=code.strip()).first()
            if data["host_unit"] is None:
                self.add_error("host_unit", _("No unit has the code “%(code)s”.") % {"code": code})
        return data

    def entry(self) -> ProgrammeEntryInput:
        """The row as the service takes it (its cleaned fields bear the same names)."""
        data = self.cleaned_data
        return ProgrammeEntryInput(**{f.name: data[f.name] for f in fields(ProgrammeEntryInput)})


def _nobody(name: str) -> str:
    return _("Nobody active has the user name “%(username)s”.") % {"username": name}


class BaseEntryFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = gettext_lazy("Remove")
            _labelled(form)


EntryFormSet = forms.formset_factory(
    EntryForm, formset=BaseEntryFormSet, extra=1, can_delete=True, max_num=1000
)


def entry_initial(entry: ProgrammeEntry) -> dict[str, Any]:
    """A saved entry as its row's initial values (the entry's members loaded)."""

    def name(person: User | None) -> str:
        return person.get_username() if person is not None else ""

    return {
        "host_unit": entry.host_unit.code,
        "lead": name(entry.lead),
        "deputy": name(entry.deputy),
        "secretary": name(entry.secretary),
        "members": ", ".join(name(member) for member in entry.members.all()),
        "window_start": entry.window_start,
        "window_end": entry.window_end,
    }


class ProgrammeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class VersionForm(forms.Form):
    """The version the person saw, for the approve / close / save buttons."""

    row_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
