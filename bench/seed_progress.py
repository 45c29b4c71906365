"""What happened to the scale seed's visits after their creation (bench.seed_scale),
as a bench.seed_visits.Progress: random, but fitting each visit's status."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Any

from bench.seed_data import FINDINGS, TEXT_ANSWERS
from bench.seed_visits import ItemPart, NewVisit
from checklists.models import AnswerType, ChecklistItem, OutlineMilestone, Visit

Status = Visit.Status
ItemStatus = ChecklistItem.Status
# (rng, visit status, due date) -> when the deadline was met, or None.
DoneAt = Callable[[random.Random, str, dt.date], dt.datetime | None]


class SeededProgress:
    """What happened to each seeded visit since its creation, fitting its status:
    deadlines met (or moved by hand), checklist work done, big visits' own items."""

    # Weights of the item statuses (open, in progress, done, not applicable) by the
    # visit's status: work follows the visit.
    MIX = {
        Status.PLANNED: (1, 0, 0, 0),
        Status.ANNOUNCED: (9, 1, 0, 0),
        Status.CANCELLED: (8, 2, 0, 0),
        Status.IN_PROGRESS: (35, 25, 30, 10),
        Status.REPORTING: (10, 10, 70, 10),
        Status.CONCLUDED: (0, 0, 88, 12),
        Status.CLOSED: (0, 0, 88, 12),
    }
    STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS, ItemStatus.DONE,
                ItemStatus.NOT_APPLICABLE)  # fmt: skip

    def __init__(
        self,
        *,
        milestone_rng: random.Random,
        item_rng: random.Random,
        done_at: DoneAt,
        big: set[int],
        own_parts: list[ItemPart],
    ) -> None:
        self.milestone_rng = milestone_rng
        self.item_rng = item_rng
        self.done_at = done_at
        self.big = big
        self.own_parts = own_parts

    def milestone(
        self, visit: NewVisit, template: OutlineMilestone, due: dt.date
    ) -> tuple[dt.date, bool, dt.datetime | None, int | None, int]:
        rng = self.milestone_rng
        # A few deadlines someone moved by hand; they no longer follow day 0.
        by_hand = rng.random() < 0.02
        if by_hand:
            due += dt.timedelta(days=rng.choice((-3, -2, -1, 1, 2, 3, 7)))
        done_at = self.done_at(rng, visit.status, due)
        lead = visit.team[0][0]
        return due, by_hand, done_at, lead if done_at else None, int(by_hand)

    def item(self, visit: NewVisit, part: ItemPart) -> tuple[Any, str, int | None, Any, str, str]:
        rng = self.item_rng
        status = rng.choices(self.STATUSES, self.MIX[visit.status])[0]
        value = self._answer(part[-1]) if status == ItemStatus.DONE else None
        team = [user_id for user_id, _ in visit.team]
        assignee = rng.choice(team) if rng.random() < 0.75 else None
        due = visit.day_zero + dt.timedelta(days=rng.randint(1, 20))
        settled = status in (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE)
        finding = rng.choice(FINDINGS) if settled and rng.random() < 0.1 else ""
        note = "Cần xác minh thêm." if rng.random() < 0.03 else ""
        return value, status, assignee, due if rng.random() < 0.1 else None, finding, note

    def extra_items(self, visit: NewVisit) -> Sequence[ItemPart]:
        return self.own_parts if visit.id in self.big else ()

    def _answer(self, answer_type: str) -> object:
        rng = self.item_rng
        if answer_type == AnswerType.NUMBER:
            return rng.randint(0, 250)
        if answer_type == AnswerType.YES_NO:
            return rng.random() < 0.8
        return rng.choice(TEXT_ANSWERS)
