"""The dated obligations the reminder pass follows (SPEC §8, §11): milestones and
recommendations' deadlines. The pass (checklists.services.reminder_dispatch) is
one loop over both; what differs per kind is said here once: which rows are
due, whether one is still worth reminding, and who is reminded.

- A milestone: while not done and its visit is neither cancelled nor closed; its
  responsible side (host contacts, the team, or the coordinators in scope);
  escalation to the coordinators in scope (not when they are the side reminded).
- A recommendation: while open or reported, whatever its visit's status (a
  carried-over one is still followed); those who report on it, the addressee
  unit's contacts, or the host unit's when the addressee has none; escalation to
  the coordinators in scope of the visit's host unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import ClassVar, Generic, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

from checklists.models import Milestone, Recommendation, TeamMembership, User
from checklists.models.outlines import Responsible

Row = TypeVar("Row", Milestone, Recommendation)

# What the pass reads of each kind: the plan, who is reminded, the wording.
MILESTONE_FIELDS = (
    "id", "key", "title", "title_en", "due_date", "responsible", "done_at",
    "next_reminder_at", "visit__id", "visit__code", "visit__title", "visit__status",
    "visit__host_unit__id", "visit__host_unit__path", "visit__host_unit__name",
    "visit__host_unit__name_en",
)  # fmt: skip
RECOMMENDATION_FIELDS = (
    "id", "code", "text", "due_date", "state", "addressee_id", "next_reminder_at",
    "visit__id", "visit__code", "visit__title", "visit__status", "visit__host_unit__id",
    "visit__host_unit__path",
)  # fmt: skip


def _coordinators() -> list[tuple[int, str | None]]:
    # Coordinators are few; every obligation may escalate, so always loaded.
    # Superusers act as coordinators of everything but are told only if they are
    # coordinators too, so an administrator's inbox is not every deadline's.
    return list(
        User.objects.filter(is_active=True, is_coordinator=True).values_list(
            "id", "coordinator_scope__path"
        )
    )


def _in_scope(coordinators: list[tuple[int, str | None]], path: str) -> list[int]:
    return [uid for uid, scope in coordinators if scope is None or path.startswith(scope)]


def _locked(queryset: QuerySet) -> QuerySet:
    if connection.features.has_select_for_update_skip_locked:
        # Lock only the obligations: visits and units are read, not changed. A
        # second pass running at once skips them and takes others.
        return queryset.select_for_update(skip_locked=True, of=("self",))
    # On SQLite the transaction itself is the lock (BEGIN IMMEDIATE, settings.py).
    return queryset


class Recipients:
    """Who is reminded, for a batch of milestones, in at most three queries."""

    def __init__(self, milestones: list[Milestone]) -> None:
        sides = {m.responsible for m in milestones}
        visit_ids = {m.visit_id for m in milestones}
        unit_ids = {m.visit.host_unit_id for m in milestones}
        self.team: dict[int, list[int]] = defaultdict(list)
        self.hosts: dict[int, list[int]] = defaultdict(list)
        if Responsible.TEAM in sides:
            for visit_id, user_id in TeamMembership.objects.filter(
                visit_id__in=visit_ids, user__is_active=True
            ).values_list("visit_id", "user_id"):
                self.team[visit_id].append(user_id)
        if Responsible.HOST in sides:
            for unit_id, user_id in User.objects.filter(
                host_unit_id__in=unit_ids, is_active=True
            ).values_list("host_unit_id", "id"):
                self.hosts[unit_id].append(user_id)
        self.coordinators = _coordinators()

    def in_scope(self, milestone: Milestone) -> list[int]:
        return _in_scope(self.coordinators, milestone.visit.host_unit.path)

    def responsible(self, milestone: Milestone) -> list[int]:
        if milestone.responsible == Responsible.HOST:
            return list(self.hosts.get(milestone.visit.host_unit_id, ()))
        if milestone.responsible == Responsible.TEAM:
            return list(self.team.get(milestone.visit_id, ()))
        return self.in_scope(milestone)

    def escalation(self, milestone: Milestone) -> list[int]:
        # Coordinators already reminded daily as the responsible side need no more.
        if milestone.responsible == Responsible.COORDINATOR:
            return []
        return self.in_scope(milestone)


class RecommendationRecipients:
    """Who is reminded of a batch of recommendations, in two queries."""

    def __init__(self, recommendations: list[Recommendation]) -> None:
        units = {r.addressee_id for r in recommendations}
        units |= {r.visit.host_unit_id for r in recommendations}
        self.contacts: dict[int, list[int]] = defaultdict(list)
        for unit_id, user_id in (
            User.objects.filter(host_unit_id__in=units, is_active=True)
            .order_by("id")
            .values_list("host_unit_id", "id")
        ):
            self.contacts[unit_id].append(user_id)
        self.coordinators = _coordinators()

    def responsible(self, recommendation: Recommendation) -> list[int]:
        # Those who report on it (SPEC §4): the addressee's contacts, else the host's.
        own = self.contacts.get(recommendation.addressee_id)
        return list(own or self.contacts.get(recommendation.visit.host_unit_id) or ())

    def escalation(self, recommendation: Recommendation) -> list[int]:
        return _in_scope(self.coordinators, recommendation.visit.host_unit.path)


class Obligations(Generic[Row]):
    """One kind of dated obligation, as the pass sees it."""

    # The Reminder's (and the Notification's) foreign key to this kind.
    field: ClassVar[str]
    model: ClassVar[type[Model]]

    def any_due(self, now: dt.datetime) -> bool:
        # The common case, nothing due, costs one index probe (the partial index
        # on next_reminder_at; `<=` implies NOT NULL, so the planner uses it).
        return self.model._default_manager.filter(next_reminder_at__lte=now).exists()

    def due(self, now: dt.datetime, limit: int) -> list[Row]:
        raise NotImplementedError

    def live(self, row: Row) -> bool:
        raise NotImplementedError

    def recipients(self, rows: list[Row]) -> Recipients | RecommendationRecipients:
        raise NotImplementedError


class MilestoneObligations(Obligations[Milestone]):
    field = "milestone"
    model = Milestone

    def due(self, now: dt.datetime, limit: int) -> list[Milestone]:
        queryset = (
            Milestone.objects.filter(next_reminder_at__lte=now)
            .select_related("visit__host_unit")
            .only(*MILESTONE_FIELDS)
            .order_by("next_reminder_at", "id")
        )
        return list(_locked(queryset)[:limit])

    def live(self, row: Milestone) -> bool:
        return row.done_at is None and row.visit.is_active

    def recipients(self, rows: list[Milestone]) -> Recipients:
        return Recipients(rows)


class RecommendationObligations(Obligations[Recommendation]):
    field = "recommendation"
    model = Recommendation

    def due(self, now: dt.datetime, limit: int) -> list[Recommendation]:
        queryset = (
            Recommendation.objects.filter(next_reminder_at__lte=now)
            .select_related("visit__host_unit")
            .only(*RECOMMENDATION_FIELDS)
            .order_by("next_reminder_at", "id")
        )
        return list(_locked(queryset)[:limit])

    def live(self, row: Recommendation) -> bool:
        # Whatever the visit's status: carried-over ones are still followed.
        return row.state in Recommendation.PENDING_STATES and row.due_date is not None

    def recipients(self, rows: list[Recommendation]) -> RecommendationRecipients:
        return RecommendationRecipients(rows)


MILESTONES = MilestoneObligations()
RECOMMENDATIONS = RecommendationObligations()
# The order the pass takes them in; both in each pass.
OBLIGATIONS: tuple[Obligations, ...] = (MILESTONES, RECOMMENDATIONS)
