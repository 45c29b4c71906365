"""A visit's outcome (SPEC §11): the conclusion (kết luận kiểm tra), its numbered
recommendations (kiến nghị), and the outgoing register (sổ văn bản đi, §12) that
numbers what a unit issues."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.validators import one_line

from .people import Unit
from .visits import Visit


class OutgoingRegister(models.Model):
    """One issuing unit's register for one document type and year: the next
    number it gives. Numbers are taken under a row lock inside the issuing
    transaction (checklists.services.registers), so they never repeat and never
    leave a gap: a rolled-back issue rolls its number back too."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="registers"
    )
    # The document type's code in the number: "KL" (kết luận), "KH", "BC" …
    type_code = models.CharField(_("document type"), max_length=16, validators=[one_line])
    # The local year of the issue date: a new year starts at 1.
    year = models.PositiveIntegerField(_("year"))
    next_number = models.PositiveIntegerField(_("next number"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("outgoing register")
        verbose_name_plural = _("outgoing registers")
        ordering = ["unit_id", "type_code", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "type_code", "year"], name="register_one_per_unit_type_year"
            ),
            models.CheckConstraint(
                condition=Q(next_number__gte=1), name="register_next_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_code}/{self.unit} {self.year}: {self.next_number}"


class Conclusion(models.Model):
    """A visit's conclusion. At most one is current (a draft or the issued one);
    a withdrawn one stays on record with its number, its sections and the
    recommendations' text as issued (`issued_recommendations`), while the
    recommendations themselves move to the new draft copy, so that their reports
    and reminders stay theirs."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The type code of a conclusion in its issuer's outgoing register.
    REGISTER_TYPE = "KL"

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="conclusions"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    summary = models.TextField(_("summary"), blank=True)
    # Set at issue: the unit whose register gave the number, the year of that
    # register and the number itself.
    issuer = models.ForeignKey(
        Unit,
        verbose_name=_("issuer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    register_year = models.PositiveIntegerField(_("register year"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What was issued, as it was (recommendations move on to the next draft).
    issued_recommendations = models.JSONField(default=list, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # The withdrawn conclusion this draft was copied from.
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Bumped by every change made through the services; the API's ETag.
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["visit_id", "-created_at", "-id"]
        constraints = [
            # One current conclusion per visit: the draft being written or the one
            # issued; withdrawn ones are history.
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(state__in=["draft", "issued"]),
                name="conclusion_one_current_per_visit",
            ),
            # The register's promise, held by the database too.
            models.UniqueConstraint(
                fields=["issuer", "register_year", "number"],
                condition=Q(number__isnull=False),
                name="conclusion_number_unique_per_register",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(number__isnull=False, issued_on__isnull=False),
                name="conclusion_issued_has_number",
            ),
        ]

    def __str__(self) -> str:
        if self.number is not None:
            return f"{self.number}-{self.REGISTER_TYPE} ({self.visit})"
        return str(_("Draft conclusion (%(visit)s)") % {"visit": self.visit})


class ConclusionSection(models.Model):
    """What the team found in one outline section: strengths and shortcomings."""

    conclusion = models.ForeignKey(
        Conclusion, verbose_name=_("conclusion"), on_delete=models.CASCADE, related_name="sections"
    )
    # An outline section's number ("III"), or the visit's own ("BS").
    number = models.CharField(_("number"), max_length=32, validators=[one_line])
    title = models.CharField(_("title"), max_length=500, validators=[one_line])
    position = models.PositiveIntegerField(default=0)
    strengths = models.TextField(_("strengths"), blank=True)
    shortcomings = models.TextField(_("shortcomings"), blank=True)

    class Meta:
        verbose_name = _("conclusion section")
        verbose_name_plural = _("conclusion sections")
        ordering = ["conclusion_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conclusion", "number"], name="conclusion_section_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Recommendation(models.Model):
    """A recommendation (kiến nghị) of a conclusion to a unit, with its deadline."""

    class Kind(models.TextChoices):
        REMEDY = "remedy", _("Remedy")
        RESPONSIBILITY = "responsibility", _("Responsibility")
        REGULATION = "regulation", _("Regulation")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        REPORTED = "reported", _("Reported")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    # Still to be carried out: what blocks closing a visit, and what is late.
    PENDING_STATES = (State.OPEN, State.REPORTED)

    conclusion = models.ForeignKey(
        Conclusion,
        verbose_name=_("conclusion"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    # The conclusion's visit, kept on the row: every list filters and scopes by it.
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="recommendations"
    )
    code = models.CharField(_("code"), max_length=16, validators=[one_line])
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("text"))
    # The number of the conclusion section it belongs to (or blank).
    section = models.CharField(
        _("section"), max_length=32, blank=True, default="", validators=[one_line]
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REMEDY)
    addressee = models.ForeignKey(
        Unit,
        verbose_name=_("addressee"),
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    # Counted from the conclusion's issue date (exactly one of them, or a due date).
    offset_days = models.IntegerField(_("days after issue"), null=True, blank=True)
    offset_working_days = models.IntegerField(_("working days after issue"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The day off a deadline counted in calendar days landed on before it moved.
    rolled_from = models.DateField(_("moved from"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    extended_by = models.CharField(
        _("extended by"), max_length=500, blank=True, validators=[one_line]
    )
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)
    # Set when its visit was closed while it was still open (carry_over).
    carried_over = models.BooleanField(_("carried over"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # iCalendar SEQUENCE: grows each time the due date moves (an extension).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # The reminder pass's schedule, as Milestone.next_reminder_at: null for a
    # draft and once nothing is left to remind; REMINDER_REPLAN_AT ("plan me at
    # the next pass") when it opens or its date moves
    # (checklists.services.reminder_planning).
    next_reminder_at = models.DateTimeField(
        _("next reminder at"), null=True, blank=True, default=None, editable=False
    )

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["visit_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offset_days__isnull=True) | Q(offset_working_days__isnull=True),
                name="recommendation_one_offset",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="recommendation_progress_at_most_100"
            ),
        ]
        indexes = [
            # The lists' "overdue" and the per-unit counts: open ones by due date.
            models.Index(
                fields=["due_date"],
                condition=Q(state__in=["open", "reported"]),
                name="recommendation_pending_due_idx",
            ),
            models.Index(fields=["addressee", "state"], name="recommendation_addressee_idx"),
            # The reminder pass's poll, `next_reminder_at <= now` (see
            # milestone_next_reminder_idx): only open ones carry a value.
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(next_reminder_at__isnull=False),
                name="recommendation_next_remind_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"

    @staticmethod
    def overdue_before(today: dt.date | None = None) -> dt.date:
        """A pending recommendation due before this day is overdue: its deadline is
        the end of its due day, local time."""
        return today or timezone.localdate()

    def overdue_on(self, today: dt.date | None = None) -> bool:
        return (
            self.state in self.PENDING_STATES
            and self.due_date is not None
            and self.due_date < self.overdue_before(today)
        )

    @classmethod
    def overdue_condition(cls, today: dt.date | None = None) -> Q:
        """The rows overdue_on(today) holds for, as a filter (the rule side by side)."""
        return Q(state__in=cls.PENDING_STATES, due_date__lt=cls.overdue_before(today))

    @property
    def overdue(self) -> bool:
        return self.overdue_on()
