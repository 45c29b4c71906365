"""What the admin pages share: error display for service refusals, audit helpers,
query helpers and the list filters used on more than one page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, ForeignObjectRel, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.errors import DomainError, refusal_messages
from checklists.models import ChecklistItem, Milestone
from checklists.selectors import milestone_state_q, visits_coordinated_by
from checklists.services.audit import audit_record

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # For the type checker ServiceErrorsMixin is a ModelAdmin, so that the views it
    # wraps (`super().changeform_view`, ...), `message_user` and `opts` are known;
    # at run time it stays a plain mixin and each admin's MRO is unchanged.
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object

admin.site.site_header = _("Inspection tracker")
admin.site.site_title = _("Inspection tracker")
admin.site.index_title = _("Administration")


# --- Helpers ------------------------------------------------------------------


# The refusals the admin shows as a message: invalid input and every domain refusal.
REFUSALS = (ValidationError, DomainError)


def _error_text(exc: Exception) -> str:
    return " ".join(refusal_messages(exc))


def _label(model: type[models.Model], field: str) -> StrOrPromise:
    """A field's verbose name, so admin-only form fields reuse the model's labels."""
    found = model._meta.get_field(field)
    if isinstance(found, ForeignObjectRel):
        # A reverse relation has no verbose name of its own.
        raise TypeError(f"{model.__name__}.{field} is a reverse relation, not a field")
    return found.verbose_name


def _count_of(queryset: QuerySet, fk: str) -> Coalesce:
    """COUNT of `queryset`'s rows that point at the outer row, as a correlated
    subquery. Unlike several joined Count()s on one list, subqueries do not
    multiply each other's rows (items x milestones x sessions per visit)."""
    counted = (
        queryset.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple | set):
        return [_audit_value(v) for v in value]
    return value


SECRET_FORM_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})


def _form_changes(form: forms.ModelForm) -> dict[str, Any]:
    """{"field": {"from": old, "to": new}} from an admin form, never a password."""
    changes: dict[str, Any] = {}
    for name in form.changed_data:
        if name in SECRET_FORM_FIELDS:
            changes["password"] = "changed"
            continue
        changes[name] = {
            "from": _audit_value(form.initial.get(name)),
            "to": _audit_value(form.cleaned_data.get(name)),
        }
    return changes


def _digits(value: str | None) -> int | None:
    # isascii too: str.isdigit() accepts "²", which int() refuses.
    return int(value) if value and value.isascii() and value.isdigit() else None


def _delete_selected_or_refuse(modeladmin, request, queryset):
    """Django's bulk delete, all or nothing: when a service refuses one of the
    objects, none is deleted (nor logged as deleted) and the reason is shown."""
    try:
        with transaction.atomic():
            return delete_selected(modeladmin, request, queryset)
    except REFUSALS as exc:
        modeladmin.message_user(request, _error_text(exc), messages.ERROR)
        return None


class ServiceErrorsMixin(_ModelAdminBase):
    """Turns a refusal raised by a service while saving or deleting into an error
    message instead of a 500.

    changeform_view and delete_view run the POST in one transaction, and the bulk
    delete runs in one too, so the refusal has already rolled back everything the
    request wrote: nothing is left half-saved or half-deleted.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except REFUSALS as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            # Back to the object, which is still there.
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The stubs allow a None entry; Django's get_actions never holds one.
        delete_action = actions.get("delete_selected")
        if delete_action is not None:
            _func, name, description = delete_action
            actions["delete_selected"] = (_delete_selected_or_refuse, name, description)
        return actions


class AuditedAdmin(admin.ModelAdmin):
    """For models whose deletion has no service of its own (people): the admin's
    plain deletes still reach the audit trail."""

    def delete_model(self, request, obj):
        # Recorded first, while the object still has its id; delete_view is atomic.
        audit_record(actor=request.user, action="delete", obj=obj, changes={"name": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user, action="delete", obj=obj, changes={"name": str(obj)}
                )
            super().delete_queryset(request, queryset)


class VisitParamFilter(admin.SimpleListFilter):
    """Narrows a list to one visit (?visit=<id>), as linked from the visit page.

    Listing every visit in the sidebar would be thousands of links, so the filter
    only shows the chosen one, looked up within the user's scope so its title
    never leaks.
    """

    title = _label(ChecklistItem, "visit")
    parameter_name = "visit"

    def lookups(self, request, model_admin):
        pk = _digits(self.value())
        if self.value() is None:
            return []
        visit = visits_coordinated_by(request.user).filter(pk=pk).first() if pk else None
        # Always offer the chosen value: a filter without choices is not applied.
        return [(self.value(), str(visit) if visit else f"#{self.value()}")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = _digits(self.value())
        return queryset.filter(visit_id=pk) if pk else queryset.none()


class MilestoneStateFilter(admin.SimpleListFilter):
    """The state is derived from today's date, so it is filtered by date ranges."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Not done")), *Milestone.State.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in {"open", *Milestone.State.values}:
            return queryset
        return queryset.filter(milestone_state_q([value], timezone.localdate()))
