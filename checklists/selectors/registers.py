"""Reads of the outgoing registers (SPEC §12), by who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from checklists.models import OutgoingRegister, User
from checklists.policies import Person
from checklists.selectors import units_in_scope


def registers_visible_to(user: Person) -> QuerySet[OutgoingRegister]:
    """The registers of the units a coordinator is responsible for; none for anyone
    else, to whom a register answers 404 (checklists.policies.authorize_register)."""
    if not isinstance(user, User) or not user.is_active or not user.acts_as_coordinator:
        return OutgoingRegister.objects.none()
    registers = OutgoingRegister.objects.select_related("unit")
    if user.coordinates_everything:
        return registers
    return registers.filter(unit__in=units_in_scope(user).values("pk"))
