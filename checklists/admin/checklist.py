"""Checklist items and milestones (deadlines) of the visits in scope, changed
through checklists.services.checklist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from checklists.admin.common import (
    REFUSALS,
    MilestoneStateFilter,
    ServiceErrorsMixin,
    VisitParamFilter,
    _error_text,
    _label,
)
from checklists.admin.visits import admin_actor
from checklists.models import AnswerType, ChecklistItem, Milestone, User
from checklists.selectors import visits_coordinated_by
from checklists.services.checklist import (
    ITEM_EDITABLE_FIELDS,
    checklist_answer_clean,
    checklist_item_add,
    checklist_item_update,
    milestone_add,
    milestone_mark_done,
    milestone_reschedule,
)


def _scope_to_visits(queryset: QuerySet, request: HttpRequest, field: str = "visit") -> QuerySet:
    """Rows of visits the user coordinates. An id-IN subquery rather than a join,
    so a row never comes back twice."""
    user = admin_actor(request)
    if user.coordinates_everything:
        return queryset
    return queryset.filter(**{f"{field}__in": visits_coordinated_by(user).values("pk")})


# --- Checklist items ---------------------------------------------------------------


YES_NO_CHOICES = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class ChecklistItemForm(forms.ModelForm):
    """Edits what checklist_item_update accepts; the answer is typed by the item."""

    answer = forms.CharField(label=_label(ChecklistItem, "answer"), required=False)
    # See VisitChangeForm.seen_version.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ChecklistItem
        fields = ITEM_EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = self.instance
        if item.answer_type == AnswerType.YES_NO:
            self.fields["answer"] = forms.ChoiceField(
                label=self.fields["answer"].label, choices=YES_NO_CHOICES, required=False
            )
            self.initial["answer"] = {True: "yes", False: "no"}.get(item.answer, "")
        else:
            self.initial["answer"] = "" if item.answer is None else str(item.answer)
        if item.answer_type == AnswerType.TEXT:
            self.fields["answer"].widget = forms.Textarea(attrs={"rows": 3, "cols": 80})
        if "assignee" in self.fields:
            # Only the visit's team may be assigned (the service refuses others).
            assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
            assignee.queryset = User.objects.filter(team_memberships__visit=item.visit_id)
        self.fields["seen_version"].initial = item.row_version

    def clean_answer(self):
        raw = self.cleaned_data.get("answer")
        if self.instance.answer_type == AnswerType.YES_NO:
            raw = {"yes": True, "no": False}.get(raw or "")
        try:
            return checklist_answer_clean(self.instance.answer_type, raw)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        seen = cleaned.get("seen_version")
        if self.instance.pk and seen is not None:
            current = (
                ChecklistItem.objects.filter(pk=self.instance.pk)
                .values_list("row_version", flat=True)
                .first()
            )
            if current != seen:
                raise ValidationError(
                    gettext(
                        "This checklist item was changed by someone else. Reload it and try again."
                    )
                )
        return cleaned


ITEM_ADD_FIELDS = (
    "visit",
    "section_number",
    "section_title",
    "number",
    "text",
    "text_en",
    "answer_type",
    "due_date",
)


class ChecklistItemAddForm(forms.ModelForm):
    """An item of the visit's own ("additional contents")."""

    class Meta:
        model = ChecklistItem
        fields = ITEM_ADD_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service continues the section's title and numbering when left empty.
        for name in ("section_title", "number"):
            self.fields[name].required = False
        self.fields["section_number"].initial = "BS"


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = (
        "visit",
        "section_number",
        "number",
        "short_text",
        "answer_type",
        "answer_display",
        "status",
        "assignee",
        "due_date",
        "origin",
    )
    list_display_links = ("section_number", "number", "short_text")
    list_filter = (
        VisitParamFilter,
        "status",
        "answer_type",
        "origin",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("text", "text_en", "finding", "visit__code")
    list_select_related = ("visit", "assignee")
    autocomplete_fields = ("visit",)
    actions = ("mark_done", "mark_not_applicable", "mark_open")
    change_readonly = (
        "visit",
        "origin",
        "section_number",
        "section_title",
        "number",
        "text",
        "text_en",
        "answer_type",
        "updated_at",
    )

    def get_queryset(self, request):
        return _scope_to_visits(super().get_queryset(request), request)

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        kwargs["form"] = ChecklistItemAddForm if obj is None else ChecklistItemForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ITEM_ADD_FIELDS})]
        return [
            (None, {"fields": self.change_readonly[:-1]}),
            (None, {"fields": (*ITEM_EDITABLE_FIELDS, "seen_version", "updated_at")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "visit":
            kwargs["queryset"] = visits_coordinated_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Items are settled as "not applicable", never removed: the checklist is a record.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            item = checklist_item_add(
                actor=admin_actor(request),
                visit=data["visit"],
                text=data["text"],
                text_en=data.get("text_en", ""),
                answer_type=data["answer_type"],
                section_number=data["section_number"],
                section_title=data.get("section_title", ""),
                number=data.get("number", ""),
                due_date=data.get("due_date"),
            )
            obj.pk = item.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        changes = {name: data[name] for name in ITEM_EDITABLE_FIELDS if name in form.changed_data}
        item = ChecklistItem.objects.select_related("visit").get(pk=obj.pk)
        checklist_item_update(
            actor=admin_actor(request),
            item=item,
            expected_version=data.get("seen_version"),
            **changes,
        )

    def _set_status(self, request, queryset, status: str) -> None:
        changed = 0
        for item in queryset.select_related("visit"):
            try:
                checklist_item_update(actor=admin_actor(request), item=item, status=status)
            except REFUSALS as exc:
                self.message_user(request, f"{item}: {_error_text(exc)}", messages.ERROR)
            else:
                changed += 1
        self.message_user(
            request,
            ngettext("%(count)d item updated.", "%(count)d items updated.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark the selected items done"), permissions=["change"])
    def mark_done(self, request, queryset):
        self._set_status(request, queryset, ChecklistItem.Status.DONE)

    @admin.action(description=_("Mark the selected items not applicable"), permissions=["change"])
    def mark_not_applicable(self, request, queryset):
        self._set_status(request, queryset, ChecklistItem.Status.NOT_APPLICABLE)

    @admin.action(description=_("Reopen the selected items"), permissions=["change"])
    def mark_open(self, request, queryset):
        self._set_status(request, queryset, ChecklistItem.Status.OPEN)

    @admin.display(description=_label(ChecklistItem, "text"))
    def short_text(self, obj: ChecklistItem) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    @admin.display(description=_label(ChecklistItem, "answer"))
    def answer_display(self, obj: ChecklistItem) -> str:
        if obj.answer is None:
            return "-"
        if isinstance(obj.answer, bool):
            return gettext("Yes") if obj.answer else gettext("No")
        text = str(obj.answer)
        return text if len(text) <= 60 else text[:59] + "…"


# --- Milestones -------------------------------------------------------------------


class MilestoneChangeForm(forms.ModelForm):
    follow_sessions = forms.BooleanField(
        label=_("follow the working sessions"),
        required=False,
        help_text=_(
            "Forget the date set by hand: the deadline is counted from the first "
            "working session again and moves with it."
        ),
    )
    done = forms.BooleanField(label=Milestone.State.DONE.label, required=False)

    class Meta:
        model = Milestone
        fields = ("due_date",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done"].initial = self.instance.done_at is not None
        self.fields["follow_sessions"].initial = not self.instance.dated_by_hand
        self.fields["due_date"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        milestone = self.instance
        follows = cleaned.get("follow_sessions")
        if follows and milestone.offset_days is None and milestone.offset_working_days is None:
            self.add_error(
                "follow_sessions",
                gettext("This deadline was never counted from the sessions; give it a date."),
            )
        elif not follows and not cleaned.get("due_date"):
            self.add_error("due_date", gettext("Give a date, or let it follow the sessions."))
        return cleaned


MILESTONE_ADD_FIELDS = ("visit", "key", "title", "title_en", "due_date", "responsible")


class MilestoneAddForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = MILESTONE_ADD_FIELDS


@admin.register(Milestone)
class MilestoneAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "visit",
        "due_date",
        "responsible",
        "state_display",
        "dated_by_hand",
        "done_at",
    )
    list_filter = (
        MilestoneStateFilter,
        VisitParamFilter,
        "responsible",
        "dated_by_hand",
        "visit__status",
    )
    search_fields = ("title", "title_en", "key", "visit__code", "visit__title")
    list_select_related = ("visit",)
    autocomplete_fields = ("visit",)
    date_hierarchy = "due_date"
    actions = ("mark_done", "reopen", "follow_sessions")
    change_readonly = (
        "visit",
        "key",
        "title",
        "title_en",
        "responsible",
        "state_display",
        "dated_by_hand",
        "done_at",
        "done_by",
    )

    def get_queryset(self, request):
        return _scope_to_visits(super().get_queryset(request), request)

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        kwargs["form"] = MilestoneAddForm if obj is None else MilestoneChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": MILESTONE_ADD_FIELDS})]
        return [
            (None, {"fields": self.change_readonly}),
            (None, {"fields": ("due_date", "follow_sessions", "done")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "visit":
            kwargs["queryset"] = visits_coordinated_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            milestone = milestone_add(
                actor=admin_actor(request),
                visit=data["visit"],
                key=data["key"],
                title=data["title"],
                title_en=data.get("title_en", ""),
                due_date=data["due_date"],
                responsible=data["responsible"],
            )
            obj.pk = milestone.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        milestone = Milestone.objects.select_related("visit").get(pk=obj.pk)
        if "follow_sessions" in form.changed_data and data["follow_sessions"]:
            milestone = milestone_reschedule(
                actor=admin_actor(request), milestone=milestone, due_date=None
            )
        elif "due_date" in form.changed_data or (
            "follow_sessions" in form.changed_data and not data["follow_sessions"]
        ):
            milestone = milestone_reschedule(
                actor=admin_actor(request), milestone=milestone, due_date=data["due_date"]
            )
        if "done" in form.changed_data:
            milestone_mark_done(actor=admin_actor(request), milestone=milestone, done=data["done"])

    def _mark(self, request, queryset, service: Callable[[Milestone], Any]) -> None:
        changed = 0
        for milestone in queryset.select_related("visit"):
            try:
                service(milestone)
            except REFUSALS as exc:
                self.message_user(request, f"{milestone}: {_error_text(exc)}", messages.ERROR)
            else:
                changed += 1
        self.message_user(
            request,
            ngettext("%(count)d deadline updated.", "%(count)d deadlines updated.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark the selected deadlines done"), permissions=["change"])
    def mark_done(self, request, queryset):
        self._mark(
            request,
            queryset,
            lambda m: milestone_mark_done(actor=admin_actor(request), milestone=m),
        )

    @admin.action(description=_("Mark the selected deadlines not done"), permissions=["change"])
    def reopen(self, request, queryset):
        self._mark(
            request,
            queryset,
            lambda m: milestone_mark_done(actor=admin_actor(request), milestone=m, done=False),
        )

    @admin.action(
        description=_("Let the selected deadlines follow the working sessions again"),
        permissions=["change"],
    )
    def follow_sessions(self, request, queryset):
        self._mark(
            request,
            queryset,
            lambda m: milestone_reschedule(actor=admin_actor(request), milestone=m, due_date=None),
        )

    @admin.display(description=_("state"))
    def state_display(self, obj: Milestone) -> str:
        return str(Milestone.State(obj.state).label)
