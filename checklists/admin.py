"""The Django admin: where coordinators manage units, people, outlines, visits,
deadlines and declared days off.

Admin access is Django's own: coordinators are staff (`is_staff`) and hold the model
permissions of their job, usually through a group. On top of that every list is
narrowed to the coordinator's unit subtree (checklists.selectors), so a coordinator
of one province never sees another province's visits; superusers see everything.

Changes of visits, checklist items, milestones and outline states go through
checklists.services, so the admin keeps the same rules, dates the same deadlines
and leaves the same audit trail as the API.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from checklists import outline_files
from checklists.errors import StaleObjectError
from checklists.models import (
    AnswerType,
    AuditEvent,
    ChecklistItem,
    DayOff,
    Milestone,
    Outline,
    OutlineItem,
    OutlineMilestone,
    OutlineSection,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.selectors import SETTLED, units_in_scope, visit_progress, visits_coordinated_by
from checklists.services.audit import audit_record
from checklists.services.checklist import (
    ITEM_EDITABLE_FIELDS,
    checklist_answer_clean,
    checklist_item_add,
    checklist_item_update,
    milestone_add,
    milestone_mark_done,
    milestone_reschedule,
)
from checklists.services.outlines import (
    OutlineData,
    outline_create,
    outline_data,
    outline_ensure_editable,
    outline_new_version,
    outline_publish,
    outline_retire,
)
from checklists.services.visits import (
    SessionInput,
    TeamInput,
    visit_create,
    visit_set_sessions,
    visit_set_team,
    visit_transition,
    visit_update,
)

admin.site.site_header = _("Inspection tracker")
admin.site.site_title = _("Inspection tracker")
admin.site.index_title = _("Administration")

Status = Visit.Status


# --- Helpers ------------------------------------------------------------------


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _label(model: type[models.Model], field: str) -> str:
    """A field's verbose name, so admin-only form fields reuse the model's labels."""
    return model._meta.get_field(field).verbose_name


def _count_of(queryset: QuerySet, fk: str) -> Coalesce:
    """COUNT of `queryset`'s rows that point at the outer row, as a correlated
    subquery. Unlike several joined Count()s on one list, subqueries do not
    multiply each other's rows (items x milestones x sessions per visit)."""
    counted = (
        queryset.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _scope_to_visits(queryset: QuerySet, request: HttpRequest, field: str = "visit") -> QuerySet:
    """Rows of visits the user coordinates. An id-IN subquery rather than a join,
    so a row never comes back twice."""
    if request.user.coordinates_everything:
        return queryset
    return queryset.filter(**{f"{field}__in": visits_coordinated_by(request.user).values("pk")})


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple | set):
        return [_audit_value(v) for v in value]
    return value


SECRET_FORM_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})


def _form_changes(form: forms.ModelForm) -> dict[str, Any]:
    """{"field": {"from": old, "to": new}} from an admin form, never a password."""
    changes: dict[str, Any] = {}
    for name in form.changed_data:
        if name in SECRET_FORM_FIELDS:
            changes["password"] = "changed"
            continue
        changes[name] = {
            "from": _audit_value(form.initial.get(name)),
            "to": _audit_value(form.cleaned_data.get(name)),
        }
    return changes


def _digits(value: str | None) -> int | None:
    # isascii too: str.isdigit() accepts "²", which int() refuses.
    return int(value) if value and value.isascii() and value.isdigit() else None


