"""Forms of the conclusion page and the recommendations list. They read what a
person typed into the shapes the services take (checklists.services.conclusions,
checklists.services.recommendations); the services decide what is allowed and
valid, and their refusals land beside these fields (web.views.conclusion).

The draft is one HTML form made of several Django forms, each with its prefix:
the summary and version (`ConclusionDraftForm`), one `SectionForm` per outline
section (`section-<i>-…`) and one `RecommendationRowForm` per row (`rec-<i>-…`,
`rec_count` rows). Adding or removing a row is a submit that re-renders the form
with what was typed, so it works without JavaScript.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from checklists.limits import (
    MAX_CONCLUSION_SECTION_TEXT,
    MAX_CONCLUSION_SUMMARY,
    MAX_DECISION_REF,
    MAX_REASON_TEXT,
    MAX_RECOMMENDATION_OFFSET,
    MAX_RECOMMENDATION_TEXT,
    MAX_RECOMMENDATIONS,
    MAX_SEARCH_TEXT,
)
from checklists.models import ConclusionSection, Recommendation, Unit, User
from checklists.selectors.conclusions import recommendations_matching
from checklists.services.recommendations import RecommendationInput
from web.forms_units import UnitFilterForm
from web.widgets import LongSelect

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConclusionDraftForm(forms.Form):
    row_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    rec_count = forms.IntegerField(
        min_value=0, max_value=MAX_RECOMMENDATIONS, widget=forms.HiddenInput
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=MAX_CONCLUSION_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class SectionForm(forms.Form):
    strengths = forms.CharField(
        label=_("Strengths"),
        required=False,
        max_length=MAX_CONCLUSION_SECTION_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shortcomings = forms.CharField(
        label=_("Shortcomings"),
        required=False,
        max_length=MAX_CONCLUSION_SECTION_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, section: ConclusionSection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section


class RecommendationRowForm(forms.Form):
    """One recommendation of the draft. Its deadline is counted from the issue day
    in calendar or working days, or given as a date (SPEC §11)."""

    DAYS, WORKING_DAYS, DATE = "days", "working_days", "date"

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Recommendation"),
        max_length=MAX_RECOMMENDATION_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write what is recommended.")},
    )
    section = forms.ChoiceField(label=_("Section"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Recommendation.Kind.choices, initial=Recommendation.Kind.REMEDY
    )
    addressee = forms.ModelChoiceField(
        label=_("Addressed to"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("Name the unit the recommendation is addressed to.")},
    )
    deadline_kind = forms.ChoiceField(
        label=_("Deadline counted in"),
        choices=[
            (DAYS, _("calendar days after issue")),
            (WORKING_DAYS, _("working days after issue")),
            (DATE, _("a date")),
        ],
        initial=DAYS,
    )
    days = forms.IntegerField(
        label=_("Number of days"),
        required=False,
        min_value=1,
        max_value=MAX_RECOMMENDATION_OFFSET,
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)

    def __init__(
        self,
        *args: Any,
        addressees: QuerySet[Unit],
        sections: list[ConclusionSection],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["addressee"]).queryset = addressees
        cast(forms.ChoiceField, self.fields["section"]).choices = [
            ("", _("No particular section")),
            *((s.number, f"{s.number}. {s.title}") for s in sections),
        ]

    @classmethod
    def initial_of(cls, row: Recommendation) -> dict[str, Any]:
        """A saved recommendation as its row's fields show it."""
        if row.offset_days is not None:
            kind, days = cls.DAYS, row.offset_days
        elif row.offset_working_days is not None:
            kind, days = cls.WORKING_DAYS, row.offset_working_days
        else:
            kind, days = cls.DATE, None
        return {
            "id": row.pk,
            "code": row.code,
            "text": row.text,
            "section": row.section,
            "kind": row.kind,
            "addressee": row.addressee_id,
            "deadline_kind": kind,
            "days": days,
            "due_date": row.due_date if kind == cls.DATE else None,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("deadline_kind")
        if (
            kind in (self.DAYS, self.WORKING_DAYS)
            and cleaned.get("days") is None
            and "days" not in self.errors
        ):
            self.add_error("days", _("Give the number of days after the issue."))
        if kind == self.DATE and cleaned.get("due_date") is None and "due_date" not in self.errors:
            self.add_error("due_date", _("Give the due date."))
        return cleaned

    def to_input(self) -> RecommendationInput:
        data = self.cleaned_data
        kind = data["deadline_kind"]
        return RecommendationInput(
            id=data.get("id"),
            text=data["text"],
            addressee=data["addressee"],
            kind=data["kind"],
            section=data.get("section") or "",
            offset_days=data["days"] if kind == self.DAYS else None,
            offset_working_days=data["days"] if kind == self.WORKING_DAYS else None,
            due_date=data["due_date"] if kind == self.DATE else None,
        )

    # Where a service's message about one of the input's fields is shown.
    SERVICE_FIELDS = {
        "offset_days": "days",
        "offset_working_days": "days",
        "due_date": "due_date",
        "text": "text",
        "kind": "kind",
        "addressee": "addressee",
        "section": "section",
    }


class ConclusionIssueForm(forms.Form):
    row_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    signer = forms.ModelChoiceField(
        label=_("Signed by"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose who signs the conclusion.")},
    )
    issued_on = forms.DateField(
        label=_("Issued on"),
        widget=DATE_INPUT,
        error_messages={"required": _("Give the date of issue.")},
    )

    def __init__(self, *args: Any, signers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["signer"]).queryset = signers


class ConclusionWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=MAX_REASON_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the conclusion is withdrawn.")},
    )


class RecommendationExtendForm(forms.Form):
    due_date = forms.DateField(
        label=_("New due date"),
        widget=DATE_INPUT,
        error_messages={"required": _("Give the new due date.")},
    )
    extended_by = forms.CharField(
        label=_("Granted by decision"),
        max_length=MAX_DECISION_REF,
        error_messages={"required": _("Cite the decision that grants the extension.")},
    )


class RecommendationCancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label=_("Reason for cancellation"),
        max_length=MAX_REASON_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the recommendation is cancelled.")},
    )


