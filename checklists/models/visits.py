from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.classification import Classification, classification_mark
from checklists.validators import one_line

from .legal import LegalInstrument
from .outlines import AnswerType, Outline, OutlineItem, OutlineMilestone, Responsible
from .people import Unit

# "Plan this milestone's reminders at the next pass" (see Milestone.next_reminder_at).
REMINDER_REPLAN_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class Visit(models.Model):
    """An inspection visit of one team to one host unit, built from one outline version."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ANNOUNCED = "announced", _("Announced")
        IN_PROGRESS = "in_progress", _("In progress")
        REPORTING = "reporting", _("Reporting")
        CONCLUDED = "concluded", _("Concluded")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    # A visit that is over: nothing more is planned, reminded or counted as due
    # for it (the dashboard, the reminder pass and re-dating all read this).
    FINISHED_STATUSES = (Status.CLOSED, Status.CANCELLED)

    Classification = Classification

    code = models.CharField(_("code"), max_length=64, blank=True, validators=[one_line])
    title = models.CharField(_("title"), max_length=500, validators=[one_line])
    outline = models.ForeignKey(
        Outline, verbose_name=_("outline"), on_delete=models.PROTECT, related_name="visits"
    )
    host_unit = models.ForeignKey(
        Unit, verbose_name=_("host unit"), on_delete=models.PROTECT, related_name="visits"
    )
    # The unit that issues the visit's documents and numbers them in its outgoing
    # register (checklists.services.visits.visit_issuer). Set by visit_create; null
    # only for rows written around the services (bulk seeding).
    issuer = models.ForeignKey(
        Unit,
        verbose_name=_("issuer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_visits",
    )
    # The programme whose entry this visit was made from (SPEC §13), if any: set by
    # checklists.services.programmes.programme_create_visits, never changed after.
    programme = models.ForeignKey(
        "checklists.Programme",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    decision_ref = models.CharField(
        _("inspection decision"), max_length=255, blank=True, validators=[one_line]
    )
    # The registered instrument `decision_ref` cites, when it reads as a citation
    # (checklists.services.legal_instruments.legal_instrument_for_reference).
    decision_instrument = models.ForeignKey(
        LegalInstrument,
        verbose_name=_("inspection decision (registered)"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="decided_visits",
    )
    # Set by coordinators only (checklists.services.visits.visit_classify); it marks
    # the visit everywhere it is shown but never changes who may see it (SPEC §14).
    classification = models.CharField(
        _("classification"),
        max_length=16,
        choices=Classification.choices,
        default=Classification.NONE,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Bumped by every change made through the services; the API's ETag.
    row_version = models.PositiveIntegerField(default=1, editable=False)
    # Denormalised window (SPEC §13): the first working session's start and the last
    # one's end, kept by the services whenever the sessions change
    # (checklists.services.visits.visit_window_refresh). The clash check
    # (checklists.clashes) compares windows as ranges over these two columns; on
    # PostgreSQL a GiST index on tstzrange(window_start, window_end) serves it
    # (migration 0014). Null only before the first sessions are written.
    window_start = models.DateTimeField(_("window start"), null=True, blank=True, editable=False)
    window_end = models.DateTimeField(_("window end"), null=True, blank=True, editable=False)
    # The clashes (checklists.clashes.Clash) that the service which just wrote this
    # visit found and let pass: on the instance only, never stored.
    clashes: list[Any]

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="visit_code_unique_when_set"
            ),
        ]
        indexes = [
            models.Index(fields=["host_unit", "status"], name="visit_host_status_idx"),
            # The lists' default order (newest first).
            models.Index(fields=["-created_at", "-id"], name="visit_created_idx"),
            # The clash check's fallback where ranges have no index (SQLite):
            # window_start < candidate end AND candidate start < window_end.
            models.Index(fields=["window_start", "window_end"], name="visit_window_idx"),
        ]

    def __str__(self) -> str:
        return self.code or self.title

    @property
    def is_active(self) -> bool:
        return self.status not in self.FINISHED_STATUSES

    @property
    def classification_mark(self) -> str:
        """The official mark ("MẬT", "TỐI MẬT", "TUYỆT MẬT"), "" when not classified."""
        return classification_mark(self.classification)


class WorkingSession(models.Model):
    """A working session (buổi làm việc) of the team at the host unit."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="sessions"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    location = models.CharField(_("location"), max_length=255, blank=True, validators=[one_line])
    # iCalendar SEQUENCE: grows each time the session moves.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working session")
        verbose_name_plural = _("working sessions")
        # By the column, not "visit": ordering by a relation joins the visit table.
        ordering = ["visit_id", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="session_ends_after_start",
                violation_error_message=_("A working session must end after it starts."),
            ),
        ]
        # Calendar queries select sessions by time window.
        indexes = [models.Index(fields=["start"], name="session_start_idx")]

    def __str__(self) -> str:
        return f"{self.visit} @ {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class TeamMembership(models.Model):
    """A person's role in one visit's inspection team."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Team lead")
        DEPUTY = "deputy", _("Deputy lead")
        MEMBER = "member", _("Member")
        SECRETARY = "secretary", _("Secretary")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="team_memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team")
        ordering = ["visit_id", "role", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "user"], name="team_one_role_per_person"),
            models.UniqueConstraint(
                fields=["visit"], condition=Q(role="lead"), name="team_one_lead_per_visit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def can_plan(self) -> bool:
        """Leads and deputies may reschedule and move the visit through its states."""
        return self.role in (self.Role.LEAD, self.Role.DEPUTY)


class ChecklistItem(models.Model):
    """One line of a visit's checklist, copied from the outline or the visit's own."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    class Origin(models.TextChoices):
        OUTLINE = "outline", _("Outline")
        VISIT = "visit", _("Visit's own")

    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.CASCADE,
        related_name="checklist",
        # item_visit_order_idx starts with visit and serves every lookup by visit.
        db_index=False,
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    outline_item = models.ForeignKey(
        OutlineItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    section_number = models.CharField(_("section number"), max_length=32, validators=[one_line])
    section_title = models.CharField(_("section title"), max_length=500, validators=[one_line])
    section_title_en = models.CharField(
        _("section title in English"), max_length=500, blank=True, validators=[one_line]
    )
    section_position = models.PositiveIntegerField(default=0)
    number = models.CharField(_("number"), max_length=32, validators=[one_line])
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("text"))
    text_en = models.TextField(_("text in English"), blank=True)
    answer_type = models.CharField(
        _("answer type"), max_length=16, choices=AnswerType.choices, default=AnswerType.TEXT
    )
    # Typed by answer_type: a string, a number or a boolean (null = not answered).
    answer = models.JSONField(_("answer"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_items",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    finding = models.TextField(_("finding"), blank=True)
    # Never shown to host contacts (SPEC §4).
    internal_note = models.TextField(_("internal note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["visit_id", "section_position", "position", "id"]
        indexes = [
            models.Index(
                fields=["visit", "section_position", "position"], name="item_visit_order_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section_number}.{self.number} {self.text[:60]}"

    @property
    def is_settled(self) -> bool:
        """Counted as finished in the visit's progress."""
        return self.status in (self.Status.DONE, self.Status.NOT_APPLICABLE)


class Milestone(models.Model):
    """A dated deadline of a visit."""

    class State(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        DONE = "done", _("Done")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="milestones"
    )
    outline_milestone = models.ForeignKey(
        OutlineMilestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.SlugField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=500, validators=[one_line])
    title_en = models.CharField(
        _("title in English"), max_length=500, blank=True, validators=[one_line]
    )
    due_date = models.DateField(_("due date"))
    responsible = models.CharField(_("responsible"), max_length=16, choices=Responsible.choices)
    # The outline's offsets, kept so that moving the first session can re-date it.
    offset_days = models.IntegerField(null=True, blank=True)
    offset_working_days = models.IntegerField(null=True, blank=True)
    # Set when someone chose the date; such a milestone no longer follows the sessions.
    dated_by_hand = models.BooleanField(_("dated by hand"), default=False)
    # The day off a deadline counted in calendar days landed on, before it moved to
    # a working day (checklists.workdays.WorkCalendar.dated); None when it did not move.
    rolled_from = models.DateField(_("moved from"), null=True, blank=True, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # iCalendar SEQUENCE: grows each time the due date moves.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Denormalised for the reminder pass (like healthchecks' Check.alert_after): the
    # next instant a reminder of this milestone falls due; null when none will.
    # New and re-planned milestones carry REMINDER_REPLAN_AT, a past instant that
    # means "plan me at the next pass" (checklists.services.reminder_planning).
    next_reminder_at = models.DateTimeField(
        _("next reminder at"), null=True, blank=True, default=REMINDER_REPLAN_AT, editable=False
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "key"], name="milestone_key_unique_per_visit"),
        ]
        indexes = [
            models.Index(fields=["due_date"], name="milestone_due_idx"),
            # Used by the overdue/"my deadlines" queries and the reminder pass:
            # they only ever look at milestones nobody has met yet.
            models.Index(
                fields=["due_date"],
                condition=Q(done_at__isnull=True),
                name="milestone_open_due_idx",
            ),
            # A visit's overdue and due-soon counts (visits_with_deadline_counts),
            # which the overview sorts every visit in scope by: an index-only scan
            # of the visit's open deadlines rather than all twenty of its milestones.
            models.Index(
                fields=["visit", "due_date"],
                condition=Q(done_at__isnull=True),
                name="milestone_open_visit_due_idx",
            ),
            # The reminder pass's poll: `next_reminder_at <= now` (most rows are null
            # once planned, so the partial index stays small).
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(next_reminder_at__isnull=False),
                name="milestone_next_reminder_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.due_date})"

    # The states of SPEC §3, derived from today's date. The rule lives here twice
    # over, side by side: for one row (state_on) and as a filter (state_condition),
    # both cut at due_soon_until().

    @staticmethod
    def due_soon_until(today: dt.date) -> dt.date:
        """The last due date that is "due soon" today (later ones are upcoming)."""
        return today + dt.timedelta(days=settings.MILESTONE_DUE_SOON_DAYS)

    def state_on(self, today: dt.date) -> str:
        if self.done_at is not None:
            return self.State.DONE
        if self.due_date < today:
            return self.State.OVERDUE
        if self.due_date <= self.due_soon_until(today):
            return self.State.DUE_SOON
        return self.State.UPCOMING

    @classmethod
    def state_condition(
        cls, states: Iterable[str], today: dt.date, soon: dt.date | None = None
    ) -> Q:
        """The rows whose state_on(today) is one of `states`, as a filter. "open"
        means not done, whatever the date. `soon` is due_soon_until(today), given
        when a compiled statement takes it as a value of its own."""
        if soon is None:
            soon = cls.due_soon_until(today)
        open_ = Q(done_at__isnull=True)
        conditions = {
            cls.State.DONE: Q(done_at__isnull=False),
            cls.State.OVERDUE: open_ & Q(due_date__lt=today),
            cls.State.DUE_SOON: open_ & Q(due_date__gte=today, due_date__lte=soon),
            cls.State.UPCOMING: open_ & Q(due_date__gt=soon),
            "open": open_,
        }
        combined = Q(pk__in=[])
        for state in states:
            combined |= conditions[state]
        return combined

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())


class DayOff(models.Model):
    """A day a coordinator declares on top of weekends and public holidays.

    Vietnam's government often adds bridge days around Tết and swaps them with a
    weekend day that becomes a working day; both kinds are declared here.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("Extra day off")
        WORKING_DAY = "working", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.DAY_OFF)
    name = models.CharField(_("name"), max_length=255, validators=[one_line])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared day")
        verbose_name_plural = _("declared days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"
