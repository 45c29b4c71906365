"""Units and people.

Who may change them (SPEC §4, "manage units"): coordinators, each within their
subtree; a unit or role outside it, or an empty one (everything), only a
coordinator of everything. Everyone changes their own name, e-mail, language,
e-mail preference (`notify`) and password. Each service checks this itself, before it writes, for every door (API,
admin); an actor of None is the system (commands, seeding, tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.errors import Conflict, NotAllowed
from checklists.models import Unit, User
from checklists.policies import (
    Person,
    coordinates_everything,
    coordinates_unit,
    is_coordinator,
    manages_person,
    require_coordinator,
)
from checklists.services.audit import audit_record, field_changes

UNIT_FIELDS = (
    "name",
    "name_en",
    "code",
    "parent",
    "kind",
    "document_symbol",
    "document_style",
    "document_place",
)
USER_FIELDS = (
    "username",
    "full_name",
    "email",
    "language",
    "notify",
    "is_coordinator",
    "coordinator_scope",
    "host_unit",
)


# What a person who is no coordinator may change on their own account.
SELF_EDITABLE = frozenset({"full_name", "email", "language", "notify", "password"})
ROLE_FIELDS = frozenset({"is_coordinator", "coordinator_scope", "host_unit"})
NOT_THEIRS = gettext_lazy(
    "You may change only people attached to a unit within your scope; "
    "others are managed by a coordinator of everything."
)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _require_coordinator_of(actor: Person | None, unit: Unit | None, *, field: str) -> None:
    """Refuse to use a unit outside the actor's scope for `field`; an empty one
    (everything, or the top of the tree) is for coordinators of everything."""
    if actor is None:
        return
    if unit is None:
        if not coordinates_everything(actor):
            raise NotAllowed(
                _("Only a coordinator of everything may leave “%(field)s” empty.")
                % {"field": field}
            )
    elif not coordinates_unit(actor, unit):
        raise NotAllowed(
            _("%(unit)s is outside your scope, so you may not use it for “%(field)s”.")
            % {"unit": unit, "field": field}
        )


def _require_unit_manager(actor: Person | None, unit: Unit) -> None:
    require_coordinator(actor, gettext_lazy("Only coordinators manage units."))
    _require_coordinator_of(actor, unit, field="unit")


def _require_roles_in_scope(actor: Person | None, roles: Mapping[str, Any]) -> None:
    """The roles a person is given (coordinator and scope, host unit) must lie
    within the actor's scope."""
    if roles.get("is_coordinator"):
        _require_coordinator_of(actor, roles.get("coordinator_scope"), field="coordinator_scope")
    elif roles.get("coordinator_scope") is not None:
        _require_coordinator_of(actor, roles["coordinator_scope"], field="coordinator_scope")
    if roles.get("host_unit") is not None:
        _require_coordinator_of(actor, roles["host_unit"], field="host_unit")


def _full_clean(obj: Unit | User, *, refs_checked: bool, refs: tuple[str, ...]) -> None:
    """The model's validation. `refs_checked`: the caller (an import) loaded the
    foreign keys `refs` from the database and checked the unique fields against
    what is saved, once for a whole file, so the two queries Django's full_clean
    makes per object for them are skipped; the rules themselves are the same."""
    if refs_checked:
        obj.full_clean(exclude=list(refs), validate_unique=False)
    else:
        obj.full_clean()


