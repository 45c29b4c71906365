"""The conclusion page's draft editor: the forms of the summary, the sections
and the recommendation rows, filled from the stored draft or from a post, reshaped
when a row is added or removed, and saved whole through the conclusion service
(web.views.conclusion serves the page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from checklists.errors import StaleObjectError
from checklists.limits import MAX_RECOMMENDATIONS
from checklists.models import (
    Conclusion,
    ConclusionSection,
    Unit,
    Visit,
)
from checklists.selectors.conclusions import Finding
from checklists.services.conclusions import (
    SectionInput,
    conclusion_for,
    conclusion_update,
)
from web.forms_conclusions import (
    ConclusionDraftForm,
    RecommendationRowForm,
    SectionForm,
)
from web.views.base import signed_in
from web.views.refusals import FORM_REFUSALS, show_refusal

# --- the draft's forms -------------------------------------------------------------------


@dataclass
class Editor:
    """The draft's forms, as one HTML form shows them."""

    draft: ConclusionDraftForm
    sections: list[tuple[ConclusionSection, SectionForm]]
    rows: list[RecommendationRowForm]
    message: str = ""
    # The checklist's findings by section number, shown beside each section
    # (read-only; filled by the page, web.views.conclusion._page).
    findings: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def section_rows(self) -> list[tuple[ConclusionSection, SectionForm, list[Finding]]]:
        """Each section with its form and its checklist findings, for the template."""
        return [(s, form, self.findings.get(s.number, [])) for s, form in self.sections]

    def all_valid(self) -> bool:
        results = [self.draft.is_valid()]
        results += [form.is_valid() for _s, form in self.sections]
        results += [form.is_valid() for form in self.rows]
        return all(results)

    @property
    def has_errors(self) -> bool:
        forms_ = [self.draft, *(f for _s, f in self.sections), *self.rows]
        return any(f.is_bound and f.errors for f in forms_)

    @property
    def can_add(self) -> bool:
        return len(self.rows) < MAX_RECOMMENDATIONS


@dataclass
class DraftParts:
    """What the editor's forms are built on: the sections, the addressees the
    host unit allows and the draft's version."""

    conclusion: Conclusion
    sections: list[ConclusionSection]
    addressees: QuerySet[Unit]

    def row(self, index: int, **kwargs: Any) -> RecommendationRowForm:
        return RecommendationRowForm(
            prefix=f"rec-{index}", addressees=self.addressees, sections=self.sections, **kwargs
        )

    def section(self, index: int, section: ConclusionSection, **kwargs: Any) -> SectionForm:
        return SectionForm(prefix=f"section-{index}", section=section, **kwargs)


def draft_parts(visit: Visit, conclusion: Conclusion) -> DraftParts:
    host = visit.host_unit
    return DraftParts(
        conclusion=conclusion,
        sections=list(conclusion.sections.order_by("position", "id")),
        # The host unit and the units under it (SPEC §11), the host first.
        addressees=Unit.objects.filter(path__startswith=host.path).order_by("path"),
    )


def editor_from_db(parts: DraftParts, message: str = "") -> Editor:
    conclusion = parts.conclusion
    rows = list(conclusion.recommendations.order_by("position", "id"))
    return Editor(
        draft=ConclusionDraftForm(
            initial={
                "row_version": conclusion.row_version,
                "rec_count": len(rows),
                "summary": conclusion.summary,
            }
        ),
        sections=[
            (
                s,
                parts.section(
                    i, s, initial={"strengths": s.strengths, "shortcomings": s.shortcomings}
                ),
            )
            for i, s in enumerate(parts.sections)
        ],
        rows=[
            parts.row(i, initial=RecommendationRowForm.initial_of(row))
            for i, row in enumerate(rows)
        ],
        message=message,
    )


def row_count(data: QueryDict) -> int:
    try:
        count = int(data.get("rec_count", "0"))
    except ValueError:
        return 0
    return max(0, min(count, MAX_RECOMMENDATIONS))


