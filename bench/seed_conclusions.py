"""The scale seed's bulk path for conclusions: the rows `conclusion_issue` (and the
implementation reports and verdicts after it) write, for thousands of visits.

A concluded or closed visit has exactly one issued conclusion (issuing is the only
way to `concluded`), numbered in its issuer's "KL" register, with its
recommendations opened and dated from the issue day (calendar days rolled past
days off, as `recommendations_open`), then carried on: reported (one report
waiting for its verdict), done (a report accepted), cancelled, or still open.
What "the same rows" means is pinned by tests/bench/test_seed_conclusions.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bench.seed_loader import Loader
from checklists.models import (
    Conclusion,
    ConclusionSection,
    ImplementationReport,
    OutgoingRegister,
    Recommendation,
)
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.services.recommendations import recommendation_code
from checklists.workdays import WorkCalendar

State = Recommendation.State
Verdict = ImplementationReport.Verdict

CONCLUSION_COLUMNS = (
    "id",
    "visit_id",
    "state",
    "summary",
    "issuer_id",
    "register_year",
    "number",
    "issued_on",
    "issued_at",
    "issued_recommendations",
    "created_at",
    "updated_at",
)
SECTION_COLUMNS = (
    "id",
    "conclusion_id",
    "number",
    "title",
    "position",
    "strengths",
    "shortcomings",
)
RECOMMENDATION_COLUMNS = (
    "id",
    "conclusion_id",
    "visit_id",
    "code",
    "position",
    "text",
    "section",
    "kind",
    "addressee_id",
    "offset_days",
    "due_date",
    "rolled_from",
    "state",
    "progress",
    "cancel_reason",
    "carried_over",
    "next_reminder_at",
    "created_at",
    "updated_at",
)
REPORT_COLUMNS = (
    "id",
    "recommendation_id",
    "text",
    "progress",
    "submitted_by_id",
    "submitted_at",
    "verdict",
    "verdict_by_id",
    "verdict_at",
)
REGISTER_COLUMNS = ("id", "unit_id", "type_code", "year", "next_number")


@dataclass(frozen=True)
class NewRecommendation:
    """A recommendation as the draft gives it (in calendar days after the issue),
    and what became of it: its state, and who reported and judged."""

    text: str
    addressee_id: int
    offset_days: int
    section: str = ""
    kind: str = Recommendation.Kind.REMEDY
    state: str = State.OPEN
    progress: int = 0
    cancel_reason: str = ""
    carried_over: bool = False
    report_text: str = "Đã triển khai thực hiện"
    reported_by_id: int | None = None
    reported_at: dt.datetime | None = None
    verdict_by_id: int | None = None
    verdict_at: dt.datetime | None = None


@dataclass(frozen=True)
class NewConclusion:
    visit_id: int
    issuer_id: int
    issued_on: dt.date
    issued_at: dt.datetime
    summary: str
    # (number, title, shortcomings), as _prefill_sections makes them.
    sections: Sequence[tuple[str, str, str]]
    recommendations: Sequence[NewRecommendation]


def load_conclusions(
    loader: Loader, conclusions: Sequence[NewConclusion], *, calendar: WorkCalendar
) -> None:
    """Write the issued conclusions with their sections, recommendations, reports
    and the registers' next numbers. Numbers follow the issue order within each
    (issuer, year), after what the registers already hold."""
    registers = {
        (unit_id, year): (pk, next_number)
        for pk, unit_id, year, next_number in OutgoingRegister.objects.filter(
            type_code=Conclusion.REGISTER_TYPE
        ).values_list("pk", "unit_id", "year", "next_number")
    }
    taken: dict[tuple[int, int], int] = defaultdict(int)
    numbers: dict[int, int] = {}
    for c in sorted(conclusions, key=lambda c: (c.issued_at, c.visit_id)):
        key = (c.issuer_id, c.issued_on.year)
        numbers[c.visit_id] = registers.get(key, (0, 1))[1] + taken[key]
        taken[key] += 1
    # Dated once per (issue day, offset): visits share both.
    dated: dict[tuple[dt.date, int], tuple[dt.date, dt.date | None]] = {}

    def due(issued_on: dt.date, days: int) -> tuple[dt.date, dt.date | None]:
        if (issued_on, days) not in dated:
            dated[issued_on, days] = calendar.dated(
                issued_on, offset_days=days, offset_working_days=None
            )
        return dated[issued_on, days]

    first = {
        "conclusion": loader.next_id(Conclusion),
        "section": loader.next_id(ConclusionSection),
        "recommendation": loader.next_id(Recommendation),
        "report": loader.next_id(ImplementationReport),
        "register": loader.next_id(OutgoingRegister),
    }
    ids = {c.visit_id: first["conclusion"] + n for n, c in enumerate(conclusions)}

    def recommendation_ids() -> Iterator[tuple[NewConclusion, int, NewRecommendation, int]]:
        next_id = first["recommendation"]
        for c in conclusions:
            for position, r in enumerate(c.recommendations, start=1):
                yield c, position, r, next_id
                next_id += 1

    def conclusion_rows() -> Iterator[tuple]:
        # Recommendations are numbered in the same order as recommendation_ids().
        rec_id = first["recommendation"]
        for c in conclusions:
            issued = []
            for position, r in enumerate(c.recommendations, start=1):
                issued.append(
                    {
                        "id": rec_id,
                        "code": recommendation_code(position),
                        "text": r.text,
                        "kind": r.kind,
                        "section": r.section,
                        "addressee": r.addressee_id,
                        "due_date": due(c.issued_on, r.offset_days)[0].isoformat(),
                    }
                )
                rec_id += 1
            yield (
                ids[c.visit_id],
                c.visit_id,
                Conclusion.State.ISSUED,
                c.summary,
                c.issuer_id,
                c.issued_on.year,
                numbers[c.visit_id],
                c.issued_on,
                c.issued_at,
                issued,
                c.issued_at,
                c.issued_at,
            )

    def section_rows() -> Iterator[tuple]:
        next_id = first["section"]
        for c in conclusions:
            for position, (number, title, shortcomings) in enumerate(c.sections, start=1):
                yield (next_id, ids[c.visit_id], number, title, position, "", shortcomings)
                next_id += 1

    def recommendation_rows() -> Iterator[tuple]:
        for c, position, r, pk in recommendation_ids():
            date, rolled_from = due(c.issued_on, r.offset_days)
            # Pending ones are planned at the next pass, as recommendations_open leaves them.
            next_at = REMINDER_REPLAN_AT if r.state in Recommendation.PENDING_STATES else None
            changed = r.verdict_at or r.reported_at or c.issued_at
            yield (
                pk,
                ids[c.visit_id],
                c.visit_id,
                recommendation_code(position),
                position,
                r.text,
                r.section,
                r.kind,
                r.addressee_id,
                r.offset_days,
                date,
                rolled_from,
                r.state,
                r.progress,
                r.cancel_reason,
                r.carried_over,
                next_at,
                c.issued_at,
                changed,
            )

    def report_rows() -> Iterator[tuple]:
        next_id = first["report"]
        for _c, _position, r, pk in recommendation_ids():
            if r.reported_at is None:
                continue
            verdict = Verdict.ACCEPTED if r.state == State.DONE else Verdict.PENDING
            yield (
                next_id,
                pk,
                r.report_text,
                r.progress,
                r.reported_by_id,
                r.reported_at,
                verdict,
                r.verdict_by_id,
                r.verdict_at,
            )
            next_id += 1

    def register_rows() -> Iterator[tuple]:
        next_id = first["register"]
        for (unit_id, year), count in sorted(taken.items()):
            if (unit_id, year) not in registers:
                yield (next_id, unit_id, Conclusion.REGISTER_TYPE, year, 1 + count)
                next_id += 1

    loader.load("conclusions", Conclusion, CONCLUSION_COLUMNS, conclusion_rows())
    loader.load("conclusion sections", ConclusionSection, SECTION_COLUMNS, section_rows())
    loader.load("recommendations", Recommendation, RECOMMENDATION_COLUMNS, recommendation_rows())
    loader.load("impl. reports", ImplementationReport, REPORT_COLUMNS, report_rows())
    loader.load("registers", OutgoingRegister, REGISTER_COLUMNS, register_rows())
    for (unit_id, year), count in taken.items():
        if (unit_id, year) in registers:
            pk, next_number = registers[unit_id, year]
            OutgoingRegister.objects.filter(pk=pk).update(next_number=next_number + count)
