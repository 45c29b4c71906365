"""Units and people."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from checklists.models import Unit, User
from checklists.services.audit import audit_record, field_changes

UNIT_FIELDS = ("name", "name_en", "code", "parent", "kind")
USER_FIELDS = (
    "username",
    "full_name",
    "email",
    "language",
    "is_coordinator",
    "coordinator_scope",
    "host_unit",
)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


@transaction.atomic
def unit_create(*, actor: User | None, **fields: Any) -> Unit:
    unit = Unit(**{name: fields[name] for name in UNIT_FIELDS if name in fields})
    unit.full_clean()
    unit.save()
    audit_record(
        actor=actor,
        action="create",
        obj=unit,
        changes={name: _pk(fields[name]) for name in UNIT_FIELDS if name in fields},
    )
    return unit


@transaction.atomic
def unit_update(*, actor: User | None, unit: Unit, **changes: Any) -> Unit:
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    before = {name: _pk(getattr(unit, name)) for name in changes}
    for name, value in changes.items():
        setattr(unit, name, value)
    unit.full_clean()
    unit.save()
    diff = field_changes(before, {name: _pk(value) for name, value in changes.items()})
    if diff:
        audit_record(actor=actor, action="update", obj=unit, changes=diff)
    return unit


@transaction.atomic
def unit_delete(*, actor: User | None, unit: Unit) -> None:
    """Delete a unit nobody refers to; units with visits, people or children stay."""
    if (
        unit.children.exists()
        or unit.visits.exists()
        or unit.contacts.exists()
        or unit.coordinators.exists()
    ):
        raise ValidationError(
            _("%(unit)s still has sub-units, visits or people; move or remove them first.")
            % {"unit": unit}
        )
    audit_record(
        actor=actor, action="delete", obj=unit, changes={"code": unit.code, "name": unit.name}
    )
    unit.delete()


@transaction.atomic
def user_create(*, actor: User | None, password: str | None = None, **fields: Any) -> User:
    user = User(**{name: fields[name] for name in USER_FIELDS if name in fields})
    _clean_roles(user)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    _sync_coordinator_group(user)
    audit_record(
        actor=actor,
        action="create",
        obj=user,
        changes={name: _pk(fields[name]) for name in USER_FIELDS if name in fields},
    )
    return user


@transaction.atomic
def user_update(
    *, actor: User | None, user: User, password: str | None = None, **changes: Any
) -> User:
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    before = {name: _pk(getattr(user, name)) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    _clean_roles(user)
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean()
    user.save()
    _sync_coordinator_group(user)
    diff = field_changes(before, {name: _pk(value) for name, value in changes.items()})
    if password:
        diff["password"] = {"from": "***", "to": "***"}
    if diff:
        audit_record(actor=actor, action="update", obj=user, changes=diff)
    return user


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User) -> User:
    """People are deactivated, never deleted: the audit trail keeps naming them."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="deactivate", obj=user)
    return user


COORDINATOR_GROUP = "coordinators"


def coordinator_group() -> Group:
    """The permission group that lets coordinators work in the admin."""
    group, created = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    if created or not group.permissions.exists():
        group.permissions.set(Permission.objects.filter(content_type__app_label="checklists"))
    return group


def _sync_coordinator_group(user: User) -> None:
    if user.is_coordinator:
        user.groups.add(coordinator_group())
    else:
        user.groups.remove(*user.groups.filter(name=COORDINATOR_GROUP))


def _clean_roles(user: User) -> None:
    if not user.is_coordinator and user.coordinator_scope_id is not None:
        raise ValidationError(
            {
                "coordinator_scope": _(
                    "Only a coordinator has a scope; tick “coordinator” or clear it."
                )
            }
        )
    # Coordinators work in the admin as well as through the API.
    if user.is_coordinator:
        user.is_staff = True
