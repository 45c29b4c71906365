from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.pages import visit_page

from .conclusions import Recommendation
from .visits import Milestone, Visit

# A reminder is about one dated obligation: a milestone or a recommendation's
# deadline (SPEC §5: "`milestone` or `recommendation`, one of them").
ONE_OBLIGATION = Q(milestone__isnull=False, recommendation__isnull=True) | Q(
    milestone__isnull=True, recommendation__isnull=False
)


class Reminder(models.Model):
    """One reminder per (obligation, recipient, offset), guaranteed by the
    database; the obligation is a milestone or a recommendation, exactly one.

    The row is also the outbox: the dispatch pass creates it when it falls due,
    a sending task claims it with a lease, sends, and marks it sent.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    # "-7d", "-3d", "-1d", "0d", "+1d" … "+7d", or "escalation".
    offset = models.CharField(_("offset"), max_length=16)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    # A claim expires at this time; a sender that died loses its claim then.
    # Not null (creation time by default), because `lease_until < now` never
    # matches NULL.
    lease_until = models.DateTimeField(_("lease until"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Stable across retries, so mail clients fold a duplicate sent in a crash.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-due_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=ONE_OBLIGATION, name="reminder_one_obligation"),
            # Exactly once per (obligation, recipient, offset): one partial unique
            # constraint per kind, since a NULL never clashes in a plain one.
            models.UniqueConstraint(
                fields=["milestone", "recipient", "offset"],
                condition=Q(milestone__isnull=False),
                name="reminder_once_per_offset",
            ),
            models.UniqueConstraint(
                fields=["recommendation", "recipient", "offset"],
                condition=Q(recommendation__isnull=False),
                name="reminder_once_per_rec_offset",
            ),
        ]
        indexes = [
            # The sender's sweep: pending reminders whose lease has expired.
            models.Index(
                fields=["lease_until"], condition=Q(state="pending"), name="reminder_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.obligation} → {self.recipient} ({self.offset})"

    @property
    def obligation(self) -> Milestone | Recommendation:
        """What the reminder is about (load it with select_related)."""
        obligation = self.milestone if self.milestone_id is not None else self.recommendation
        assert obligation is not None  # reminder_one_obligation
        return obligation

    @property
    def visit_id(self) -> int:
        return self.obligation.visit_id


class EmailOutboxRow(models.Model):
    """The columns of a row that is its own e-mail's outbox, under the names
    checklists.services.mail_outbox.Outbox expects by default; the model adds
    its `state` (pending, sent, failed and any end of its own)."""

    # Not null: `lease_until < now` never matches NULL.
    lease_until = models.DateTimeField(_("lease until"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True


class NotificationDigest(EmailOutboxRow):
    """One person's daily e-mail gathering the draft-report loop's notifications
    (for people whose `notify` is "digest"). One per (recipient, local day),
    guaranteed by the database; the row is the outbox of its e-mail, claimed with
    a lease like a reminder."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notification_digests",
    )
    day = models.DateField(_("day"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_per_day"),
        ]
        indexes = [
            # The e-mail pass's sweep: pending digests whose lease has expired.
            models.Index(
                fields=["lease_until"], condition=Q(state="pending"), name="digest_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day}"


class Notification(models.Model):
    """An in-app notification; a deadline reminder's is created in the same
    transaction as its reminder (which is its e-mail's outbox), a draft-report
    loop event's in the event's transaction (the row is then its own e-mail's
    outbox, or waits for the recipient's daily digest)."""

    class Email(models.TextChoices):
        # No e-mail of its own: a reminder's goes through its Reminder row, and a
        # person without an address gets the in-app notification only.
        NONE = "none", _("No e-mail")
        PENDING = "pending", _("Pending")
        DIGEST = "digest", _("Waiting for the daily digest")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        # Every kind of SPEC §5; only some are sent by this version of the product.
        REMINDER = "reminder", _("Deadline reminder")
        REVISION_UPLOADED = "revision_uploaded", _("Draft report uploaded")
        REVIEW = "review", _("Draft report reviewed")
        EXPLANATION = "explanation", _("Explanation given")
        ACCEPTED = "accepted", _("Draft report accepted")
        CONCLUSION_ISSUED = "conclusion_issued", _("Conclusion issued")
        IMPLEMENTATION_REPORT = "implementation_report", _("Implementation report")
        VERDICT = "verdict", _("Verdict on an implementation report")
        DOCUMENT_ISSUED = "document_issued", _("Document issued")
        AUDIT_CHAIN_BROKEN = "audit_chain_broken", _("Audit trail broken")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.REMINDER)
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("body"), blank=True)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    reminder = models.OneToOneField(
        Reminder,
        verbose_name=_("reminder"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification",
    )
    # The page that shows what happened, relative to the site (SITE_URL in e-mails).
    url = models.CharField(_("URL"), max_length=255, blank=True)
    # The event this notifies of ("review:12"): with the recipient, unique, so an
    # event reaches each person once however often its step runs. Empty for
    # reminders, which are unique through their Reminder row.
    event_key = models.CharField(_("event"), max_length=100, blank=True, default="")
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=Email.choices, default=Email.NONE
    )
    # A sender's claim on the e-mail expires at this time (see Reminder.lease_until).
    email_lease_until = models.DateTimeField(_("e-mail lease until"), default=timezone.now)
    email_attempts = models.PositiveIntegerField(_("e-mail attempts"), default=0)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_error = models.TextField(_("e-mail error"), blank=True)
    digest = models.ForeignKey(
        NotificationDigest,
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"],
                condition=~Q(event_key=""),
                name="notification_once_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The e-mail pass's sweep: e-mails to send one by one, by lease.
            models.Index(
                fields=["email_lease_until"],
                condition=Q(email_state="pending"),
                name="notification_email_pending_idx",
            ),
            # The digest pass: notifications waiting for a digest not yet made.
            models.Index(
                fields=["created_at"],
                condition=Q(email_state="digest", digest__isnull=True),
                name="notification_digest_wait_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        """Where the notification leads: its own page (a recommendation's
        reminder: the recommendation's), else its visit's (a milestone's
        reminder), else nowhere."""
        if self.url:
            return self.url
        return visit_page(self.visit_id) if self.visit_id else ""
