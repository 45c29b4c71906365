"""Outgoing registers (sổ văn bản đi, SPEC §12): per issuing unit, document type and
year, the numbers 1, 2, 3 … with no gap and no duplicate, even under concurrency.

The number is taken inside the caller's transaction (the issue of a conclusion,
later of any document) under a row lock on the register: a second issuer waits
for the first to commit, then reads the number after it; an issue that rolls back
gives its number back, so no gap is left either."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from checklists.models import OutgoingRegister, Unit


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
