"""Who may do what (SPEC §4), as plain functions of a person and an object.

Services call `authorize()` (a visit) or `require_coordinator()` /
`require_manages()` (units, outlines, people) before they act for a person; an
actor of None is the system (beat, commands, migrations) and may do anything.
Which rows a person may see at all is decided by the selectors
(checklists.selectors); views only translate the refusals these raise.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from checklists.errors import NotAllowed, NotFound
from checklists.models import Milestone, Responsible, TeamMembership, Unit, User, Visit

PLANNING_ROLES = frozenset({TeamMembership.Role.LEAD, TeamMembership.Role.DEPUTY})
# Who writes the conclusion's draft (SPEC §4): the planners and the secretary.
DRAFTING_ROLES = PLANNING_ROLES | {TeamMembership.Role.SECRETARY}


class Capability(enum.Enum):
    """What a person may do to a visit they see; each value names the VisitAccess
    property that answers it. An enum, so that a typo fails at import."""

    SEE = "can_see"
    PLAN = "can_plan"
    MANAGE_TEAM = "can_manage_team"
    CLASSIFY = "can_classify"
    EDIT_CHECKLIST = "can_edit_checklist"
    MARK_MILESTONES = "can_mark_milestones"
    UPLOAD_REPORT = "can_upload_report"
    REVIEW = "can_review"
    ANSWER_COMMENTS = "can_answer_comments"
    SEE_AUDIT = "can_see_audit"
    DRAFT_CONCLUSION = "can_draft_conclusion"
    ISSUE_CONCLUSION = "can_issue_conclusion"
    WITHDRAW_CONCLUSION = "can_withdraw_conclusion"
    MANAGE_RECOMMENDATIONS = "can_manage_recommendations"
    GIVE_VERDICT = "can_give_verdict"
    CARRY_OVER = "can_carry_over"
    OVERRIDE_CLASHES = "can_override_clashes"


# What a person is told when a capability is missing (every door alike).
PERMISSION_MESSAGES = {
    Capability.SEE: _("You may not see this visit."),
    Capability.PLAN: _("Only a coordinator of this visit or its team lead or deputy may do this."),
    Capability.MANAGE_TEAM: _("Only a coordinator of this visit may change its team."),
    Capability.CLASSIFY: _("Only a coordinator of this visit may change its classification."),
    Capability.EDIT_CHECKLIST: _(
        "Only the visit's team or a coordinator may change its checklist."
    ),
    Capability.MARK_MILESTONES: _(
        "Only the visit's team, its host unit's contacts or a coordinator may mark deadlines."
    ),
    Capability.UPLOAD_REPORT: _(
        "Only the host unit's contacts or a coordinator may upload a draft report."
    ),
    Capability.REVIEW: _("Only the visit's team or a coordinator may review draft reports."),
    Capability.ANSWER_COMMENTS: _(
        "Only the host unit's contacts or a coordinator may answer comments."
    ),
    Capability.SEE_AUDIT: _("Only coordinators may read the audit trail."),
    Capability.DRAFT_CONCLUSION: _(
        "Only the team's lead, deputy or secretary or a coordinator may edit the conclusion."
    ),
    Capability.ISSUE_CONCLUSION: _(
        "Only the team's lead or deputy or a coordinator may issue the conclusion."
    ),
    Capability.WITHDRAW_CONCLUSION: _("Only a coordinator may withdraw an issued conclusion."),
    Capability.MANAGE_RECOMMENDATIONS: _(
        "Only the team's lead or deputy or a coordinator may extend or cancel a recommendation."
    ),
    Capability.GIVE_VERDICT: _(
        "Only the team's lead or deputy or a coordinator may give the verdict on an "
        "implementation report."
    ),
    Capability.CARRY_OVER: _(
        "Only a coordinator may close a visit and carry its open recommendations over."
    ),
    Capability.OVERRIDE_CLASHES: _("Only a coordinator of this visit may override its clashes."),
}

Person = User | AnonymousUser


def coordinates_unit(user: Person, unit: Unit | None) -> bool:
    """True when the person coordinates the unit (it lies in their subtree)."""
    if not user.is_authenticated or not user.is_active or not user.acts_as_coordinator:
        return False
    if user.coordinates_everything:
        return True
    if unit is None:
        return False
    # Not everything, so the scope is set (coordinates_everything covers no scope).
    scope = user.coordinator_scope
    return scope is not None and unit.is_within(scope)


def coordinates_everything(user: Person) -> bool:
    return user.is_authenticated and user.is_active and user.coordinates_everything


def is_coordinator(user: Person) -> bool:
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
    def can_classify(self) -> bool:
        """Set the visit's classification (SPEC §4: coordinators; the team: no)."""
        return self.coordinator

    @property
    def can_edit_checklist(self) -> bool:
        return self.coordinator or self.team_role is not None

    @property
    def can_mark_milestones(self) -> bool:
        """Marks some deadline of the visit: which ones, `may_mark` says."""
        return self.coordinator or self.team_role is not None or self.host

    def may_mark(self, responsible: str) -> bool:
        """Marks done, or reopens, a deadline of this responsible side (SPEC §4): a
        coordinator any; every team role the team's; the host's contacts the host's."""
        if self.coordinator:
            return True
        if responsible == Responsible.TEAM:
            return self.team_role is not None
        if responsible == Responsible.HOST:
            return self.host
        return False

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

    @property
    def sees_conclusion_drafts(self) -> bool:
        """The draft conclusion is the team's and the coordinators' (SPEC §4): host
        contacts do not know it exists until it is issued."""
        return self.coordinator or self.team_role is not None

    @property
    def can_draft_conclusion(self) -> bool:
        return self.coordinator or self.team_role in DRAFTING_ROLES

    @property
    def can_issue_conclusion(self) -> bool:
        return self.coordinator or self.team_role in PLANNING_ROLES

    @property
    def can_withdraw_conclusion(self) -> bool:
        return self.coordinator

    @property
    def can_manage_recommendations(self) -> bool:
        """Extend or cancel a recommendation."""
        return self.coordinator or self.team_role in PLANNING_ROLES

    @property
    def can_give_verdict(self) -> bool:
        """Accept or return an implementation report (SPEC §4: as extending)."""
        return self.coordinator or self.team_role in PLANNING_ROLES

    @property
    def can_carry_over(self) -> bool:
        return self.coordinator

    @property
    def can_override_clashes(self) -> bool:
        """Plan despite an error clash (SPEC §13: coordinators; anyone else 403)."""
        return self.coordinator

    def allows(self, capability: Capability) -> bool:
        return bool(getattr(self, capability.value))


