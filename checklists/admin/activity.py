"""Reminders, notifications and draft-report revisions: what the system did, read-only,
with the one action a coordinator needs (retry failed reminders)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checklists.admin.checklist import _scope_to_visits
from checklists.admin.common import REFUSALS, _error_text
from checklists.models import Notification, Reminder, ReportRevision
from checklists.services.reminder_delivery import reminder_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = (
        "due_at",
        "milestone",
        "recommendation",
        "recipient",
        "offset",
        "state",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("state", "offset")
    search_fields = (
        "milestone__visit__code",
        "milestone__title",
        "recommendation__visit__code",
        "recommendation__code",
        "recipient__username",
    )
    date_hierarchy = "due_at"
    list_select_related = ("milestone__visit", "recommendation__visit", "recipient")
    readonly_fields = (
        "milestone",
        "recommendation",
        "recipient",
        "offset",
        "due_at",
        "state",
        "lease_until",
        "attempts",
        "sent_at",
        "last_error",
        "message_id",
        "created_at",
    )
    fields = readonly_fields
    actions = ["retry_failed"]

    def get_queryset(self, request):
        # A reminder is about a milestone or a recommendation: in scope through
        # either one's visit (an id-IN subquery each, so no row comes twice).
        queryset = super().get_queryset(request)
        return _scope_to_visits(queryset, request, "milestone__visit") | _scope_to_visits(
            queryset, request, "recommendation__visit"
        )

    @admin.action(description=_("Retry the selected failed reminders"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        # The service decides who may retry; its refusal is shown as a message. One
        # transaction, so a refusal half-way retries none of the selection.
        try:
            with transaction.atomic():
                retried = sum(
                    reminder_retry(actor=request.user, reminder=r)
                    for r in queryset.select_related(
                        "milestone__visit__host_unit", "recommendation__visit__host_unit"
                    )
                )
        except REFUSALS as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d reminder will be tried again at the next pass.",
                "%(count)d reminders will be tried again at the next pass.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "recipient__username")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    fields = (
        "recipient",
        "title",
        "body",
        "milestone",
        "recommendation",
        "visit",
        "reminder",
        "created_at",
        "read_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return _scope_to_visits(super().get_queryset(request), request, "visit")


@admin.register(ReportRevision)
class ReportRevisionAdmin(ReadOnlyAdmin):
    list_display = (
        "visit",
        "number",
        "original_name",
        "size",
        "state",
        "text_status",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("state", "text_status")
    search_fields = ("visit__code", "visit__title", "original_name", "sha256")
    date_hierarchy = "uploaded_at"
    list_select_related = ("visit", "uploaded_by")
    # The file itself is downloaded through the API, which audits every download.
    fields = (
        "visit",
        "number",
        "original_name",
        "size",
        "sha256",
        "content_type",
        "uploaded_by",
        "uploaded_at",
        "state",
        "text_status",
        "text_error",
        "text_extracted_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return _scope_to_visits(super().get_queryset(request), request, "visit")
