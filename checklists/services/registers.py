"""Outgoing registers (sổ văn bản đi, SPEC §12): per issuing unit, document type and
year, the numbers 1, 2, 3 … with no gap and no duplicate, even under concurrency.

The number is taken inside the caller's transaction (the issue of a conclusion,
later of any document) under a row lock on the register: a second issuer waits
for the first to commit, then reads the number after it; an issue that rolls back
gives its number back, so no gap is left either.

A coordinator adopting the product mid-year, whose office already gave numbers on
paper, sets a register's next number (`register_create`, `register_raise`): only
upward, audited, under the same row lock, so a raise and an issue at the same moment
never hand out one number twice."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import Conflict, Invalid
from checklists.models import OutgoingRegister, Unit
from checklists.policies import Person, authorize_register
from checklists.services.audit import audit_record

# The type codes of issued documents (SPEC §12): conclusion, programme, follow-up report.
REGISTER_TYPES = ("KL", "KH", "BC")
# A register starts at 1; a number beyond this is a typing slip, not a year's output.
MAX_NEXT_NUMBER = 999_999
# Registers of past years are kept for the record; a year ahead is set up in December.
FIRST_YEAR = 2000


def register_take_number(*, unit: Unit, type_code: str, year: int) -> int:
    """The next number of `unit`'s register for `type_code` in `year`, taken.

    Call it inside the transaction that records the numbered document: the lock
    is held until that transaction ends, which is what keeps numbers gapless."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("register_take_number runs inside the issuing transaction")
    # The register's row may not exist yet (a unit's first document of the year):
    # INSERT … ON CONFLICT DO NOTHING, so two first issues at once make one row;
    # the second waits on the unique index until the first commits.
    OutgoingRegister.objects.bulk_create(
        [OutgoingRegister(unit=unit, type_code=type_code, year=year)], ignore_conflicts=True
    )
    register = (
        OutgoingRegister.objects.select_for_update()
        .only("pk", "next_number")
        .get(unit=unit, type_code=type_code, year=year)
    )
    OutgoingRegister.objects.filter(pk=register.pk).update(next_number=F("next_number") + 1)
    return register.next_number


def _check(*, type_code: str | None = None, year: int | None = None, next_number: int) -> None:
    errors: dict[str, str] = {}
    if type_code is not None and type_code not in REGISTER_TYPES:
        errors["type_code"] = _("Choose one of %(codes)s.") % {"codes": ", ".join(REGISTER_TYPES)}
    last_year = timezone.localdate().year + 1
    if year is not None and not FIRST_YEAR <= year <= last_year:
        errors["year"] = _("Give a year from %(first)s to %(last)s.") % {
            "first": FIRST_YEAR,
            "last": last_year,
        }
    if not 1 <= next_number <= MAX_NEXT_NUMBER:
        errors["next_number"] = _("Give a number from 1 to %(max)s.") % {"max": MAX_NEXT_NUMBER}
    if errors:
        raise Invalid(errors)


def register_create(
    *, actor: Person | None, unit: Unit, type_code: str, year: int, next_number: int = 1
) -> OutgoingRegister:
    """Open a unit's register for a type and year at `next_number` (the first number
    not yet given on paper). One per unit, type and year: a second is a Conflict
    naming the first, whose number is raised instead (a register created by an issue
    meanwhile included)."""
    authorize_register(actor, unit, existing=False)
    _check(type_code=type_code, year=year, next_number=next_number)
    try:
        with transaction.atomic():
            register = OutgoingRegister.objects.create(
                unit=unit, type_code=type_code, year=year, next_number=next_number
            )
            audit_record(
                actor=actor,
                action="create",
                obj=register,
                changes={
                    "unit": unit.pk,
                    "type_code": type_code,
                    "year": year,
                    "next_number": next_number,
                },
            )
    except IntegrityError:
        existing = OutgoingRegister.objects.get(unit=unit, type_code=type_code, year=year)
        raise Conflict(
            _(
                "%(unit)s already has a %(type)s register for %(year)s (next number %(next)s): "
                "raise its next number instead."
            )
            % {"unit": unit.name, "type": type_code, "year": year, "next": existing.next_number},
            code="register_exists",
            register=existing.pk,
        ) from None
    return register


def register_raise(
    *, actor: Person | None, register: OutgoingRegister, next_number: int
) -> OutgoingRegister:
    """Set a register's next number higher (numbers given on paper are skipped).

    Never lower: a lower number may have been given already, and giving it again
    would duplicate it. The comparison is made under the row lock the issues take
    (register_take_number), so a number taken a moment before is counted. The same
    number as now changes nothing and records nothing."""
    authorize_register(actor, register.unit, existing=True)
    _check(next_number=next_number)
    with transaction.atomic():
        locked = OutgoingRegister.objects.select_for_update().get(pk=register.pk)
        current = locked.next_number
        if next_number < current:
            raise Conflict(
                _(
                    "The next number is %(current)s: numbers up to %(last)s may have been "
                    "given already, so it can only be raised, never lowered."
                )
                % {"current": current, "last": current - 1},
                code="register_lowered",
                next_number=current,
            )
        if next_number > current:
            OutgoingRegister.objects.filter(pk=locked.pk).update(
                next_number=next_number, updated_at=timezone.now()
            )
            audit_record(
                actor=actor,
                action="raise_number",
                obj=locked,
                changes={"next_number": {"from": current, "to": next_number}},
            )
    return OutgoingRegister.objects.select_related("unit").get(pk=register.pk)
