"""Forms of the recommendation page: an implementation report with its evidence
files, and the verdict. They shape what was typed; the services decide
(checklists.services.implementation_reports), and their refusals land beside
these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from checklists.limits import (
    MAX_COMMENT_TEXT,
    MAX_EVIDENCE_FILES,
    MAX_IMPLEMENTATION_REPORT_TEXT,
)
from checklists.models import ImplementationReport

# What the file picker offers; the server decides by content all the same.
EVIDENCE_ACCEPT = ",".join(
    [".docx", ".odt", ".pdf", ".xlsx", ".jpg", ".jpeg", ".png", "image/jpeg", "image/png"]
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [single(file, initial) for file in files]


def evidence_help() -> str:
    return str(
        _(
            "Optional. Up to %(count)s files: Word, OpenDocument, PDF, Excel (.xlsx), JPEG or "
            "PNG, each at most %(limit)s MB. Photos are stored without their location and "
            "camera data."
        )
        % {
            "count": MAX_EVIDENCE_FILES,
            "limit": f"{settings.REPORT_MAX_BYTES / (1024 * 1024):.3g}",
        }
    )


class ImplementationReportForm(forms.Form):
    text = forms.CharField(
        label=_("What has been done"),
        max_length=MAX_IMPLEMENTATION_REPORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say what has been done.")},
    )
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        error_messages={"required": _("Give the progress as a whole number from 0 to 100.")},
    )
    # Empty files pass here so that the upload checks refuse them with their message.
    # Named `files` as in the API. The form's metaclass moves it into base_fields, so
    # Form.files (the request's files) is untouched; mypy sees only the class body.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Evidence files"), required=False, allow_empty_file=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = evidence_help()


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            (ImplementationReport.Verdict.ACCEPTED, _("Accept: the recommendation is done")),
            (ImplementationReport.Verdict.RETURNED, _("Return it, saying what is missing")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to accept or to return the report.")},
    )
    verdict_note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_COMMENT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return the report."),
    )
