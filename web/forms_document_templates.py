"""The form of the document templates page (web.views.document_templates)."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from checklists.models import DocumentTemplate, Unit


class TemplateUploadForm(forms.Form):
    issuer = forms.ModelChoiceField(
        label=gettext_lazy("Issuing unit"), queryset=Unit.objects.none()
    )
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

    def __init__(self, *args, issuers: QuerySet[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["issuer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = issuers
