"""Who may do what (SPEC §4), as plain functions of a person and an object.

The API's permission classes and the web pages both ask these; which rows a
person may see at all is decided by the selectors (checklists.selectors).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from checklists.models import TeamMembership, Unit, User, Visit

PLANNING_ROLES = frozenset({TeamMembership.Role.LEAD, TeamMembership.Role.DEPUTY})

# What a person is told when a VisitAccess capability is missing (API and web).
PERMISSION_MESSAGES = {
    "can_plan": _("Only a coordinator of this visit or its team lead or deputy may do this."),
    "can_manage_team": _("Only a coordinator of this visit may change its team."),
    "can_edit_checklist": _("Only the visit's team or a coordinator may change its checklist."),
    "can_mark_milestones": _("Only the visit's team or a coordinator may mark deadlines."),
    "can_upload_report": _(
        "Only the host unit's contacts or a coordinator may upload a draft report."
    ),
    "can_review": _("Only the visit's team or a coordinator may review draft reports."),
    "can_answer_comments": _("Only the host unit's contacts or a coordinator may answer comments."),
    "can_see_audit": _("Only coordinators may read the audit trail."),
}


def coordinates_unit(user: User, unit: Unit | None) -> bool:
    """True when the person coordinates the unit (it lies in their subtree)."""
    if not user.is_authenticated or not user.is_active or not user.acts_as_coordinator:
        return False
    if user.coordinates_everything:
        return True
    return unit is not None and unit.is_within(user.coordinator_scope)


def coordinates_everything(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.coordinates_everything


def is_coordinator(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.acts_as_coordinator


def manages_person(actor: User, person: User) -> bool:
    """True when the coordinator may change the person's account (e-mail, roles,
    password, deactivation): the person is attached to a unit of their subtree,
    as a host contact or a coordinator within it.

    Seeing someone is wider (checklists.selectors.users_visible_to): a scoped
    coordinator also sees the members of their visits' teams, who often belong to
    no unit, such as central inspectors. Editing those would let a province take
    over an inspector's account and, through it, other provinces' visits; they are
    managed by coordinators of everything. Everyone manages their own account
    (within what the caller allows them to change).
    """
    if actor.pk == person.pk or coordinates_everything(actor):
        return True
    if not is_coordinator(actor) or person.is_superuser:
        return False
    units = [unit for unit in (person.host_unit, person.coordinator_scope) if unit is not None]
    if person.is_coordinator and person.coordinator_scope is None:
        return False  # a coordinator of everything
    return bool(units) and all(coordinates_unit(actor, unit) for unit in units)


@dataclass(frozen=True)
class VisitAccess:
    """A person's standing towards one visit; every rule of SPEC §4's table."""

    coordinator: bool = False
    team_role: str | None = None
    host: bool = False

    @property
    def can_see(self) -> bool:
        return self.coordinator or self.team_role is not None or self.host

    @property
    def can_plan(self) -> bool:
        """Reschedule and move the visit through its states."""
        return self.coordinator or self.team_role in PLANNING_ROLES

    @property
    def can_manage_team(self) -> bool:
        return self.coordinator

    @property
    def can_edit_checklist(self) -> bool:
        return self.coordinator or self.team_role is not None

    @property
    def can_mark_milestones(self) -> bool:
        return self.coordinator or self.team_role is not None

    @property
    def can_upload_report(self) -> bool:
        return self.coordinator or self.host

    @property
    def can_review(self) -> bool:
        return self.coordinator or self.team_role is not None

    @property
    def can_answer_comments(self) -> bool:
        return self.coordinator or self.host

    @property
    def sees_internal_notes(self) -> bool:
        return self.coordinator or self.team_role is not None

    @property
    def can_see_audit(self) -> bool:
        return self.coordinator


NO_ACCESS = VisitAccess()


def visit_access(user: User, visit: Visit) -> VisitAccess:
    """The person's standing towards the visit.

    Costs at most one query (the team role), none when the visit was loaded
    through checklists.selectors.with_team_role.
    """
    if not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    coordinator = coordinates_unit(user, visit.host_unit)
    if hasattr(visit, "my_team_role"):
        team_role = visit.my_team_role
    else:
        team_role = (
            TeamMembership.objects.filter(visit_id=visit.pk, user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        )
    host = user.host_unit_id is not None and user.host_unit_id == visit.host_unit_id
    return VisitAccess(coordinator=coordinator, team_role=team_role, host=host)


def require(access: VisitAccess, capability: str) -> None:
    """Refuse what the person may not do to a visit they see: Django's
    PermissionDenied, a 403 with this message in the API and the pages alike."""
    if not getattr(access, capability):
        raise PermissionDenied(str(PERMISSION_MESSAGES[capability]))
