"""Programmes in the back office: read-only lists of what the API and the pages
plan (SPEC §13), narrowed to the coordinator's scope; approving and closing go
through the services, like every write."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from checklists.admin.common import REFUSALS, ServiceErrorsMixin, _error_text
from checklists.models import Programme, ProgrammeEntry
from checklists.selectors.programmes import programmes_visible_to
from checklists.services.programmes import programme_approve, programme_close

ENTRY_FIELDS = (
    "host_unit",
    "lead",
    "deputy",
    "secretary",
    "members",
    "window_start",
    "window_end",
    "visit",
)


class ProgrammeEntryInline(admin.TabularInline):
    model = ProgrammeEntry
    fields = ENTRY_FIELDS
    readonly_fields = ENTRY_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, service, done: object) -> None:
    """One service call per selected programme, all or nothing."""
    try:
        with transaction.atomic():
            for programme in queryset:
                service(actor=request.user, programme=programme)
    except REFUSALS as exc:
        modeladmin.message_user(request, _error_text(exc), messages.ERROR)
        return
    modeladmin.message_user(request, str(done), messages.SUCCESS)


@admin.register(Programme)
class ProgrammeAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("code", "title", "issuer", "year", "status", "outline")
    list_filter = ("status", "year")
    search_fields = ("code", "title", "decision_ref")
    list_select_related = ("issuer", "outline")
    inlines = (ProgrammeEntryInline,)
    actions = ("approve", "close")
    readonly_fields = (
        "code",
        "title",
        "issuer",
        "year",
        "outline",
        "decision_ref",
        "decision_instrument",
        "legal_basis",
        "status",
        "created_by",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=programmes_visible_to(request.user).values("pk"))
        )

    def has_add_permission(self, request):
        # Programmes are planned with their entries: the API and the pages do that.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve the selected draft programmes"))
    def approve(self, request, queryset):
        _run(self, request, queryset, programme_approve, _("Approved."))

    @admin.action(description=_("Close the selected approved programmes"))
    def close(self, request, queryset):
        _run(self, request, queryset, programme_close, _("Closed."))
