"""Reads of reminders that depend on who asks (SPEC §5, §8, §11)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from checklists.errors import NotFound
from checklists.models import Milestone, Reminder, User
from checklists.policies import Person, visit_access
from checklists.selectors import visits_visible_to
from checklists.selectors.conclusions import recommendations_visible_to


def milestone_reminders_for(user: Person, milestone_id: int) -> QuerySet[Reminder]:
    """The reminder log of one milestone, as the person may read it.

    Whoever sees the milestone's visit reads it (others: NotFound, so that its
    existence does not leak). Coordinators in scope and the visit's team read every
    recipient's reminders; a host contact reads only their own, because the log
    otherwise lists who else is being chased.
    """
    if not isinstance(user, User):  # signed out: sees no visit
        raise NotFound(_("There is no such deadline."))
    milestone = (
        Milestone.objects.filter(visit__in=visits_visible_to(user).values("pk"))
        .select_related("visit__host_unit")
        .only("id", "visit__id", "visit__host_unit__id", "visit__host_unit__path")
        .filter(pk=milestone_id)
        .first()
    )
    if milestone is None:
        raise NotFound(_("There is no such deadline."))
    reminders = Reminder.objects.filter(milestone=milestone)
    access = visit_access(user, milestone.visit)
    if not (access.coordinator or access.team_role is not None):
        reminders = reminders.filter(recipient_id=user.pk)
    return reminders


def recommendation_reminders_for(user: Person, recommendation_id: int) -> QuerySet[Reminder]:
    """The reminder log of one recommendation, as the person may read it.

    Whoever sees the recommendation reads it (others, a host contact asking about
    a draft included: NotFound). Coordinators in scope and the visit's team read
    every recipient's reminders; the contacts of the host or addressee unit only
    their own, as for a milestone.
    """
    recommendation = recommendations_visible_to(user).filter(pk=recommendation_id).first()
    if recommendation is None or not isinstance(user, User):
        raise NotFound(_("There is no such recommendation."))
    reminders = Reminder.objects.filter(recommendation=recommendation)
    access = visit_access(user, recommendation.visit)
    if not (access.coordinator or access.team_role is not None):
        reminders = reminders.filter(recipient_id=user.pk)
    return reminders
