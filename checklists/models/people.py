from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from checklists.validators import one_line


class Unit(models.Model):
    """A node in the tree of organisations: central → province → district → grassroots."""

    class Kind(models.TextChoices):
        CENTRAL = "central", _("Central")
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        GRASSROOTS = "grassroots", _("Grassroots")
        AGENCY = "agency", _("Agency")

    class DocumentStyle(models.TextChoices):
        # Which rules its documents follow (SPEC §12): Hướng dẫn 36-HD/VPTW for the
        # Party's bodies, Nghị định 30/2020/NĐ-CP for the State's.
        PARTY = "party", _("Party")
        STATE = "state", _("State")

    name = models.CharField(_("name"), max_length=255, validators=[one_line])
    name_en = models.CharField(
        _("name in English"), max_length=255, blank=True, validators=[one_line]
    )
    code = models.SlugField(_("code"), max_length=64, unique=True, allow_unicode=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The issuer part of the numbers of the documents it issues ("TU" in 12-KL/TU).
    document_symbol = models.CharField(
        _("document symbol"), max_length=32, blank=True, validators=[one_line]
    )
    # The place name its documents are dated at ("Hạ Long, ngày …"); its name when blank.
    document_place = models.CharField(
        _("document place"), max_length=100, blank=True, validators=[one_line]
    )
    document_style = models.CharField(
        _("document style"),
        max_length=8,
        choices=DocumentStyle.choices,
        default=DocumentStyle.PARTY,
    )
    # Materialised path "/<root id>/…/<own id>/": a subtree is one indexed
    # prefix match, which is what every coordinator-scoped query needs.
    path = models.CharField(max_length=512, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The path is derived from the parent chain. It is kept here, next to the
        # column, so that every way of saving a unit (admin, services, fixtures)
        # keeps the tree consistent; moving a unit rewrites its subtree's paths in
        # the same transaction.
        with transaction.atomic():
            if self.pk is not None:
                self.clean_parent()
            old_path = self.path
            super().save(*args, **kwargs)
            parent = self.parent if self.parent_id else None
            new_path = f"{parent.path if parent is not None else '/'}{self.pk}/"
            if new_path != old_path:
                Unit.objects.filter(pk=self.pk).update(path=new_path)
                if old_path:
                    Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                        path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1))
                    )
                self.path = new_path

    def clean(self) -> None:
        self.clean_parent()

    def clean_parent(self) -> None:
        if (
            self.pk is not None
            and self.parent_id is not None
            and (
                self.parent_id == self.pk
                # parent_id is set, so parent is a Unit; the check tells the type checker.
                or (self.parent is not None and f"/{self.pk}/" in (self.parent.path or ""))
            )
        ):
            raise ValidationError({"parent": _("A unit cannot be placed under itself.")})

    def is_within(self, other: Unit) -> bool:
        """True when this unit is `other` or lies in its subtree."""
        return self.path.startswith(other.path)


class User(AbstractUser):
    """A person. Roles: coordinator over a unit subtree, host contact of one unit,
    and per-visit team roles (TeamMembership). One person may hold several."""

    class Language(models.TextChoices):
        VI = "vi", _("Vietnamese")
        EN = "en", _("English")

    class Notify(models.TextChoices):
        EACH = "each", _("Each e-mail as it happens")
        DIGEST = "digest", _("One daily digest")

    full_name = models.CharField(_("full name"), max_length=255, blank=True, validators=[one_line])
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.VI
    )
    # How the draft-report loop's e-mails reach this person (SPEC §5): one by one,
    # or gathered in a daily digest. Deadline reminders never wait for a digest.
    notify = models.CharField(
        _("review e-mails"),
        max_length=6,
        choices=Notify.choices,
        default=Notify.EACH,
        help_text=_(
            "Draft-report e-mails one by one, or in one digest a day; "
            "deadline reminders always go out at once."
        ),
    )
    is_coordinator = models.BooleanField(_("coordinator"), default=False)
    coordinator_scope = models.ForeignKey(
        Unit,
        verbose_name=_("coordinator scope"),
        help_text=_(
            "The unit subtree this coordinator is responsible for; empty means everything."
        ),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinators",
    )
    host_unit = models.ForeignKey(
        Unit,
        verbose_name=_("host unit"),
        help_text=_("The unit this person is a contact officer of."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def coordinates_everything(self) -> bool:
        return self.is_superuser or (self.is_coordinator and self.coordinator_scope_id is None)

    @property
    def acts_as_coordinator(self) -> bool:
        # SPEC §2: a superuser acts as a coordinator of everything.
        return self.is_superuser or self.is_coordinator
