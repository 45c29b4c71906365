"""Reminders in the API: one's own in-app notifications, and a milestone's log."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import BooleanFilter, FilterSet
from api.serializers_reminders import NotificationSerializer, ReminderSerializer
from checklists.models import Notification, Reminder
from checklists.selectors.reminders import (
    milestone_reminders_for,
    recommendation_reminders_for,
)
from checklists.services.notifications import notification_mark_read


class NotificationFilter(FilterSet):
    unread = BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("only those not read yet")
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind", "visit", "milestone", "recommendation"]


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The person's own in-app notifications, newest first; nobody sees another's."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        # Served by notification_inbox_idx (recipient, -created_at).
        return Notification.objects.filter(recipient_id=self.request.user.pk)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark the notification read (again: a no-op; the first time is kept)."""
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        notification_mark_read(actor=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)


class ReminderFilter(FilterSet):
    state = filters.MultipleChoiceFilter(choices=Reminder.State.choices)

    class Meta:
        model = Reminder
        fields = ["state", "recipient"]


class MilestoneRemindersView(generics.ListAPIView):
    """The reminder log of one milestone. Who reads which rows is the selector's
    decision (checklists.selectors.reminders.milestone_reminders_for)."""

    serializer_class = ReminderSerializer
    filterset_class = ReminderFilter
    ordering_fields = ["id", "sent_at", "due_at"]
    ordering = ["-due_at", "-id"]

    def get_queryset(self) -> QuerySet[Reminder]:
        if getattr(self, "swagger_fake_view", False):
            return Reminder.objects.none()
        return milestone_reminders_for(self.request.user, self.kwargs["milestone_pk"])


class RecommendationRemindersView(MilestoneRemindersView):
    """The reminder log of one recommendation's deadline, in the shape of a
    milestone's. Who reads which rows is the selector's decision
    (checklists.selectors.reminders.recommendation_reminders_for)."""

    def get_queryset(self) -> QuerySet[Reminder]:
        if getattr(self, "swagger_fake_view", False):
            return Reminder.objects.none()
        return recommendation_reminders_for(self.request.user, self.kwargs["recommendation_pk"])
