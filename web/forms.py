"""Forms of the web pages. They read and shape what a person typed; the services
in checklists.services decide whether it is allowed and valid, exactly as they do
for the API, and their ValidationErrors land beside the same fields here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from checklists.limits import MAX_ANSWER_TEXT, MAX_COMMENT_TEXT
from checklists.models import AnswerType, ChecklistItem, OutlineSection, Review, ReviewComment
from checklists.numbers import format_number

YES_NO = {"yes": True, "no": False}


def answer_as_text(answer_type: str, answer: Any) -> str:
    """An item's stored answer as the form field shows it."""
    if answer is None:
        return ""
    if answer_type == AnswerType.YES_NO:
        return "yes" if answer is True else "no" if answer is False else str(answer)
    if answer_type == AnswerType.NUMBER and isinstance(answer, int | float):
        # As the page's language writes it, so that sending the form back reads the
        # same number (checklists.numbers).
        return format_number(answer)
    return str(answer)


class ChecklistItemForm(forms.Form):
    """Status and answer of one checklist item, with the version the person saw.

    Only the fields that were sent are changed, so a form that shows just the
    status never clears the answer.
    """

    row_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ChecklistItem.Status.choices, required=False)
    answer = forms.CharField(required=False, max_length=MAX_ANSWER_TEXT)

    def __init__(self, *args: Any, item: ChecklistItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item

    def clean_status(self) -> str | None:
        if "status" not in self.data:
            return None
        status = self.cleaned_data["status"]
        if not status:
            raise forms.ValidationError(_("Choose a status."))
        return status

    def clean_answer(self) -> Any:
        value = self.cleaned_data["answer"]
        if self.item.answer_type == AnswerType.YES_NO and value:
            if value not in YES_NO:
                raise forms.ValidationError(_("Choose yes or no."))
            return YES_NO[value]
        # Text and numbers go to the service as typed: it checks them by the
        # item's answer type (checklists.services.checklist.checklist_answer_clean).
        return value

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "status" in self.data:
            changes["status"] = self.cleaned_data["status"]
        if "answer" in self.data:
            changes["answer"] = self.cleaned_data["answer"]
        return changes


class ReportUploadForm(forms.Form):
    # Empty files pass here so that checklists.uploads refuses them with its message.
    file = forms.FileField(
        label=_("Draft report file"),
        allow_empty_file=True,
        error_messages={"required": _("Choose the report file to upload.")},
    )


def section_choices(sections: list[OutlineSection]) -> list[tuple[str, StrOrPromise]]:
    """The choices of a comment's section: the whole report, or one outline section."""
    return [("", _("Whole report"))] + [(str(s.pk), f"{s.number}. {s.title}") for s in sections]


class _SectionFormMixin:
    cleaned_data: dict[str, Any]

    def clean_section(self) -> int | None:
        value = self.cleaned_data.get("section")
        return int(value) if value else None


class ReviewForm(_SectionFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Review.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to accept or to request changes.")},
    )
    section = forms.ChoiceField(label=_("Outline section"), required=False)
    text = forms.CharField(label=_("Comment"), required=False, max_length=MAX_COMMENT_TEXT)

    def __init__(self, *args: Any, sections: list[OutlineSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["section"]).choices = section_choices(sections)


class CommentForm(_SectionFormMixin, forms.Form):
    section = forms.ChoiceField(label=_("Outline section"), required=False)
    text = forms.CharField(
        label=_("Comment"),
        max_length=MAX_COMMENT_TEXT,
        error_messages={"required": _("Write the comment.")},
    )

    def __init__(self, *args: Any, sections: list[OutlineSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["section"]).choices = section_choices(sections)


class CommentAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Explanation"),
        max_length=MAX_COMMENT_TEXT,
        error_messages={"required": _("Write the explanation.")},
    )


class CommentStateForm(forms.Form):
    # Like the API: the team's two verdicts; a comment is open until one of them.
    state = forms.ChoiceField(
        choices=[
            (ReviewComment.State.RESOLVED, ReviewComment.State.RESOLVED.label),
            (ReviewComment.State.NOT_ACCEPTED, ReviewComment.State.NOT_ACCEPTED.label),
        ]
    )
