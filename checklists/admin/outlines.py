"""Outlines and their sections: drafts are edited here, published versions are
read-only, and whole outlines are imported and exported as files."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checklists.admin.common import (
    REFUSALS,
    ServiceErrorsMixin,
    _count_of,
    _error_text,
    _form_changes,
)
from checklists.errors import refusal_messages
from checklists.models import Outline, OutlineItem, OutlineMilestone, OutlineSection
from checklists.outline_files import dump_outline
from checklists.selectors.outlines import outline_data
from checklists.services.audit import audit_record
from checklists.services.outlines import (
    OutlineData,
    outline_create,
    outline_delete,
    outline_edit_lock,
    outline_import,
    outline_new_version,
    outline_publish,
    outline_retire,
)

OUTLINE_IMMUTABLE_NOTE = _(
    "This version is %(status)s and can no longer change. To change the outline, "
    "select it in the outline list and choose “Start a new version”: the copy is an "
    "editable draft."
)


def _outline_note(outline: Outline) -> str:
    return str(OUTLINE_IMMUTABLE_NOTE) % {"status": str(outline.get_status_display()).lower()}


def _lock_editable_outline(request: HttpRequest, outline_id: int) -> Outline:
    """The draft locked for this request's edit, through the service that decides
    who may edit it (checklists.services.outlines.outline_edit_lock)."""
    return outline_edit_lock(actor=request.user, outline_id=outline_id)


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
            _lock_editable_outline(request, obj.pk)
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
        outline = _lock_editable_outline(request, form.instance.pk)
        formset.save()
        _audit_formset(request, formset, outline)

    def delete_model(self, request, obj):
        outline_delete(actor=request.user, outline=_lock_editable_outline(request, obj.pk))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                outline_delete(actor=request.user, outline=_lock_editable_outline(request, obj.pk))

    @admin.display(description=_("sections"), ordering="n_sections")
    def section_count(self, obj: Outline) -> int:
        return getattr(obj, "n_sections", 0)

    @admin.display(description=_("items"), ordering="n_items")
    def item_count(self, obj: Outline) -> int:
        return getattr(obj, "n_items", 0)

    @admin.display(description=_("milestones"), ordering="n_milestones")
    def milestone_count(self, obj: Outline) -> int:
        return getattr(obj, "n_milestones", 0)

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
            except REFUSALS as exc:
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

    # A Template object, not a name: TemplateResponse renders it as it is.
    @property
    def change_list_template(self) -> Any:  # type: ignore[override]
        return _string_template(OUTLINE_CHANGE_LIST)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_add_permission(request):
            extra_context["import_url"] = reverse("admin:checklists_outline_import")
            extra_context["import_label"] = gettext("Import outline file")
        return super().changelist_view(request, extra_context)

    def _export_response(self, outline: Outline) -> HttpResponse:
        text = dump_outline(outline_data(outline), fmt="yaml")
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
                    outline = outline_import(
                        actor=request.user,
                        content=upload.read(),
                        filename=upload.name,
                        publish=form.cleaned_data["publish"],
                    )
                except REFUSALS as exc:
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


def _import_problems(exc: Exception) -> list[str]:
    """Every problem of a refused file, one line each, with its line and key path
    when the error carries them."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        lines = []
        for key, errors in exc.message_dict.items():
            lines += [f"{key}: {message}" for message in errors]
        return lines
    return refusal_messages(exc)


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
        outline = _lock_editable_outline(request, obj.outline_id)
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="update_parts",
            obj=outline,
            changes={"section": str(obj), "fields": _form_changes(form)},
        )

    def save_formset(self, request, form, formset, change):
        outline = _lock_editable_outline(request, form.instance.outline_id)
        formset.save()
        _audit_formset(request, formset, outline)

    def delete_model(self, request, obj):
        outline = _lock_editable_outline(request, obj.outline_id)
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
        return getattr(obj, "n_items", 0)