class RecommendationFilterForm(UnitFilterForm):
    """The recommendations list's filters and order (a GET form)."""

    unit_filter_of = "recommendations"
    unit_field_label = _("Addressed to (with the units below it)")

    SORTS = {
        "unit": ("addressee__path", "due_date", "id"),
        "due_date": ("due_date", "id"),
        "-due_date": ("-due_date", "-id"),
        "visit": ("visit_id", "position", "id"),
        "state": ("state", "due_date", "id"),
    }
    DEFAULT_SORT = "unit"

    q = forms.CharField(
        label=_("Search code, text or visit"),
        required=False,
        max_length=MAX_SEARCH_TEXT,
        strip=True,
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        widget=LongSelect,
        choices=[
            ("", _("Any state")),
            ("pending", _("Open or reported")),
            *Recommendation.State.choices,
        ],
    )
    sort = forms.ChoiceField(
        label=_("Order by"),
        required=False,
        widget=LongSelect,
        choices=[
            ("unit", _("Unit")),
            ("due_date", _("Earliest due first")),
            ("-due_date", _("Latest due first")),
            ("visit", _("Visit")),
            ("state", _("State")),
        ],
    )
    overdue = forms.BooleanField(label=_("Only overdue recommendations"), required=False)
    # Set by the links of a visit's page; shown as a filter that can be cleared.
    visit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filter(self, rows: QuerySet[Recommendation], today: Any) -> QuerySet[Recommendation]:
        data = getattr(self, "cleaned_data", {})
        if text := data.get("q"):
            rows = recommendations_matching(rows, text)
        if state := data.get("state"):
            if state == "pending":
                rows = rows.filter(state__in=Recommendation.PENDING_STATES)
            else:
                rows = rows.filter(state=state)
        if unit := data.get("unit"):
            rows = rows.filter(addressee__path__startswith=unit.path)
        if visit := data.get("visit"):
            rows = rows.filter(visit_id=visit)
        if data.get("overdue"):
            rows = rows.filter(Recommendation.overdue_condition(today))
        return rows

    @property
    def active_sort(self) -> str:
        return getattr(self, "cleaned_data", {}).get("sort") or self.DEFAULT_SORT

    def ordering(self) -> tuple[str, ...]:
        return self.SORTS[self.active_sort]
