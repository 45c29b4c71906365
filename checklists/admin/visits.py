"""Visits with their sessions, team and deadlines. Every write goes through
checklists.services.visits (and milestone_reschedule for dates set by hand)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, NullIf
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from checklists.admin.common import (
    REFUSALS,
    ServiceErrorsMixin,
    _count_of,
    _digits,
    _error_text,
    _label,
)
from checklists.errors import StaleObjectError
from checklists.models import (
    ChecklistItem,
    Milestone,
    Outline,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.selectors import SETTLED, units_in_scope, visit_progress, visits_coordinated_by
from checklists.services.checklist import milestone_reschedule
from checklists.services.visits import (
    SessionInput,
    TeamInput,
    visit_classify,
    visit_create,
    visit_set_sessions,
    visit_set_team,
    visit_transition,
    visit_update,
)
from checklists.validators import one_line

Status = Visit.Status


def admin_actor(request: HttpRequest) -> User:
    """The person an admin page acts for (the admin lets in only signed-in staff);
    the services decide what they may do."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _optional_classification(form: forms.ModelForm[Any]) -> None:
    # Left out of a post (a script, an older page): not classified on creation,
    # unchanged on an edit. The service refuses values outside the choices.
    form.fields["classification"].required = False


class VisitAddForm(forms.ModelForm):
    """What visit_create needs: the outline, the host, and the first working session
    (day 0 of every deadline)."""

    session_start = forms.SplitDateTimeField(
        label=_label(WorkingSession, "start"), widget=admin_widgets.AdminSplitDateTime
    )
    session_end = forms.SplitDateTimeField(
        label=_label(WorkingSession, "end"), widget=admin_widgets.AdminSplitDateTime
    )
    session_location = forms.CharField(
        label=_label(WorkingSession, "location"),
        max_length=255,
        required=False,
        validators=[one_line],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _optional_classification(self)

    class Meta:
        model = Visit
        fields = ("outline", "host_unit", "title", "code", "decision_ref", "classification")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("session_start"), cleaned.get("session_end")
        if start and end and end <= start:
            self.add_error("session_end", gettext("A working session must end after it starts."))
        return cleaned


class VisitChangeForm(forms.ModelForm):
    # The version the page was read at: a save on top of someone else's newer
    # change is refused instead of silently overwriting it.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Visit
        fields = ("title", "code", "decision_ref", "classification")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.row_version
        _optional_classification(self)


class WorkingSessionInline(admin.TabularInline):
    model = WorkingSession
    fields = ("start", "end", "location")
    ordering = ("start",)
    extra = 0
    min_num = 1
    validate_min = True


class TeamFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        leads = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get(DELETION_FIELD_NAME, False)
            and form.cleaned_data.get("role") == TeamMembership.Role.LEAD
        ]
        if len(leads) > 1:
            raise ValidationError(gettext("A team has at most one lead."))


class TeamInline(admin.TabularInline):
    model = TeamMembership
    formset = TeamFormSet
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0


class MilestoneInline(admin.TabularInline):
    """Deadlines of the visit. Changing a date here dates it by hand, so it no longer
    follows the sessions; the milestone's own page can hand it back."""

    model = Milestone
    fields = (
        "title",
        "responsible",
        "due_date",
        "state_display",
        "dated_by_hand",
        "done_at",
    )
    readonly_fields = ("title", "responsible", "state_display", "dated_by_hand", "done_at")
    ordering = ("due_date", "id")
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("state"))
    def state_display(self, obj: Milestone) -> str:
        return str(Milestone.State(obj.state).label) if obj.pk else "-"


class HostUnitKindFilter(admin.SimpleListFilter):
    title = _("host unit kind")
    parameter_name = "host_kind"

    def lookups(self, request, model_admin):
        return Unit.Kind.choices

    def queryset(self, request, queryset):
        if self.value() in Unit.Kind.values:
            return queryset.filter(host_unit__kind=self.value())
        return queryset


