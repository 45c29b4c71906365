"""Plan No. 10 as a programme, for the demo (`manage.py seed_demo`): Team No. 3's
visits to Quảng Ninh and Vĩnh Phúc, planned before the programme was written down,
become the visits of its entries; a third entry, Thanh Bình, names Team No. 3's
deputy lead as its lead in days that overlap the Vĩnh Phúc visit: the one
deliberate clash, so that "create visits" skips that entry and says why."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from checklists.models import Outline, Programme, Unit, User, Visit
from checklists.services.legal_instruments import legal_instrument_add
from checklists.services.programme_visits import programme_entry_link_visit
from checklists.services.programmes import (
    ProgrammeEntryInput,
    programme_approve,
    programme_create,
)

PROGRAMME_CODE = "KH10-DOAN3"
# The visits of seed_demo that Team No. 3 made under Plan No. 10.
LINKED_VISITS = ("KT3-QN-2024", "KT3-VP-DEMO")


def _window(visit: Visit) -> tuple[dt.date, dt.date]:
    """The local days of a visit's window (its first session's start to its last
    session's end)."""
    assert visit.window_start is not None and visit.window_end is not None
    return (
        timezone.localdate(visit.window_start),
        timezone.localdate(visit.window_end - dt.timedelta(microseconds=1)),
    )


def seed_plan10_programme(
    *, actor: User, outline: Outline, units: dict[str, Unit], people: dict[str, User]
) -> Programme | None:
    """The approved Plan 10 programme; None when it is there already."""
    if Programme.objects.filter(code=PROGRAMME_CODE).exists():
        return None
    visits = {v.code: v for v in Visit.objects.filter(code__in=LINKED_VISITS)}
    if set(visits) != set(LINKED_VISITS):
        return None  # the demo visits were removed: nothing to plan around
    quang_ninh, vinh_phuc = (visits[code] for code in LINKED_VISITS)

    def team_no_3(visit: Visit) -> ProgrammeEntryInput:
        start, end = _window(visit)
        return ProgrammeEntryInput(
            host_unit=visit.host_unit,
            lead=people["truongdoan"],
            deputy=people["phodoan"],
            secretary=people["thuky"],
            members=[people["thanhvien"]],
            window_start=start,
            window_end=end,
        )

    vp_start = _window(vinh_phuc)[0]
    basis, _created = legal_instrument_add(
        actor=actor, citation="Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị"
    )
    programme = programme_create(
        actor=actor,
        code=PROGRAMME_CODE,
        title="Kiểm tra công tác bảo vệ chính trị nội bộ theo Kế hoạch số 10 (Đoàn số 3)",
        issuer=units["tieu-ban-bvctnb"],
        year=vp_start.year,
        outline=outline,
        decision_ref="Kế hoạch số 10 của Tiểu ban Bảo vệ chính trị nội bộ Trung ương",
        legal_basis=[basis],
        entries=[
            team_no_3(quang_ninh),
            team_no_3(vinh_phuc),
            # The deliberate clash: the deputy lead is in Vĩnh Phúc on vp_start.
            ProgrammeEntryInput(
                host_unit=units["thanh-binh"],
                lead=people["phodoan"],
                window_start=vp_start,
                window_end=vp_start + dt.timedelta(days=4),
            ),
        ],
    )
    programme_approve(actor=actor, programme=programme)
    for entry in programme.entries.select_related("host_unit"):
        visit = next((v for v in visits.values() if v.host_unit_id == entry.host_unit_id), None)
        if visit is not None:
            programme_entry_link_visit(actor=actor, entry=entry, visit=visit)
    return programme
