"""What became of the scale seed's concluded and closed visits: an issued
conclusion each, and its recommendations open, reported, done or cancelled, as
plain values for bench.seed_conclusions to write (split from bench.seeder, which
calls it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from bench.seed_conclusions import NewConclusion, NewRecommendation
from bench.seed_data import SECTIONS
from checklists.models import Recommendation, Unit, Visit

if TYPE_CHECKING:
    from bench.seeder import _Seeder, _UnitRow, _VisitPlan

Status = Visit.Status


def plan_conclusions(
    seeder: _Seeder, plans: list[_VisitPlan], units: dict[str, list[_UnitRow]], contacts: dict
) -> list[NewConclusion]:
    """An issued conclusion for every concluded or closed visit (issuing is the
    only way there), with 3 to 7 recommendations (5 on average) to the host unit
    or a unit under it; `contacts` is each unit's contact (who reports)."""
    rng = seeder.rng("conclusions")
    provinces = units[Unit.Kind.PROVINCE]
    below: dict[int, list[int]] = {}
    for unit in units[Unit.Kind.GRASSROOTS]:
        below.setdefault(unit.parent_id or 0, []).append(unit.id)
    conclusions = []
    for p in plans:
        if p.status not in (Status.CONCLUDED, Status.CLOSED):
            continue
        issued_on = seeder._working_day_on_or_after(
            p.day_zero + dt.timedelta(days=rng.randint(20, 45))
        )
        issued_on = min(issued_on, seeder.today)
        issued_at = min(seeder.now, seeder._at(issued_on, rng.randint(8, 16)))
        lead = p.team[0][0]
        addressees = [p.host_unit.id, *below.get(p.host_unit.id, [])]
        recommendations = []
        for _ in range(rng.randint(3, 7)):
            section, _title, _en, topics = rng.choice(SECTIONS)
            addressee = rng.choice(addressees)
            offset = rng.choice((30, 45, 60, 90))
            due = issued_on + dt.timedelta(days=offset)
            recommendations.append(
                _recommendation_fate(
                    seeder,
                    rng,
                    p,
                    issued_at,
                    due,
                    lead,
                    contacts[addressee],
                    NewRecommendation(
                        text=f"Khắc phục: {rng.choice(topics).lower()}",
                        addressee_id=addressee,
                        offset_days=offset,
                        section=section,
                        kind=rng.choices(Recommendation.Kind.values, (6, 2, 2, 1))[0],
                    ),
                )
            )
        conclusions.append(
            NewConclusion(
                visit_id=p.id,
                # The visit's issuer (visit_create's rule): the scope of the
                # province coordinator who created it.
                issuer_id=provinces[p.host_unit.province].id,
                issued_on=issued_on,
                issued_at=issued_at,
                summary=f"Kết luận kiểm tra tại {p.host_unit.name}",
                sections=[(number, title, "") for number, title, _en, _t in SECTIONS],
                recommendations=recommendations,
            )
        )
    return conclusions


def _recommendation_fate(
    seeder: _Seeder,
    rng: random.Random,
    p: _VisitPlan,
    issued_at: dt.datetime,
    due: dt.date,
    lead: int,
    reporter: int,
    new: NewRecommendation,
) -> NewRecommendation:
    """What became of a recommendation: a closed visit's are done (a few
    cancelled, or carried over still open); a concluded one's are open (the
    late ones overdue), reported or done."""
    State = Recommendation.State
    if p.status == Status.CLOSED:
        state = rng.choices((State.DONE, State.CANCELLED, State.OPEN), (90, 5, 5))[0]
    elif due < seeder.today:
        state = rng.choices((State.DONE, State.REPORTED, State.OPEN), (5, 2, 3))[0]
    else:
        state = rng.choices((State.OPEN, State.REPORTED, State.DONE), (6, 3, 1))[0]
    fate: dict[str, Any] = {"state": state, "carried_over": p.status == Status.CLOSED}
    if state == State.CANCELLED:
        fate.update(cancel_reason="Không còn phù hợp", carried_over=False)
    if state in (State.REPORTED, State.DONE):
        span = max(1, (min(due, seeder.today) - issued_at.date()).days)
        reported = issued_at + dt.timedelta(days=rng.randint(1, span), hours=1)
        reported = min(seeder.now, reported)
        fate.update(
            progress=100 if state == State.DONE else rng.choice((50, 70, 80)),
            reported_by_id=reporter,
            reported_at=reported,
        )
        if state == State.DONE:
            fate.update(
                verdict_by_id=lead, verdict_at=min(seeder.now, reported + dt.timedelta(days=2))
            )
            fate["carried_over"] = False
    return dataclasses.replace(new, **fate)
