from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from checklists.validators import one_line


class AnswerType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    YES_NO = "yes_no", _("Yes / no")


class Responsible(models.TextChoices):
    HOST = "host", _("Host unit")
    TEAM = "team", _("Inspection team")
    COORDINATOR = "coordinator", _("Coordinator")


class Outline(models.Model):
    """A versioned outline (đề cương) such as Plan No. 10's.

    Draft → published → retired. A published version is immutable: changing it
    means importing or creating the next version.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    code = models.CharField(_("code"), max_length=64, validators=[one_line])
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=2, default="vi")
    title = models.CharField(_("title"), max_length=500, validators=[one_line])
    title_en = models.CharField(
        _("title in English"), max_length=500, blank=True, validators=[one_line]
    )
    issuer = models.CharField(_("issuer"), max_length=255, blank=True, validators=[one_line])
    references = models.JSONField(_("document references"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
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
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outline")
        verbose_name_plural = _("outlines")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="outline_code_version_unique"),
            # One current version per outline code: publishing the next version
            # retires the previous one (checklists.services.outlines).
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="published"),
                name="outline_one_published_per_code",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="outline_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class OutlineSection(models.Model):
    outline = models.ForeignKey(
        Outline, verbose_name=_("outline"), on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    number = models.CharField(_("number"), max_length=32, validators=[one_line])
    title = models.CharField(_("title"), max_length=500, validators=[one_line])
    title_en = models.CharField(
        _("title in English"), max_length=500, blank=True, validators=[one_line]
    )

    class Meta:
        verbose_name = _("outline section")
        verbose_name_plural = _("outline sections")
        ordering = ["outline", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["outline", "number"], name="outline_section_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class OutlineItem(models.Model):
    section = models.ForeignKey(
        OutlineSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    number = models.CharField(_("number"), max_length=32, validators=[one_line])
    text = models.TextField(_("text"))
    text_en = models.TextField(_("text in English"), blank=True)
    answer_type = models.CharField(
        _("answer type"), max_length=16, choices=AnswerType.choices, default=AnswerType.TEXT
    )

    class Meta:
        verbose_name = _("outline item")
        verbose_name_plural = _("outline items")
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "number"], name="outline_item_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class OutlineMilestone(models.Model):
    """A default deadline of every visit built from the outline, counted from the
    visit's first working session (day 0) in calendar or working days."""

    outline = models.ForeignKey(
        Outline, verbose_name=_("outline"), on_delete=models.CASCADE, related_name="milestones"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    key = models.SlugField(_("key"), max_length=64)
    title = models.CharField(_("title"), max_length=500, validators=[one_line])
    title_en = models.CharField(
        _("title in English"), max_length=500, blank=True, validators=[one_line]
    )
    offset_days = models.IntegerField(_("offset in calendar days"), null=True, blank=True)
    offset_working_days = models.IntegerField(_("offset in working days"), null=True, blank=True)
    responsible = models.CharField(_("responsible"), max_length=16, choices=Responsible.choices)

    class Meta:
        verbose_name = _("outline milestone")
        verbose_name_plural = _("outline milestones")
        ordering = ["outline", "position"]
        constraints = [
            models.UniqueConstraint(fields=["outline", "key"], name="outline_milestone_key_unique"),
            models.CheckConstraint(
                condition=Q(offset_days__isnull=True, offset_working_days__isnull=False)
                | Q(offset_days__isnull=False, offset_working_days__isnull=True),
                name="outline_milestone_one_offset",
                violation_error_message=_(
                    "Give either an offset in calendar days or one in working days, not both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title