class ServiceErrorsMixin:
    """Turns a refusal raised by a service while saving into an error message on
    the same page instead of a 500.

    changeform_view runs the POST in one transaction, so the refusal has already
    rolled back everything the request wrote: nothing is left half-saved.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, StaleObjectError) as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class AuditedAdmin(admin.ModelAdmin):
    """For models that have no service of their own (units, people, days off,
    draft outline parts): the admin's plain saves still reach the audit trail."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="update" if change else "create",
            obj=obj,
            changes=_form_changes(form),
        )

    def delete_model(self, request, obj):
        # Recorded first, while the object still has its id; delete_view is atomic.
        audit_record(actor=request.user, action="delete", obj=obj, changes={"name": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user, action="delete", obj=obj, changes={"name": str(obj)}
                )
            super().delete_queryset(request, queryset)


class VisitParamFilter(admin.SimpleListFilter):
    """Narrows a list to one visit (?visit=<id>), as linked from the visit page.

    Listing every visit in the sidebar would be thousands of links, so the filter
    only shows the chosen one, looked up within the user's scope so its title
    never leaks.
    """

    title = _label(ChecklistItem, "visit")
    parameter_name = "visit"

    def lookups(self, request, model_admin):
        pk = _digits(self.value())
        if self.value() is None:
            return []
        visit = visits_coordinated_by(request.user).filter(pk=pk).first() if pk else None
        # Always offer the chosen value: a filter without choices is not applied.
        return [(self.value(), str(visit) if visit else f"#{self.value()}")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = _digits(self.value())
        return queryset.filter(visit_id=pk) if pk else queryset.none()


def _milestone_state_q(state: str, today: dt.date) -> Q:
    soon = today + dt.timedelta(days=settings.MILESTONE_DUE_SOON_DAYS)
    open_ = Q(done_at__isnull=True)
    return {
        Milestone.State.DONE: Q(done_at__isnull=False),
        Milestone.State.OVERDUE: open_ & Q(due_date__lt=today),
        Milestone.State.DUE_SOON: open_ & Q(due_date__gte=today, due_date__lte=soon),
        Milestone.State.UPCOMING: open_ & Q(due_date__gt=soon),
        "open": open_,
    }[state]


class MilestoneStateFilter(admin.SimpleListFilter):
    """The state is derived from today's date, so it is filtered by date ranges."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Not done")), *Milestone.State.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in {"open", *Milestone.State.values}:
            return queryset
        return queryset.filter(_milestone_state_q(value, timezone.localdate()))


# --- Units ----------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("tree_name", "code", "kind", "parent", "children_count")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "code")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    fields = ("name", "name_en", "code", "kind", "parent")
    ordering = ("path",)

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(children_count=Count("children"))
        if not request.user.coordinates_everything:
            qs = qs.filter(pk__in=units_in_scope(request.user).values("pk"))
        return qs

    def get_readonly_fields(self, request, obj=None):
        user = request.user
        if (
            obj is not None
            and not user.coordinates_everything
            and obj.pk == user.coordinator_scope_id
        ):
            # The root of a coordinator's scope hangs under a unit outside it.
            return ("parent",)
        return ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # The autocomplete only offers units in scope; the field must refuse
            # any other id posted by hand too.
            kwargs["queryset"] = units_in_scope(request.user)
            if not request.user.coordinates_everything:
                kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_label(Unit, "name"), ordering="path")
    def tree_name(self, obj: Unit) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return format_html('<span style="padding-left: {}em">{}</span>', depth * 1.5, obj.name)

    @admin.display(description=_("subordinate units"), ordering="children_count")
    def children_count(self, obj: Unit) -> int:
        return obj.children_count


# --- People -----------------------------------------------------------------------


@admin.register(User)
class PersonAdmin(AuditedAdmin, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("full_name", "first_name", "last_name", "email", "language")},
        ),
        (_("Roles"), {"fields": ("is_coordinator", "coordinator_scope", "host_unit")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Personal info"), {"fields": ("full_name", "email", "language")}),
        (_("Roles"), {"fields": ("is_coordinator", "coordinator_scope", "host_unit")}),
    )
    list_display = (
        "username",
        "full_name",
        "email",
        "language",
        "is_coordinator",
        "coordinator_scope",
        "host_unit",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "is_coordinator",
        ("coordinator_scope", admin.RelatedOnlyFieldListFilter),
        ("host_unit", admin.RelatedOnlyFieldListFilter),
        "language",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    search_fields = ("username", "full_name", "first_name", "last_name", "email", "host_unit__name")
    autocomplete_fields = ("coordinator_scope", "host_unit")
    list_select_related = ("coordinator_scope", "host_unit")
    ordering = ("username",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if user.coordinates_everything:
            return qs
        if not (user.is_coordinator and user.coordinator_scope_id):
            return qs.filter(pk=user.pk)
        # A scoped coordinator manages the people of their subtree and the team
        # members who belong to no unit, but never a superuser or a coordinator
        # with a wider or different scope.
        prefix = user.coordinator_scope.path
        return qs.filter(
            Q(is_superuser=False),
            Q(host_unit__isnull=True) | Q(host_unit__path__startswith=prefix),
            Q(coordinator_scope__isnull=True, is_coordinator=False)
            | Q(coordinator_scope__path__startswith=prefix),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Granting admin access or permissions would let a coordinator widen
            # their own powers.
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("coordinator_scope", "host_unit"):
            kwargs["queryset"] = units_in_scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if request.user.coordinates_everything:
            return form_class

        class ScopedPersonForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if cleaned.get("is_coordinator") and not cleaned.get("coordinator_scope"):
                    # An empty scope means everything: wider than the editor's own.
                    self.add_error(
                        "coordinator_scope",
                        gettext("Choose a unit within your own scope for this coordinator."),
                    )
                return cleaned

        return ScopedPersonForm


# --- Outlines -------------------------------------------------------------------------

OUTLINE_IMMUTABLE_NOTE = _(
    "This version is %(status)s and can no longer change. To change the outline, "
    "select it in the outline list and choose “Start a new version”: the copy is an "
    "editable draft."
)


def _outline_note(outline: Outline) -> str:
    return str(OUTLINE_IMMUTABLE_NOTE) % {"status": str(outline.get_status_display()).lower()}


def _lock_editable_outline(outline_id: int) -> Outline:
    """Lock the outline row and refuse unless it is a draft. outline_publish locks
    the same row, so an edit can never land in a version just published."""
    outline = Outline.objects.select_for_update().get(pk=outline_id)
    outline_ensure_editable(outline)
    return outline


class OutlinePartInline(admin.TabularInline):
    """Parts of an outline: editable while the outline is a draft, read-only after."""

    extra = 0

    def outline_of(self, obj) -> Outline | None:
        return obj

    def _editable(self, obj) -> bool:
        outline = self.outline_of(obj) if obj is not None else None
        return outline is None or outline.is_editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class OutlineSectionInline(OutlinePartInline):
    model = OutlineSection
    fields = ("position", "number", "title", "title_en", "item_count")
    readonly_fields = ("item_count",)
    show_change_link = True
    ordering = ("position",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_items=Count("items"))

    @admin.display(description=_("items"))
    def item_count(self, obj: OutlineSection) -> int:
        return getattr(obj, "n_items", 0)


class OutlineMilestoneInline(OutlinePartInline):
    model = OutlineMilestone
    fields = (
        "position",
        "key",
        "title",
        "title_en",
        "offset_days",
        "offset_working_days",
        "responsible",
    )
    ordering = ("position",)


def _audit_formset(request: HttpRequest, formset, outline: Outline) -> None:
    """One audit event on the outline naming the parts that were added, changed
    or removed, recorded after formset.save()."""
    changes = {
        "model": formset.model._meta.model_name,
        "added": [str(o) for o in formset.new_objects],
        "changed": [[str(o), fields] for o, fields in formset.changed_objects],
        "deleted": [str(o) for o in formset.deleted_objects],
    }
    if changes["added"] or changes["changed"] or changes["deleted"]:
        audit_record(actor=request.user, action="update_parts", obj=outline, changes=changes)


class OutlineImportForm(forms.Form):
    file = forms.FileField(
        label=_("outline file"), help_text=_("YAML, or JSON with the same keys.")
    )
    publish = forms.BooleanField(label=_("publish at once"), required=False)


@admin.register(Outline)
class OutlineAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "version",
        "title",
        "status",
        "section_count",
        "item_count",
        "milestone_count",
        "published_at",
    )
    list_display_links = ("code", "version")
    list_filter = ("status", "code", "language")
    search_fields = ("code", "title", "title_en", "issuer")
    ordering = ("code", "-version")
    inlines = (OutlineSectionInline, OutlineMilestoneInline)
    actions = ("publish_outlines", "retire_outlines", "start_new_versions", "export_outline")
    base_readonly = (
        "status",
        "created_by",
        "created_at",
        "published_at",
        "retired_at",
        "export_link",
    )
    main_fields = ("code", "version", "language", "title", "title_en", "issuer", "references")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_sections=_count_of(OutlineSection.objects.all(), "outline"),
                n_items=_count_of(OutlineItem.objects.all(), "section__outline"),
                n_milestones=_count_of(OutlineMilestone.objects.all(), "outline"),
            )
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": self.main_fields})]
        main: dict[str, Any] = {"fields": ("status", *self.main_fields)}
        if not obj.is_editable:
            main["description"] = _outline_note(obj)
        history = ("created_by", "created_at", "published_at", "retired_at", "export_link")
        return [(None, main), (_("History"), {"fields": history})]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return (*self.base_readonly, *self.main_fields)
        return self.base_readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            _lock_editable_outline(obj.pk)
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action="update", obj=obj, changes=_form_changes(form))
            return
        # A new outline starts as an empty draft through the service (it audits);
        # the inline sections and milestones are then saved onto it.
        data = form.cleaned_data
        created = outline_create(
            actor=request.user,
            data=OutlineData(
                code=data["code"],
                version=data["version"],
                title=data["title"],
                title_en=data.get("title_en", ""),
                language=data.get("language") or "vi",
                issuer=data.get("issuer", ""),
                references=tuple(data.get("references") or ()),
                sections=(),
            ),
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        outline = _lock_editable_outline(form.instance.pk)
        formset.save()
        _audit_formset(request, formset, outline)

    def delete_model(self, request, obj):
        _lock_editable_outline(obj.pk)
        audit_record(actor=request.user, action="delete", obj=obj, changes={"name": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                _lock_editable_outline(obj.pk)
                audit_record(
                    actor=request.user, action="delete", obj=obj, changes={"name": str(obj)}
                )
            super().delete_queryset(request, queryset)

    @admin.display(description=_("sections"), ordering="n_sections")
    def section_count(self, obj: Outline) -> int:
        return obj.n_sections

    @admin.display(description=_("items"), ordering="n_items")
    def item_count(self, obj: Outline) -> int:
        return obj.n_items

    @admin.display(description=_("milestones"), ordering="n_milestones")
    def milestone_count(self, obj: Outline) -> int:
        return obj.n_milestones

    @admin.display(description=_("file"))
    def export_link(self, obj: Outline) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:checklists_outline_export", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download as YAML"))

    # Actions: each outline is reported on its own, a refusal never stops the rest.

    def _run_per_outline(
        self,
        request: HttpRequest,
        queryset: Iterable[Outline],
        service: Callable[..., Outline],
        done_message: str,
    ) -> list[Outline]:
        results = []
        for outline in queryset:
            try:
                result = service(actor=request.user, outline=outline)
            except ValidationError as exc:
                self.message_user(
                    request,
                    gettext("%(outline)s: %(reason)s")
                    % {"outline": outline, "reason": _error_text(exc)},
                    messages.ERROR,
                )
            else:
                results.append(result)
                url = reverse("admin:checklists_outline_change", args=[result.pk])
                self.message_user(
                    request,
                    format_html('<a href="{}">{}</a>: {}', url, str(result), done_message),
                    messages.SUCCESS,
                )
        return results

    @admin.action(description=_("Publish the selected drafts"), permissions=["change"])
    def publish_outlines(self, request, queryset):
        self._run_per_outline(request, queryset, outline_publish, gettext("published."))

    @admin.action(description=_("Retire the selected versions"), permissions=["change"])
    def retire_outlines(self, request, queryset):
        self._run_per_outline(request, queryset, outline_retire, gettext("retired."))

    @admin.action(
        description=_("Start a new version (an editable draft copy)"), permissions=["add"]
    )
    def start_new_versions(self, request, queryset):
        self._run_per_outline(
            request,
            queryset,
            outline_new_version,
            gettext("new draft version created; edit it, then publish it."),
        )

    @admin.action(description=_("Export as a YAML file"), permissions=["view"])
    def export_outline(self, request, queryset):
        outlines = list(queryset[:2])
        if len(outlines) != 1:
            self.message_user(
                request, gettext("Choose exactly one outline to export."), messages.WARNING
            )
            return None
        return self._export_response(outlines[0])

    # Import and export views (checklists.outline_files).

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="checklists_outline_import",
            ),
            path(
                "<int:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="checklists_outline_export",
            ),
        ]
        return own + super().get_urls()

    @property
    def change_list_template(self):
        return _string_template(OUTLINE_CHANGE_LIST)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_add_permission(request):
            extra_context["import_url"] = reverse("admin:checklists_outline_import")
            extra_context["import_label"] = gettext("Import outline file")
        return super().changelist_view(request, extra_context)

    def _export_response(self, outline: Outline) -> HttpResponse:
        text = outline_files.dump_outline(outline_data(outline), fmt="yaml")
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        filename = f"{slugify(outline.code) or 'outline'}-v{outline.version}.yaml"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def export_view(self, request, object_id: int):
        outline = self.get_object(request, str(object_id))
        if outline is None or not self.has_view_permission(request, outline):
            raise PermissionDenied
        return self._export_response(outline)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        problems: list[str] = []
        if request.method == "POST":
            form = OutlineImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    outline = outline_files.outline_import(
                        actor=request.user,
                        content=upload.read(),
                        filename=upload.name,
                        publish=form.cleaned_data["publish"],
                    )
                except ValidationError as exc:
                    problems = _import_problems(exc)
                else:
                    url = reverse("admin:checklists_outline_change", args=[outline.pk])
                    self.message_user(
                        request,
                        format_html(
                            '<a href="{}">{}</a>: {}', url, str(outline), gettext("imported.")
                        ),
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(url)
        else:
            form = OutlineImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import an outline file"),
            "form": form,
            "problems": problems,
            "problems_title": gettext("The file was refused; nothing was saved:"),
            "submit_label": gettext("Upload"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, _string_template(IMPORT_PAGE), context)


def _import_problems(exc: ValidationError) -> list[str]:
    """Every problem of a refused file, one line each, with its line and key path
    when the error carries them."""
    if hasattr(exc, "error_dict"):
        lines = []
        for key, errors in exc.message_dict.items():
            lines += [f"{key}: {message}" for message in errors]
        return lines
    return list(exc.messages)


IMPORT_PAGE = """{% extends "admin/base_site.html" %}{% load i18n %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url 'admin:checklists_outline_changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
{% if problems %}<p class="errornote">{{ problems_title }}</p>
<ul class="errorlist">{% for problem in problems %}<li>{{ problem }}</li>{% endfor %}</ul>{% endif %}
<form method="post" enctype="multipart/form-data">{% csrf_token %}
<fieldset class="module aligned">{% for field in form %}<div class="form-row">{{ field.errors }}
{{ field.label_tag }} {{ field }}{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}
</div>{% endfor %}</fieldset>
<div class="submit-row"><input type="submit" class="default" value="{{ submit_label }}"></div>
</form></div>{% endblock %}"""

OUTLINE_CHANGE_LIST = """{% extends "admin/change_list.html" %}
{% block object-tools-items %}{% if import_url %}<li><a href="{{ import_url }}" class="addlink">
{{ import_label }}</a></li>{% endif %}{{ block.super }}{% endblock %}"""


@functools.cache
def _string_template(source: str):
    """Templates kept in this module, so the admin needs no template directory."""
    return engines["django"].from_string(source)


class OutlineItemInline(OutlinePartInline):
    model = OutlineItem
    fields = ("position", "number", "text", "text_en", "answer_type")
    ordering = ("position",)

    def outline_of(self, obj: OutlineSection) -> Outline:
        return obj.outline


@admin.register(OutlineSection)
class OutlineSectionAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    """A section of an outline with its items: Django has no nested inlines, so
    the outline page links here from each section row."""

    list_display = ("__str__", "outline", "position", "item_count")
    list_filter = ("outline__status", "outline__code")
    search_fields = ("number", "title", "title_en", "outline__code")
    list_select_related = ("outline",)
    inlines = (OutlineItemInline,)
    fields = ("outline", "position", "number", "title", "title_en")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_items=Count("items"))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not obj.outline.is_editable:
            return self.fields
        return ("outline",)

    def get_fieldsets(self, request, obj=None):
        options: dict[str, Any] = {"fields": self.fields}
        if obj is not None and not obj.outline.is_editable:
            options["description"] = _outline_note(obj.outline)
        return [(None, options)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "outline":
            kwargs["queryset"] = Outline.objects.filter(status=Outline.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.outline.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.outline.is_editable:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        outline = _lock_editable_outline(obj.outline_id)
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="update_parts",
            obj=outline,
            changes={"section": str(obj), "fields": _form_changes(form)},
        )

    def save_formset(self, request, form, formset, change):
        outline = _lock_editable_outline(form.instance.outline_id)
        formset.save()
        _audit_formset(request, formset, outline)

    def delete_model(self, request, obj):
        outline = _lock_editable_outline(obj.outline_id)
        audit_record(
            actor=request.user,
            action="update_parts",
            obj=outline,
            changes={"deleted_section": str(obj)},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for section in queryset.select_related("outline"):
                self.delete_model(request, section)

    @admin.display(description=_("items"), ordering="n_items")
    def item_count(self, obj: OutlineSection) -> int:
        return obj.n_items


# --- Visits ----------------------------------------------------------------------------


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
        label=_label(WorkingSession, "location"), max_length=255, required=False
    )

    class Meta:
        model = Visit
        fields = ("outline", "host_unit", "title", "code", "decision_ref")

    def clean(self):
        cleaned = super().clean()
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
        fields = ("title", "code", "decision_ref")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.row_version


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
            and not self._should_delete_form(form)
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
        return Milestone.State(obj.state).label if obj.pk else "-"


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
        "host_unit",
        "status",
        "first_session",
        "progress",
        "overdue",
    )
    list_display_links = ("code", "title")
    list_filter = (
        "status",
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
        _transition_action(Status.CONCLUDED, "conclude", _("Conclude the selected visits")),
        _transition_action(Status.CLOSED, "close", _("Close the selected visits")),
        _transition_action(Status.CANCELLED, "cancel", _("Cancel the selected visits")),
    ]
    add_fieldsets = (
        (None, {"fields": ("outline", "host_unit", "title", "code", "decision_ref")}),
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
        (None, {"fields": ("title", "code", "decision_ref", "seen_version")}),
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
        overdue = Milestone.objects.filter(done_at__isnull=True, due_date__lt=timezone.localdate())
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

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = VisitAddForm if obj is None else VisitChangeForm
        return super().get_form(request, obj, **kwargs)

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
                actor=request.user,
                outline=data["outline"],
                host_unit=data["host_unit"],
                title=data["title"],
                code=data.get("code", ""),
                decision_ref=data.get("decision_ref", ""),
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
        if changes:
            visit_update(actor=request.user, visit=current, **changes)

    def save_formset(self, request, form, formset, change):
        # Inline rows are never saved directly: the services re-date milestones,
        # validate the team and write the audit trail.
        visit = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is WorkingSession:
            if formset.has_changed():
                visit_set_sessions(
                    actor=request.user, visit=visit, sessions=self._sessions(formset)
                )
        elif formset.model is TeamMembership:
            if formset.has_changed():
                visit_set_team(actor=request.user, visit=visit, team=self._team(formset))
        elif formset.model is Milestone:
            for milestone_form in formset.forms:
                if milestone_form.instance.pk and "due_date" in milestone_form.changed_data:
                    milestone_reschedule(
                        actor=request.user,
                        milestone=Milestone.objects.get(pk=milestone_form.instance.pk),
                        due_date=milestone_form.cleaned_data["due_date"],
                    )

    @staticmethod
    def _kept_forms(formset) -> list[forms.Form]:
        return [
            f
            for f in formset.forms
            if getattr(f, "cleaned_data", None) and not formset._should_delete_form(f)
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
                visit_transition(actor=request.user, visit=visit, to=target)
            except ValidationError as exc:
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
        return obj.overdue_count

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
            self.fields["assignee"].queryset = User.objects.filter(
                team_memberships__visit=item.visit_id
            )
        self.fields["seen_version"].initial = item.row_version

    def clean_answer(self):
        raw = self.cleaned_data.get("answer")
        if self.instance.answer_type == AnswerType.YES_NO:
            raw = {"yes": True, "no": False}.get(raw)
        try:
            return checklist_answer_clean(self.instance.answer_type, raw)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean(self):
        cleaned = super().clean()
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


class ChecklistItemAddForm(forms.ModelForm):
    """An item of the visit's own ("additional contents")."""

    class Meta:
        model = ChecklistItem
        fields = (
            "visit",
            "section_number",
            "section_title",
            "number",
            "text",
            "text_en",
            "answer_type",
            "due_date",
        )

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

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ChecklistItemAddForm if obj is None else ChecklistItemForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ChecklistItemAddForm._meta.fields})]
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
                actor=request.user,
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
            actor=request.user,
            item=item,
            expected_version=data.get("seen_version"),
            **changes,
        )

    def _set_status(self, request, queryset, status: str) -> None:
        changed = 0
        for item in queryset.select_related("visit"):
            try:
                checklist_item_update(actor=request.user, item=item, status=status)
            except (ValidationError, StaleObjectError) as exc:
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

    def clean(self):
        cleaned = super().clean()
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


class MilestoneAddForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ("visit", "key", "title", "title_en", "due_date", "responsible")


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

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = MilestoneAddForm if obj is None else MilestoneChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": MilestoneAddForm._meta.fields})]
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
                actor=request.user,
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
            milestone = milestone_reschedule(actor=request.user, milestone=milestone, due_date=None)
        elif "due_date" in form.changed_data or (
            "follow_sessions" in form.changed_data and not data["follow_sessions"]
        ):
            milestone = milestone_reschedule(
                actor=request.user, milestone=milestone, due_date=data["due_date"]
            )
        if "done" in form.changed_data:
            milestone_mark_done(actor=request.user, milestone=milestone, done=data["done"])

    def _mark(self, request, queryset, service: Callable[[Milestone], Any]) -> None:
        changed = 0
        for milestone in queryset.select_related("visit"):
            try:
                service(milestone)
            except ValidationError as exc:
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
            request, queryset, lambda m: milestone_mark_done(actor=request.user, milestone=m)
        )

    @admin.action(description=_("Mark the selected deadlines not done"), permissions=["change"])
    def reopen(self, request, queryset):
        self._mark(
            request,
            queryset,
            lambda m: milestone_mark_done(actor=request.user, milestone=m, done=False),
        )

    @admin.action(
        description=_("Let the selected deadlines follow the working sessions again"),
        permissions=["change"],
    )
    def follow_sessions(self, request, queryset):
        self._mark(
            request,
            queryset,
            lambda m: milestone_reschedule(actor=request.user, milestone=m, due_date=None),
        )

    @admin.display(description=_("state"))
    def state_display(self, obj: Milestone) -> str:
        return Milestone.State(obj.state).label


