from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.tokens import TOKEN_PREFIX_LENGTH, token_new

if TYPE_CHECKING:
    from checklists.models import User


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 digest is stored: a leaked database does not
    hand out working tokens. The short prefix lets a person recognise their tokens."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=TOKEN_PREFIX_LENGTH, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        """Create a token; the raw value is returned once and never stored."""
        new = token_new()
        token = cls.objects.create(
            user=user,
            digest=new.digest,
            prefix=new.prefix,
            expires_at=timezone.now() + settings.API_TOKEN_LIFETIME,
        )
        return token, new.raw