NO_ACCESS = VisitAccess()


class _Unknown(enum.Enum):
    ROLE = "unknown"


def visit_access(
    user: Person, visit: Visit, *, team_role: str | _Unknown | None = _Unknown.ROLE
) -> VisitAccess:
    """The person's standing towards the visit.

    Costs at most one query (the team role), none when the visit was loaded
    through checklists.selectors.with_team_role or the caller passes the role it
    read already (`team_role`, e.g. annotated on a row of the visit's).
    """
    if not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    coordinator = coordinates_unit(user, visit.host_unit)
    role: str | None
    if not isinstance(team_role, _Unknown):
        role = team_role
    elif hasattr(visit, "my_team_role"):
        role = visit.my_team_role
    else:
        role = (
            TeamMembership.objects.filter(visit_id=visit.pk, user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        )
    host = user.host_unit_id is not None and user.host_unit_id == visit.host_unit_id
    return VisitAccess(coordinator=coordinator, team_role=role, host=host)


FULL_ACCESS = VisitAccess(coordinator=True)


def require(access: VisitAccess, capability: Capability) -> None:
    """Refuse what the person may not do to a visit: NotFound when they may not
    even see it (its existence must not leak, SPEC §4), NotAllowed otherwise."""
    if not access.can_see:
        raise NotFound(_("There is no such visit."))
    if not access.allows(capability):
        raise NotAllowed(PERMISSION_MESSAGES[capability])


def authorize(actor: Person | None, visit: Visit, capability: Capability) -> VisitAccess:
    """The service's check before it acts on a visit for a person; the system
    (actor None) may do anything. Returns the standing, for further decisions."""
    if actor is None:
        return FULL_ACCESS
    access = visit_access(actor, visit)
    require(access, capability)
    return access


# Who is told what when a deadline belongs to another side (`require_mark`).
MARK_REFUSALS = {
    Responsible.TEAM: _("Only the visit's team or a coordinator may mark this deadline."),
    Responsible.HOST: _("Only the host unit's contacts or a coordinator may mark this deadline."),
    Responsible.COORDINATOR: _("Only a coordinator may mark this deadline."),
}


def authorize_mark(actor: Person | None, milestone: Milestone) -> VisitAccess:
    """Marking a deadline done or reopening it follows its responsible side."""
    access = authorize(actor, milestone.visit, Capability.SEE)
    if not access.may_mark(milestone.responsible):
        raise NotAllowed(MARK_REFUSALS[Responsible(milestone.responsible)])
    return access


def require_coordinator(actor: Person | None, message: object, unit: Unit | None = None) -> None:
    """Refuse a person who is not a coordinator (of `unit`, when given)."""
    if actor is None:
        return
    allowed = coordinates_unit(actor, unit) if unit is not None else is_coordinator(actor)
    if not allowed:
        raise NotAllowed(message)


def require_coordinator_of_everything(actor: Person | None, message: object) -> None:
    if actor is not None and not coordinates_everything(actor):
        raise NotAllowed(message)


# --- Legal instruments (SPEC §4: add — any coordinator; edit or mark replaced —
# coordinators of everything; read — the teams and the host contacts) ----------------

LEGAL_ADD_REFUSAL = _("Only a coordinator may register a legal instrument.")
LEGAL_EDIT_REFUSAL = _(
    "Only a coordinator of everything may edit a legal instrument or mark it replaced."
)


def reads_legal_instruments(user: Person) -> bool:
    """Coordinators, host contacts and people on some visit's team read the
    registry; anyone else is not told it exists (404)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.acts_as_coordinator or user.host_unit_id is not None:
        return True
    return TeamMembership.objects.filter(user_id=user.pk).exists()


def require_legal_instruments(actor: Person | None, *, edit: bool) -> None:
    """Refuse who may not register (`edit` False) or edit (`edit` True) legal
    instruments: NotFound for those who may not read them, NotAllowed otherwise."""
    if actor is None:
        return
    if not reads_legal_instruments(actor):
        raise NotFound(_("There is no such legal instrument."))
    if edit and not coordinates_everything(actor):
        raise NotAllowed(LEGAL_EDIT_REFUSAL)
    if not edit and not is_coordinator(actor):
        raise NotAllowed(LEGAL_ADD_REFUSAL)


# --- Programmes (SPEC §4: "programmes, imports, templates, coverage": coordinators in
# scope manage and read; anyone else is not told they exist) ---------------------------
#
# Scope: a coordinator sees a programme whose issuer lies in their subtree; they manage
# it (change it, approve, close, delete it, create its visits) when every entry's host
# unit lies there too, since its visits are planned in those units. A province's
# coordinator therefore reads the programme their province issues even when a
# coordinator of everything added an entry elsewhere, but changes it no more.

PROGRAMME_MANAGE_REFUSAL = _(
    "Only a coordinator of the programme's issuer and of every host unit in it may do this."
)


def sees_programme(user: Person, issuer: Unit) -> bool:
    """True when the person may read a programme of this issuer."""
    return coordinates_unit(user, issuer)


def authorize_programme(
    actor: Person | None, *, issuer: Unit, host_units: Iterable[Unit] = (), manage: bool = True
) -> None:
    """Refuse who may not read (`manage` False) or manage a programme: NotFound for
    those who may not see it (its existence must not leak), NotAllowed for a
    coordinator of the issuer with a host unit outside their subtree."""
    if actor is None:
        return
    if not sees_programme(actor, issuer):
        raise NotFound(_("There is no such programme."))
    if manage and not all(coordinates_unit(actor, unit) for unit in host_units):
        raise NotAllowed(PROGRAMME_MANAGE_REFUSAL)


# --- Outgoing registers (SPEC §12: a coordinator sets the next number of their units'
# registers, only upward; like the programmes, they are not told of other units') --------

REGISTER_REFUSAL = _("Only a coordinator of the issuing unit may set its outgoing register.")


def authorize_register(actor: Person | None, unit: Unit, *, existing: bool) -> None:
    """Refuse who may not set a register of `unit`: an existing register outside the
    person's scope does not exist for them (NotFound); a new one for a unit outside
    it is a capability they lack (NotAllowed), as for visits and programmes."""
    if actor is None or coordinates_unit(actor, unit):
        return
    if existing:
        raise NotFound(_("There is no such register."))
    raise NotAllowed(REGISTER_REFUSAL)


# --- A unit's own document templates (SPEC §4 "templates": coordinators in scope
# manage and read; like the registers, other units' do not exist for them) ------------

TEMPLATE_REFUSAL = _("Only a coordinator of the issuing unit may manage its document templates.")


def authorize_document_template(actor: Person | None, unit: Unit, *, existing: bool) -> None:
    """Refuse who may not manage the templates of `unit`: an existing template
    outside the person's scope does not exist for them (NotFound); uploading one
    for a unit outside it is a capability they lack (NotAllowed)."""
    if actor is None or coordinates_unit(actor, unit):
        return
    if existing:
        raise NotFound(_("There is no such document template."))
    raise NotAllowed(TEMPLATE_REFUSAL)
