"""Serializers of the reminders' API: in-app notifications and the reminder log
(fields exactly as SPEC §5)."""

from __future__ import annotations

from rest_framework import serializers

from checklists.models import Notification, Reminder


class NotificationSerializer(serializers.ModelSerializer):
    url = serializers.CharField(
        source="link",
        read_only=True,
        help_text="The page that shows what happened (relative to the site): the draft "
        "report's revision, a recommendation's page for its deadline reminder, or the "
        "visit of a milestone's reminder; empty when none.",
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "milestone",
            "recommendation",
            "visit",
            "url",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class ReminderSerializer(serializers.ModelSerializer):
    offset = serializers.CharField(
        read_only=True, help_text="-7d, -3d, -1d, 0d, +1d … +7d, or escalation."
    )

    class Meta:
        model = Reminder
        # `last_error`: why a failed reminder was not sent (or why the last try
        # failed), so that a coordinator can fix the address or the text.
        fields = [
            "id",
            "milestone",
            "recommendation",
            "recipient",
            "offset",
            "state",
            "sent_at",
            "attempts",
            "last_error",
        ]
        read_only_fields = fields
