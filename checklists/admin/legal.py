"""The legal-instrument registry in the back office: paste a citation to register
one; edit it or mark it replaced. Both go through the services (any coordinator
registers; coordinators of everything edit)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from checklists.admin.common import ServiceErrorsMixin
from checklists.limits import MAX_CITATION
from checklists.models import LegalInstrument
from checklists.services.legal_instruments import (
    EDITABLE_FIELDS,
    legal_instrument_add,
    legal_instrument_update,
)


class LegalInstrumentAddForm(forms.ModelForm):
    pasted = forms.CharField(
        label=_("citation"),
        max_length=MAX_CITATION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("As written in a document, e.g. “Quy định số 126-QĐ/TW ngày 28/02/2018”."),
    )

    class Meta:
        model = LegalInstrument
        fields: tuple[str, ...] = ()


@admin.register(LegalInstrument)
class LegalInstrumentAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("short_citation", "issued_on", "issuer_name", "status", "replaced_by")
    list_filter = ("style", "status", "type_code", "issuer_code", "year")
    search_fields = ("citation", "number", "title", "issuer_name")
    list_select_related = ("replaced_by",)
    autocomplete_fields = ("replaced_by",)
    readonly_fields = (
        "citation",
        "short_citation",
        "style",
        "number",
        "type_code",
        "issuer_code",
        "year",
        "created_by",
        "created_at",
    )
    fields = (*readonly_fields[:7], *EDITABLE_FIELDS, "created_by", "created_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LegalInstrumentAddForm
            kwargs["fields"] = ("pasted",)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("pasted",) if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            saved, _created = legal_instrument_add(
                actor=request.user, citation=form.cleaned_data["pasted"]
            )
        elif form.has_changed():
            saved = legal_instrument_update(
                actor=request.user,
                instrument=LegalInstrument.objects.get(pk=obj.pk),
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
        else:
            return
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        # Visits and programmes cite instruments: one is replaced, never deleted.
        return False
