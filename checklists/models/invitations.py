from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .reminders import EmailOutboxRow


class Invitation(EmailOutboxRow):
    """The outbox row of one imported person's set-password e-mail
    (checklists.services.invitations), claimed with a lease like a reminder. It
    holds no token: the link's token is made when the e-mail is sent."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # The person was gone, deactivated, without an address, or had set a
        # password by the time the e-mail was due.
        SKIPPED = "skipped", _("Skipped")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )

    class Meta:
        verbose_name = _("set-password e-mail")
        verbose_name_plural = _("set-password e-mails")
        ordering = ["-id"]
        indexes = [
            # The invitation pass's sweep: pending rows whose lease has expired.
            models.Index(
                fields=["lease_until"], condition=Q(state="pending"), name="invitation_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.state}"
