from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what to which object, when, and what changed. Append-only.

    Tamper-evident (SPEC §14): each event carries `hash`, a SHA-256 over its content
    and the previous event's hash, at position `seq` of one chain. An event is
    inserted unchained (seq null) in its write's transaction, with no lock, and
    chained just after commit by `checklists.services.audit_chain`, which takes the
    events in id order under one lock; `seq` being unique, two chainers can never
    fork the chain even if that lock were bypassed.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the trail still names a person whose account was removed.
    actor_name = models.CharField(_("actor name"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    # The visit the object belongs to, for scoping the trail; a plain column so the
    # trail outlives the visit.
    visit_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Position in the chain (1, 2, …) and the chained hash; null and "" until the
    # chaining step, just after the write's commit, reaches the event.
    seq = models.BigIntegerField(_("position in the chain"), null=True, blank=True, unique=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The chaining step's poll: the events not chained yet, oldest first.
            # Stays tiny (events wait for it a few milliseconds).
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_unchained_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}#{self.object_id}"
