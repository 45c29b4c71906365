"""Declared days off and make-up working days, and the audit trail (read-only)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from checklists.admin.common import ServiceErrorsMixin, _label
from checklists.models import AuditEvent, ChecklistItem, DayOff
from checklists.selectors import visits_coordinated_by
from checklists.services.days_off import day_off_declare, day_off_remove

# --- Declared days --------------------------------------------------------------------


@admin.register(DayOff)
class DayOffAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    """Declaring, changing or removing a day goes through the services, which
    re-date the deadlines counted in working days across it."""

    list_display = ("date", "weekday", "kind", "name", "created_by")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("created_by",)
    fields = ("date", "kind", "name", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        if change and "date" in form.changed_data:
            # The service knows a declared day by its date: moving one removes the
            # old date and declares the new one, re-dating deadlines across both.
            day_off_remove(actor=request.user, day=DayOff.objects.get(pk=obj.pk))
        data = form.cleaned_data
        day = day_off_declare(
            actor=request.user, date=data["date"], name=data["name"], kind=data["kind"]
        )
        obj.pk = day.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def delete_model(self, request, obj):
        day_off_remove(actor=request.user, day=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for day in queryset:
                day_off_remove(actor=request.user, day=day)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: DayOff) -> str:
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