# --- Declared days --------------------------------------------------------------------


@admin.register(DayOff)
class DayOffAdmin(AuditedAdmin):
    list_display = ("date", "weekday", "kind", "name", "created_by")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("created_by",)
    fields = ("date", "kind", "name", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: DayOff) -> str:
        from django.utils.formats import date_format

        return date_format(obj.date, "l")


# --- Audit trail ----------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "visit_link",
        "short_changes",
    )
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "actor__username", "object_id")
    date_hierarchy = "at"
    fields = (
        "at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "visit_link",
        "changes_pretty",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if user.coordinates_everything:
            return qs
        # Events of the visits in scope, plus those of the shared configuration
        # every coordinator works with (outlines, declared days).
        return qs.filter(
            Q(visit_id__in=visits_coordinated_by(user).values("pk"))
            | Q(visit_id__isnull=True, object_type__in=("outline", "dayoff"))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_label(ChecklistItem, "visit"))
    def visit_link(self, obj: AuditEvent) -> str:
        if obj.visit_id is None:
            return "-"
        url = reverse("admin:checklists_visit_change", args=[obj.visit_id])
        return format_html('<a href="{}">#{}</a>', url, obj.visit_id)

    @admin.display(description=_label(AuditEvent, "changes"))
    def short_changes(self, obj: AuditEvent) -> str:
        text = json.dumps(obj.changes, ensure_ascii=False, default=str)
        return text if len(text) <= 100 else text[:99] + "…"

    @admin.display(description=_label(AuditEvent, "changes"))
    def changes_pretty(self, obj: AuditEvent) -> str:
        text = json.dumps(obj.changes, ensure_ascii=False, indent=2, default=str)
        return format_html("<pre>{}</pre>", text)
