"""Units and people. Their saves and unit deletions go through
checklists.services.people, like the API's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checklists.admin.common import (
    SECRET_FORM_FIELDS,
    AuditedAdmin,
    ServiceErrorsMixin,
    _form_changes,
    _label,
)
from checklists.models import Unit, User
from checklists.policies import manages_person
from checklists.selectors import units_in_scope, users_visible_to
from checklists.services.audit import audit_record
from checklists.services.people import (
    UNIT_FIELDS,
    USER_FIELDS,
    unit_create,
    unit_delete,
    unit_update,
    user_create,
    user_deactivate,
    user_update,
)

# --- Units ----------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("tree_name", "code", "kind", "parent", "children_count")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "code")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    fields = (
        "name",
        "name_en",
        "code",
        "kind",
        "parent",
        "document_symbol",
        "document_style",
        "document_place",
    )
    ordering = ("path",)

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(children_count=Count("children"))
        if not request.user.coordinates_everything:
            qs = qs.filter(pk__in=units_in_scope(request.user).values("pk"))
        return qs

    def get_readonly_fields(self, request, obj=None):
        user = request.user
        if (
            obj is not None
            and not user.coordinates_everything
            and obj.pk == user.coordinator_scope_id
        ):
            # The root of a coordinator's scope hangs under a unit outside it.
            return ("parent",)
        return ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # The autocomplete only offers units in scope; the field must refuse
            # any other id posted by hand too.
            kwargs["queryset"] = units_in_scope(request.user)
            if not request.user.coordinates_everything:
                kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_label(Unit, "name"), ordering="path")
    def tree_name(self, obj: Unit) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return format_html('<span style="padding-left: {}em">{}</span>', depth * 1.5, obj.name)

    @admin.display(description=_("subordinate units"), ordering="children_count")
    def children_count(self, obj: Unit) -> int:
        return getattr(obj, "children_count", 0)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            unit = unit_create(
                actor=request.user, **{name: data[name] for name in UNIT_FIELDS if name in data}
            )
            obj.pk = unit.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        changes = {name: data[name] for name in form.changed_data if name in UNIT_FIELDS}
        if changes:
            # A fresh copy: the form has already written the new values into obj,
            # and the service records what changed from the stored row.
            unit_update(actor=request.user, unit=Unit.objects.get(pk=obj.pk), **changes)
            obj.refresh_from_db()

    def delete_model(self, request, obj):
        # unit_delete refuses a unit still referenced; ServiceErrorsMixin shows why.
        unit_delete(actor=request.user, unit=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            # Deepest first, so a unit selected with its sub-units is no longer
            # referenced by them when its turn comes.
            for unit in queryset.order_by("-path"):
                unit_delete(actor=request.user, unit=unit)


# --- People -----------------------------------------------------------------------


@admin.register(User)
class PersonAdmin(ServiceErrorsMixin, AuditedAdmin, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {
                "fields": (
                    "full_name",
                    "first_name",
                    "last_name",
                    "email",
                    "language",
                    "notify",
                )
            },
        ),
        (_("Roles"), {"fields": ("is_coordinator", "coordinator_scope", "host_unit")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        # Not `notify`: a new person starts with each e-mail as it happens (the
        # default) and chooses for themselves; the change form has it.
        (_("Personal info"), {"fields": ("full_name", "email", "language")}),
        (_("Roles"), {"fields": ("is_coordinator", "coordinator_scope", "host_unit")}),
    )
    list_display = (
        "username",
        "full_name",
        "email",
        "language",
        "is_coordinator",
        "coordinator_scope",
        "host_unit",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "is_coordinator",
        ("coordinator_scope", admin.RelatedOnlyFieldListFilter),
        ("host_unit", admin.RelatedOnlyFieldListFilter),
        "language",
        "notify",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    search_fields = ("username", "full_name", "first_name", "last_name", "email", "host_unit__name")
    autocomplete_fields = ("coordinator_scope", "host_unit")
    list_select_related = ("coordinator_scope", "host_unit")
    ordering = ("username",)
    # Kept by Django itself. Editable, their split widgets drop the microseconds,
    # so every save changed date_joined and put that change in the audit trail.
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if user.coordinates_everything:
            return qs
        visible = Q(pk__in=users_visible_to(user).values("pk"))
        if user.is_coordinator and user.coordinator_scope_id:
            # Besides the people their scope answers for (users_visible_to), a
            # scoped coordinator finds here everyone who belongs to no unit and
            # holds no role, to put them on a team: the team inline's autocomplete
            # searches this list.
            visible |= Q(
                is_superuser=False,
                is_coordinator=False,
                coordinator_scope__isnull=True,
                host_unit__isnull=True,
            )
        return qs.filter(visible)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # People a scoped coordinator only finds (to put on a team) or sees (on
        # their visits' teams) are shown, not theirs to edit: their password
        # least of all.
        return obj is None or manages_person(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        # People are deactivated (user_deactivate), as in the API: their audit
        # trail, reviews and reminders keep pointing at them. A superuser may
        # still delete, for the rare legal request.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Granting admin access or permissions would let a coordinator widen
            # their own powers.
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("coordinator_scope", "host_unit"):
            kwargs["queryset"] = units_in_scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class: Any = super().get_form(request, obj, change=change, **kwargs)
        if request.user.coordinates_everything:
            return form_class

        class ScopedPersonForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if cleaned.get("is_coordinator") and not cleaned.get("coordinator_scope"):
                    # An empty scope means everything: wider than the editor's own.
                    self.add_error(
                        "coordinator_scope",
                        gettext("Choose a unit within your own scope for this coordinator."),
                    )
                return cleaned

        return ScopedPersonForm

    # Saving. What checklists.services.people knows (USER_FIELDS, the password on
    # creation, deactivation) goes through it and is audited there; Django's
    # UserAdmin machinery saves the rest (first and last name, reactivation, and
    # for a superuser the admin flags, groups and permissions), audited here in
    # one event of its own. No change is recorded twice, and never a password.

    @staticmethod
    def _django_fields(form) -> list[str]:
        """The changed fields no service takes."""
        data = form.cleaned_data
        return [
            name
            for name in form.changed_data
            if name not in USER_FIELDS
            and name not in SECRET_FORM_FIELDS
            # Switching someone off is user_deactivate's (switching back on is not).
            and not (name == "is_active" and not data["is_active"])
        ]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            # The add form holds the password and fields user_create knows.
            usable = data.get("set_usable_password", True)
            user = user_create(
                actor=request.user,
                password=data.get("password1") if usable else None,
                **{name: data[name] for name in USER_FIELDS if name in data},
            )
            obj.pk = user.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        plain = [
            name
            for name in self._django_fields(form)
            if not User._meta.get_field(name).many_to_many
        ]
        if plain:
            obj.save(update_fields=plain)
        # The services run in save_related, after Django has saved groups and
        # permissions.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            return
        data, actor, pk = form.cleaned_data, request.user, form.instance.pk
        known = {name: data[name] for name in USER_FIELDS if name in form.changed_data}
        if known:
            # A fresh copy: the form has already written the new values into its
            # instance, and the service records what changed from the stored row.
            # Running last, the service's rules (a coordinator is staff and in the
            # coordinators group) win over the flags and groups of the form.
            user_update(actor=actor, user=User.objects.get(pk=pk), **known)
        if "is_active" in form.changed_data and not data["is_active"]:
            user_deactivate(actor=actor, user=User.objects.get(pk=pk))
        django_fields = self._django_fields(form)
        rest = {name: diff for name, diff in _form_changes(form).items() if name in django_fields}
        if rest:
            audit_record(actor=actor, action="update", obj=form.instance, changes=rest)
