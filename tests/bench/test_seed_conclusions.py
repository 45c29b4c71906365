"""The scale seed's bulk path for conclusions (bench.seed_conclusions) writes the
rows the services write: `conclusion_issue` (number, sections, recommendations
dated from the issue day with the roll-forward, `issued_recommendations`), a
report waiting for its verdict, a report accepted, a cancellation.

The services make the rows first; they are kept, deleted, and written again by
the bulk path from the same input; both sets must be equal, column by column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import models

from bench.seed_conclusions import NewConclusion, NewRecommendation, load_conclusions
from bench.seed_loader import Loader
from checklists.models import (
    Conclusion,
    ConclusionSection,
    Document,
    ImplementationReport,
    OutgoingRegister,
    Recommendation,
    Unit,
)
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.services.visits import work_calendar
from tests import factories
from tests.checklists.test_reminders_dispatch import build_world
from tests.conclusion_world import issue, move_to, rec

pytestmark = pytest.mark.django_db

State = Recommendation.State
# 3 June 2024, a Monday: 30 days on is Wednesday 3 July, 33 days Saturday 6 July
# (moved to Monday 8 July, rolled_from kept).
ISSUED_ON = dt.date(2024, 6, 3)
# Row identity, clocks, and who acted (the services act as the system here).
NOT_COMPARED = {
    "id", "conclusion", "created_at", "updated_at", "issued_at", "submitted_at",
    "verdict_at", "row_version",
}  # fmt: skip


def rows(model: type[models.Model], **where: Any) -> list[dict[str, Any]]:
    names = [f.attname for f in model._meta.concrete_fields if f.name not in NOT_COMPARED]
    return list(model._default_manager.filter(**where).order_by("pk").values(*names))


def snapshot(visit_id: int) -> dict[str, list[dict[str, Any]]]:
    conclusion = rows(Conclusion, visit_id=visit_id)
    for row in conclusion:
        # The recommendations' ids in the issued copy are the rows' own.
        row["issued_recommendations"] = [
            {k: v for k, v in item.items() if k != "id"} for item in row["issued_recommendations"]
        ]
    return {
        "conclusion": conclusion,
        "sections": rows(ConclusionSection, conclusion__visit_id=visit_id),
        "recommendations": rows(Recommendation, visit_id=visit_id),
        "reports": [
            {k: v for k, v in r.items() if k != "recommendation_id"}
            for r in rows(ImplementationReport, recommendation__visit_id=visit_id)
        ],
        "registers": rows(OutgoingRegister),
    }


def test_it_writes_the_rows_the_services_write():
    world = build_world()
    world.milestone.delete()
    visit = world.visit
    district = visit.host_unit
    grassroots = factories.UnitFactory(parent=district, kind=Unit.Kind.GRASSROOTS)
    contact = factories.host_contact(grassroots)
    fates = [
        (district, 30, State.OPEN),
        (grassroots, 33, State.REPORTED),
        (district, 45, State.DONE),
        (grassroots, 60, State.CANCELLED),
        (district, 90, State.OPEN),
    ]
    issued = issue(
        visit,
        *[rec(unit, f"Kiến nghị {days}", offset_days=days) for unit, days, _ in fates],
        issued_on=ISSUED_ON,
    )
    for recommendation, (unit, _days, state) in zip(issued, fates, strict=True):
        if state != State.OPEN:
            reporter = contact if unit == grassroots else world.host1
            move_to(recommendation, state, reporter=reporter)
    by_services = snapshot(visit.pk)
    conclusion = Conclusion.objects.get(visit=visit)
    reports = {
        r.recommendation_id: r
        for r in ImplementationReport.objects.filter(recommendation__visit=visit)
    }
    new = NewConclusion(
        visit_id=visit.pk,
        issuer_id=conclusion.issuer_id,
        issued_on=ISSUED_ON,
        issued_at=conclusion.issued_at,
        summary=conclusion.summary,
        sections=[(s.number, s.title, s.shortcomings) for s in conclusion.sections.all()],
        recommendations=[
            NewRecommendation(
                text=r.text,
                addressee_id=r.addressee_id,
                offset_days=r.offset_days,
                section=r.section,
                kind=r.kind,
                state=r.state,
                progress=r.progress,
                cancel_reason=r.cancel_reason,
                report_text=reports[r.pk].text if r.pk in reports else "",
                reported_by_id=reports[r.pk].submitted_by_id if r.pk in reports else None,
                reported_at=reports[r.pk].submitted_at if r.pk in reports else None,
                verdict_by_id=reports[r.pk].verdict_by_id if r.pk in reports else None,
                verdict_at=reports[r.pk].verdict_at if r.pk in reports else None,
            )
            for r in issued
        ],
    )
    # Delete what the services wrote; the bulk path writes it again (all but the
    # issued copy: the seed leaves that to generate_issued_documents).
    Document.objects.filter(visit=visit).delete()
    Conclusion.objects.filter(visit=visit).delete()
    OutgoingRegister.objects.all().delete()

    load_conclusions(Loader(batch_size=100, write=lambda _: None), [new], calendar=work_calendar())

    by_seed = snapshot(visit.pk)
    # A done one keeps REMINDER_REPLAN_AT after the verdict until the next pass
    # clears it; the seed writes it as that pass leaves it (no more reminders).
    for row in by_services["recommendations"]:
        if row["state"] == State.DONE:
            assert row["next_reminder_at"] == REMINDER_REPLAN_AT
            row["next_reminder_at"] = None
    assert by_seed == by_services
    kn2 = by_seed["recommendations"][1]
    assert (kn2["due_date"], kn2["rolled_from"]) == (dt.date(2024, 7, 8), dt.date(2024, 7, 6))