class ProvinceFilter(admin.SimpleListFilter):
    """Host units anywhere under one province (a path prefix, so districts and
    grassroots committees count too)."""

    title = Unit.Kind.PROVINCE.label
    parameter_name = "province"

    def lookups(self, request, model_admin):
        provinces = units_in_scope(request.user).filter(kind=Unit.Kind.PROVINCE)
        return [(str(pk), name) for pk, name in provinces.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = _digits(self.value())
        prefix = Unit.objects.filter(pk=pk).values_list("path", flat=True).first() if pk else None
        return queryset.filter(host_unit__path__startswith=prefix) if prefix else queryset.none()


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue deadlines")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        # overdue_count is annotated by VisitAdmin.get_queryset.
        if self.value() == "yes":
            return queryset.filter(overdue_count__gt=0)
        if self.value() == "no":
            return queryset.filter(overdue_count=0)
        return queryset


def _transition_action(target: str, name: str, description) -> Callable:
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: VisitAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        modeladmin.transition(request, queryset, target)

    action.__name__ = name
    return action


@admin.register(Visit)
class VisitAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "title",
        "classification_badge",
        "host_unit",
        "status",
        "first_session",
        "progress",
        "overdue",
    )
    list_display_links = ("code", "title")
    list_filter = (
        "status",
        "classification",
        OverdueFilter,
        HostUnitKindFilter,
        ProvinceFilter,
        ("host_unit", admin.RelatedOnlyFieldListFilter),
        ("outline", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("code", "title", "host_unit__name", "decision_ref")
    date_hierarchy = "created_at"
    list_select_related = ("host_unit", "outline")
    autocomplete_fields = ("host_unit",)
    actions = [
        _transition_action(Status.ANNOUNCED, "announce", _("Announce the selected visits")),
        _transition_action(Status.IN_PROGRESS, "start", _("Start the selected visits")),
        _transition_action(Status.REPORTING, "report", _("Move the selected visits to reporting")),
        # No "conclude": a visit is concluded by issuing its conclusion (SPEC §11).
        _transition_action(Status.CLOSED, "close", _("Close the selected visits")),
        _transition_action(Status.CANCELLED, "cancel", _("Cancel the selected visits")),
    ]
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "outline",
                    "host_unit",
                    "title",
                    "code",
                    "decision_ref",
                    "classification",
                )
            },
        ),
        (
            WorkingSession._meta.verbose_name,
            {
                "fields": ("session_start", "session_end", "session_location"),
                "description": _(
                    "The first working session is day 0 of every deadline; "
                    "add more sessions and the team once the visit exists."
                ),
            },
        ),
    )
    change_fieldsets = (
        (
            None,
            {"fields": ("title", "code", "decision_ref", "classification", "seen_version")},
        ),
        (
            _("State"),
            {
                "fields": (
                    "outline",
                    "host_unit",
                    "status",
                    "progress",
                    "checklist_summary",
                    "created_by",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    change_readonly = (
        "outline",
        "host_unit",
        "status",
        "progress",
        "checklist_summary",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.coordinates_everything:
            qs = qs.filter(pk__in=visits_coordinated_by(request.user).values("pk"))
        first_start = (
            WorkingSession.objects.filter(visit=OuterRef("pk")).order_by("start").values("start")
        )
        overdue = Milestone.objects.filter(
            Milestone.state_condition([Milestone.State.OVERDUE], timezone.localdate())
        )
        # Names match checklists.selectors.visits_with_progress, so visit_progress()
        # reads them without a query per row.
        return qs.annotate(
            first_session_start=Subquery(first_start[:1]),
            items_total=_count_of(ChecklistItem.objects.all(), "visit"),
            items_settled=_count_of(ChecklistItem.objects.filter(status__in=SETTLED), "visit"),
            overdue_count=_count_of(overdue, "visit"),
        )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.change_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_readonly

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        kwargs["form"] = VisitAddForm if obj is None else VisitChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request, obj):
        return () if obj is None else (WorkingSessionInline, TeamInline, MilestoneInline)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "outline":
            kwargs["queryset"] = Outline.objects.filter(status=Outline.Status.PUBLISHED)
        elif db_field.name == "host_unit":
            kwargs["queryset"] = units_in_scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # A visit ends by being cancelled or closed; its checklist, deadlines and
        # trail stay on record.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            visit = visit_create(
                actor=admin_actor(request),
                outline=data["outline"],
                host_unit=data["host_unit"],
                title=data["title"],
                code=data.get("code", ""),
                decision_ref=data.get("decision_ref", ""),
                classification=data.get("classification") or Visit.Classification.NONE,
                sessions=[
                    SessionInput(
                        start=data["session_start"],
                        end=data["session_end"],
                        location=data.get("session_location", ""),
                    )
                ],
            )
            # The admin goes on with the instance it built (log entry, redirect).
            obj.pk = visit.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        # Lock the row for the rest of the request (inlines included) and refuse
        # to write over a change made since the page was read.
        current = Visit.objects.select_for_update().get(pk=obj.pk)
        seen = data.get("seen_version")
        if seen is not None and seen != current.row_version:
            raise StaleObjectError(
                gettext("This visit was changed by someone else. Reload it and try again."),
                current_version=current.row_version,
            )
        changes = {name: data[name] for name in form.changed_data if name in form._meta.fields}
        # Its own service: coordinators only, and audited as a classification.
        classification = changes.pop("classification", None) or None
        if changes:
            visit_update(actor=admin_actor(request), visit=current, **changes)
        if classification is not None:
            visit_classify(actor=admin_actor(request), visit=current, classification=classification)

    def save_formset(self, request, form, formset, change):
        # Inline rows are never saved directly: the services re-date milestones,
        # validate the team and write the audit trail.
        visit = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is WorkingSession:
            if formset.has_changed():
                visit_set_sessions(
                    actor=admin_actor(request), visit=visit, sessions=self._sessions(formset)
                )
        elif formset.model is TeamMembership:
            if formset.has_changed():
                visit_set_team(actor=admin_actor(request), visit=visit, team=self._team(formset))
        elif formset.model is Milestone:
            for milestone_form in formset.forms:
                if milestone_form.instance.pk and "due_date" in milestone_form.changed_data:
                    milestone_reschedule(
                        actor=admin_actor(request),
                        milestone=Milestone.objects.get(pk=milestone_form.instance.pk),
                        due_date=milestone_form.cleaned_data["due_date"],
                    )

    @staticmethod
    def _kept_forms(formset: BaseInlineFormSet) -> list[forms.ModelForm[Any]]:
        return [
            f
            for f in formset.forms
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get(DELETION_FIELD_NAME)
        ]

    def _sessions(self, formset) -> list[SessionInput]:
        return [
            SessionInput(
                id=f.instance.pk,
                start=f.cleaned_data["start"],
                end=f.cleaned_data["end"],
                location=f.cleaned_data.get("location", ""),
            )
            for f in self._kept_forms(formset)
        ]

    def _team(self, formset) -> list[TeamInput]:
        return [
            TeamInput(user=f.cleaned_data["user"], role=f.cleaned_data["role"])
            for f in self._kept_forms(formset)
            if f.cleaned_data.get("user")
        ]

    def transition(self, request: HttpRequest, queryset: QuerySet, target: str) -> None:
        moved = 0
        for visit in queryset:
            try:
                visit_transition(actor=admin_actor(request), visit=visit, to=target)
            except REFUSALS as exc:
                self.message_user(
                    request,
                    gettext("%(visit)s: %(reason)s") % {"visit": visit, "reason": _error_text(exc)},
                    messages.ERROR,
                )
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d visit is now “%(status)s”.",
                    "%(count)d visits are now “%(status)s”.",
                    moved,
                )
                % {"count": moved, "status": Status(target).label},
                messages.SUCCESS,
            )

    @admin.display(description=_("classification"), ordering="classification")
    def classification_badge(self, obj: Visit) -> str:
        # The official mark, as the pages show it; "-" when not classified.
        return obj.classification_mark or "-"

    @admin.display(description=_("first working session"), ordering="first_session_start")
    def first_session(self, obj: Visit) -> dt.datetime | None:
        return getattr(obj, "first_session_start", None)

    @admin.display(
        description=_("progress"),
        ordering=ExpressionWrapper(
            Cast(F("items_settled"), FloatField())
            / NullIf(Cast(F("items_total"), FloatField()), 0.0),
            output_field=FloatField(),
        ),
    )
    def progress(self, obj: Visit) -> str:
        return f"{visit_progress(obj):.0%}"

    @admin.display(description=_("overdue deadlines"), ordering="overdue_count")
    def overdue(self, obj: Visit) -> int:
        return int(getattr(obj, "overdue_count", 0))  # annotated by get_queryset

    @admin.display(description=_("checklist"))
    def checklist_summary(self, obj: Visit) -> str:
        counts = dict(
            obj.checklist.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        parts = format_html_join(
            ", ",
            "{}: {}",
            ((label, counts.get(value, 0)) for value, label in ChecklistItem.Status.choices),
        )
        items_url = reverse("admin:checklists_checklistitem_changelist") + f"?visit={obj.pk}"
        milestones_url = reverse("admin:checklists_milestone_changelist") + f"?visit={obj.pk}"
        return format_html(
            '{}<br><a href="{}">{}</a> · <a href="{}">{}</a>',
            parts,
            items_url,
            gettext("Open the checklist"),
            milestones_url,
            gettext("Open the deadlines"),
        )