def unit_created_changes(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit trail records of a new unit."""
    return {name: _pk(fields[name]) for name in UNIT_FIELDS if name in fields}


def unit_prepare(*, actor: Person | None, refs_checked: bool = False, **fields: Any) -> Unit:
    """The unit unit_create would save, checked (scope, fields, the model's rules)
    but not saved: an import saves many at once after checking each here."""
    require_coordinator(actor, gettext_lazy("Only coordinators manage units."))
    _require_coordinator_of(actor, fields.get("parent"), field="parent")
    unit = Unit(**{name: fields[name] for name in UNIT_FIELDS if name in fields})
    _full_clean(unit, refs_checked=refs_checked, refs=("parent",))
    return unit


@transaction.atomic
def unit_create(*, actor: Person | None, **fields: Any) -> Unit:
    """A new unit, under a parent within the actor's scope (at the top of the
    tree: coordinators of everything only)."""
    unit = unit_prepare(actor=actor, **fields)
    unit.save()
    audit_record(actor=actor, action="create", obj=unit, changes=unit_created_changes(fields))
    return unit


def unit_change(
    *, actor: Person | None, unit: Unit, refs_checked: bool = False, **changes: Any
) -> dict[str, dict[str, Any]]:
    """Apply changes to a unit in memory, checked as unit_update checks them, and
    return what changed for the audit trail; the caller saves. `unit` is the
    stored row: the scope is checked where it is now."""
    _require_unit_manager(actor, unit)
    if "parent" in changes:
        _require_coordinator_of(actor, changes["parent"], field="parent")
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    before = {name: _pk(getattr(unit, name)) for name in changes}
    for name, value in changes.items():
        setattr(unit, name, value)
    _full_clean(unit, refs_checked=refs_checked, refs=("parent",))
    return field_changes(before, {name: _pk(value) for name, value in changes.items()})


@transaction.atomic
def unit_update(*, actor: Person | None, unit: Unit, **changes: Any) -> Unit:
    """Change a unit of the actor's subtree; a new parent must lie within it too."""
    diff = unit_change(actor=actor, unit=unit, **changes)
    unit.save()
    if diff:
        audit_record(actor=actor, action="update", obj=unit, changes=diff)
    return unit


@transaction.atomic
def unit_delete(*, actor: Person | None, unit: Unit) -> None:
    """Delete a unit nobody refers to; units with visits, people or children stay
    (a conflict: they must be moved or removed first)."""
    _require_unit_manager(actor, unit)
    if (
        unit.children.exists()
        or unit.visits.exists()
        or unit.contacts.exists()
        or unit.coordinators.exists()
    ):
        raise Conflict(
            _("%(unit)s still has sub-units, visits or people; move or remove them first.")
            % {"unit": unit},
            code="unit_in_use",
        )
    audit_record(
        actor=actor, action="delete", obj=unit, changes={"code": unit.code, "name": unit.name}
    )
    try:
        # Whatever else still names the unit (the issuer of visits, programmes and
        # documents, a register, a recommendation's addressee) protects it: every
        # such reference is a PROTECT foreign key, so the database is the one list.
        with transaction.atomic():
            unit.delete()
    except (ProtectedError, RestrictedError) as error:
        raise Conflict(
            _(
                "%(unit)s is still named by other records (as the issuer of visits, "
                "programmes or documents, a register or an addressee of recommendations); "
                "it cannot be deleted."
            )
            % {"unit": unit},
            code="unit_in_use",
        ) from error


def user_created_changes(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit trail records of a new person."""
    return {name: _pk(fields[name]) for name in USER_FIELDS if name in fields}


def user_prepare(
    *,
    actor: Person | None,
    password: str | None = None,
    refs_checked: bool = False,
    **fields: Any,
) -> User:
    """The person user_create would save, checked (coordinators only, roles within
    the actor's scope, the model's rules) but not saved: an import saves many at
    once after checking each here."""
    require_coordinator(actor, gettext_lazy("Only coordinators create people."))
    _require_roles_in_scope(actor, {"is_coordinator": False, **fields})
    user = User(**{name: fields[name] for name in USER_FIELDS if name in fields})
    _clean_roles(user)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    _full_clean(user, refs_checked=refs_checked, refs=("host_unit", "coordinator_scope"))
    return user


@transaction.atomic
def user_create(*, actor: Person | None, password: str | None = None, **fields: Any) -> User:
    """A new person (coordinators only), with roles within the actor's scope."""
    user = user_prepare(actor=actor, password=password, **fields)
    user.save()
    _sync_coordinator_group(user)
    audit_record(actor=actor, action="create", obj=user, changes=user_created_changes(fields))
    return user


@transaction.atomic
def user_update(
    *, actor: Person | None, user: User, password: str | None = None, **changes: Any
) -> User:
    """Change a person's account. `user` is the stored row (the rules read its
    current roles)."""
    _require_may_update(actor, user, changes, password_given=password is not None)
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
def user_deactivate(*, actor: Person | None, user: User) -> User:
    """People are deactivated, never deleted: the audit trail keeps naming them."""
    if actor is not None:
        require_coordinator(actor, gettext_lazy("Only coordinators deactivate people."))
        if user.pk == actor.pk:
            raise NotAllowed(_("You cannot deactivate yourself."))
        if not isinstance(actor, User) or not manages_person(actor, user):
            raise NotAllowed(NOT_THEIRS)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="deactivate", obj=user)
    return user


def _require_may_update(
    actor: Person | None, user: User, changes: Mapping[str, Any], *, password_given: bool
) -> None:
    """Someone who is no coordinator changes only their own name, e-mail, language
    and password; a coordinator changes the people they manage (manages_person),
    giving roles within their scope."""
    if actor is None:
        return
    names = set(changes) | ({"password"} if password_given else set())
    if not is_coordinator(actor):
        if user.pk != actor.pk or names - SELF_EDITABLE:
            raise NotAllowed(_("You may change only your own name, e-mail, language and password."))
        return
    if not isinstance(actor, User) or not manages_person(actor, user):
        raise NotAllowed(NOT_THEIRS)
    if names & ROLE_FIELDS:
        # The roles as they will be: a scope kept from before must be the actor's too.
        _require_roles_in_scope(
            actor,
            {
                "is_coordinator": changes.get("is_coordinator", user.is_coordinator),
                "coordinator_scope": changes.get("coordinator_scope", user.coordinator_scope),
                "host_unit": changes.get("host_unit", user.host_unit),
            },
        )


@transaction.atomic
def user_set_notify(*, actor: Person | None, user: User, notify: str) -> User:
    """A person's own choice of how the draft-report loop's e-mails reach them:
    each as it happens, or one digest a day (SPEC §5 `notify`). Only their own,
    whoever they are: coordinators change other people's through user_update.
    Notifications already waiting for a digest still go out in it."""
    if actor is not None and user.pk != actor.pk:
        raise NotAllowed(_("You may choose how e-mails reach you, not how they reach others."))
    if notify not in User.Notify.values:
        raise ValidationError({"notify": _("Choose each or digest.")})
    before = user.notify
    if before != notify:
        User.objects.filter(pk=user.pk).update(notify=notify)
        user.notify = notify
        audit_record(
            actor=actor,
            action="update",
            obj=user,
            changes={"notify": {"from": before, "to": notify}},
        )
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