def editor_from_post(parts: DraftParts, data: QueryDict) -> Editor:
    return Editor(
        draft=ConclusionDraftForm(data),
        sections=[(s, parts.section(i, s, data=data)) for i, s in enumerate(parts.sections)],
        rows=[parts.row(i, data=data) for i in range(row_count(data))],
    )


def editor_reshaped(parts: DraftParts, data: QueryDict, *, add: bool, remove: int | None) -> Editor:
    """The form again with what was typed, one row more or one fewer, and no error
    shown yet (nothing was saved)."""
    names = list(RecommendationRowForm.base_fields)
    rows = [
        {name: data.get(f"rec-{i}-{name}", "") for name in names} for i in range(row_count(data))
    ]
    if remove is not None and 0 <= remove < len(rows):
        del rows[remove]
    if add and len(rows) < MAX_RECOMMENDATIONS:
        rows.append({})
    return Editor(
        draft=ConclusionDraftForm(
            initial={
                "row_version": data.get("row_version", ""),
                "rec_count": len(rows),
                "summary": data.get("summary", ""),
            }
        ),
        sections=[
            (
                s,
                parts.section(
                    i,
                    s,
                    initial={
                        "strengths": data.get(f"section-{i}-strengths", ""),
                        "shortcomings": data.get(f"section-{i}-shortcomings", ""),
                    },
                ),
            )
            for i, s in enumerate(parts.sections)
        ],
        rows=[parts.row(i, initial=row) for i, row in enumerate(rows)],
    )


def show_service_refusal(editor: Editor, refusal: ValidationError) -> None:
    """Each of the service's messages beside the field it names: `summary`,
    `sections[i].strengths`, `recommendations[i].text` …; the rest above the form."""
    if not hasattr(refusal, "error_dict"):
        editor.draft.add_error(None, refusal)
        return
    for path, errors in refusal.error_dict.items():
        head, _dot, name = path.partition(".")
        target: forms.Form = editor.draft
        field_name: str | None = None
        if head.startswith("recommendations[") and name:
            index = int(head[len("recommendations[") : -1])
            if index < len(editor.rows):
                target = editor.rows[index]
                field_name = RecommendationRowForm.SERVICE_FIELDS.get(name)
        elif head.startswith("sections[") and name:
            index = int(head[len("sections[") : -1])
            if index < len(editor.sections):
                target = editor.sections[index][1]
                field_name = name if name in target.fields else None
        elif path == "summary":
            field_name = "summary"
        target.add_error(field_name, errors)


def save_draft(request: HttpRequest, visit: Visit, parts: DraftParts) -> tuple[Editor | None, int]:
    """Send the whole draft to the service; (None, 302) when it is saved."""
    editor = editor_from_post(parts, request.POST)
    if not editor.all_valid():
        if "row_version" in editor.draft.errors:
            editor.draft.add_error(None, _("Reload the page and try again."))
        return editor, 422
    try:
        conclusion_update(
            actor=signed_in(request),
            visit=visit,
            expected_version=editor.draft.cleaned_data["row_version"],
            summary=editor.draft.cleaned_data["summary"],
            sections=[
                SectionInput(
                    number=section.number,
                    strengths=form.cleaned_data["strengths"],
                    shortcomings=form.cleaned_data["shortcomings"],
                )
                for section, form in editor.sections
            ],
            recommendations=[row.to_input() for row in editor.rows],
        )
    except StaleObjectError as stale:
        # Someone saved in between: what is stored now, and why the save was refused.
        current = conclusion_for(actor=signed_in(request), visit=visit)
        return editor_from_db(draft_parts(visit, current), message=str(stale)), 409
    except ValidationError as invalid:
        show_service_refusal(editor, invalid)
        return editor, 422
    except FORM_REFUSALS as refusal:
        return editor, show_refusal(editor.draft, refusal)
    return None, 302
