"""The volume of SPEC §10 in bulk, for the benchmarks: `seed_scale()`, run by
`python -m bench.seed_scale` and by `python -m bench.run` for its database.

10,000 visits, 200,000 milestones and 500,000 checklist items by default, with the
unit tree, people, sessions and teams around them. Units, people and the outline
are plain rows or go through the outline services; visits go through the bulk path
of bench.seed_visits, which writes the rows `visit_create` writes (a test pins
that) and then what happened since: deadlines met, items answered.

Benchmark code, not product code: it lives in bench/, outside the apps.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from bench.seed_conclusions import load_conclusions
from bench.seed_data import (
    CITIES,
    GIVEN_NAMES,
    GRASSROOTS_PREFIXES,
    MIDDLE_NAMES,
    MILESTONES,
    PLACE_STEMS,
    PROVINCES,
    REPORTED_OPTIONS,
    SECTION_WEIGHTS,
    SECTIONS,
    SURNAMES,
    UNIT_COLUMNS,
    USER_COLUMNS,
)
from bench.seed_loader import Loader, SeedError
from bench.seed_options import MIN_REPORT_PAGES, check_options, default_options
from bench.seed_outcomes import plan_conclusions
from bench.seed_progress import SeededProgress
from bench.seed_reports import ReportPlan, load_reports
from bench.seed_visits import ItemPart, NewSession, NewVisit, load_visits
from checklists.models import (
    AnswerType,
    ChecklistItem,
    Conclusion,
    ConclusionSection,
    ImplementationReport,
    Milestone,
    OutgoingRegister,
    Outline,
    Recommendation,
    ReportRevision,
    Review,
    ReviewComment,
    RevisionComparison,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.services.checklist import (
    ADDITIONAL_SECTION_NUMBER,
    ADDITIONAL_SECTION_TITLE,
    ADDITIONAL_SECTION_TITLE_EN,
)
from checklists.services.outlines import (
    ItemData,
    MilestoneData,
    OutlineData,
    SectionData,
    outline_create,
    outline_publish,
)
from checklists.services.visits import work_calendar
from checklists.workdays import WorkCalendar

OUTLINE_CODE = "KH-10-SCALE"

Status = Visit.Status
ItemStatus = ChecklistItem.Status
Role = TeamMembership.Role


@dataclass
class _UnitRow:
    id: int
    name: str
    code: str
    parent_id: int | None
    kind: str
    path: str
    province: int  # index into the province list; -1 for the central unit


@dataclass
class _VisitPlan:
    id: int
    host_unit: _UnitRow
    day_zero: dt.date
    session_days: list[dt.date]
    status: str
    team: list[tuple[int, str]]  # (user id, role)
    big: bool
    created_by_id: int
    created_at: dt.datetime


def _to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def seed_scale(*, write: Callable[[str], None] = _to_stderr, **overrides: Any) -> dict[str, Any]:
    """Seed the volume (options as the command line's, with underscores) and return
    the report: time per table, backend, method and the options that shaped it."""
    options = {**default_options(), **overrides}
    unknown = set(overrides) - set(default_options())
    if unknown:
        raise SeedError(f"Unknown options: {sorted(unknown)}.")
    check_options(options)
    existing = Visit.objects.count()
    if existing and not options["append"]:
        raise SeedError(
            f"The database already holds {existing:,} visits. seed_scale builds a data set "
            "from scratch; use a fresh database, or pass --append to add another set."
        )
    return _Seeder(options, write=write).run()


class _Seeder:
    def __init__(self, options: dict[str, Any], *, write: Callable[[str], None]) -> None:
        self.o = options
        self.write = write
        self.seed = options["seed"]
        self.loader = Loader(batch_size=options["batch_size"], write=write)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.tz = timezone.get_current_timezone()
        self.calendar: WorkCalendar = work_calendar()

    def rng(self, table: str) -> random.Random:
        # One generator per table, so each table's content depends only on the seed
        # and the plan, not on how many draws other tables made.
        return random.Random(f"{self.seed}:{table}")

    def run(self) -> dict:
        started = time.perf_counter()
        self.write(
            f"Seeding {self.o['visits']:,} visits on {connection.vendor} "
            f"({'COPY' if self.loader.copy else 'bulk_create'}):"
        )
        with transaction.atomic():
            units = self.seed_units()
            people = self.seed_people(units)
            outline = self.seed_outline()
            plans = self.plan_visits(units, people)
            self.seed_visits(plans, outline)
            self.seed_conclusions(plans, units, people)
            self.seed_reports(plans, units, people)
            self.reset_sequences()
            committing = time.perf_counter()
        # PostgreSQL checks the (deferred) foreign keys of every copied row here.
        self.timed("commit", committing)
        self.analyze()
        seconds = time.perf_counter() - started
        self.write(f"Seeded in {seconds:.1f} s.")
        return {
            "seconds": round(seconds, 3),
            "tables": self.loader.tables,
            "backend": connection.vendor,
            "method": "copy" if self.loader.copy else "bulk_create",
            "options": {name: self.o[name] for name in REPORTED_OPTIONS},
        }

    # --- units ------------------------------------------------------------------

    def seed_units(self) -> dict[str, list[_UnitRow]]:
        rng = self.rng("units")
        next_id = self.loader.next_id(Unit)
        units: dict[str, list[_UnitRow]] = {kind: [] for kind in Unit.Kind.values}

        def add(kind: str, name: str, code: str, parent: _UnitRow | None, province: int) -> None:
            nonlocal next_id
            path = f"{parent.path if parent else '/'}{next_id}/"
            parent_id = parent.id if parent else None
            units[kind].append(
                _UnitRow(next_id, name, f"{code}-{next_id}", parent_id, kind, path, province)
            )
            next_id += 1

        def place() -> str:
            return f"{rng.choice(PLACE_STEMS)} {rng.choice(PLACE_STEMS)}"

        add(
            Unit.Kind.CENTRAL, "Tiểu ban Bảo vệ chính trị nội bộ Trung ương", "trung-uong", None, -1
        )
        central = units[Unit.Kind.CENTRAL][0]
        for index in range(self.o["provinces"]):
            name = PROVINCES[index % len(PROVINCES)]
            if index >= len(PROVINCES):
                name = f"{name} {index // len(PROVINCES) + 1}"
            prefix = "Thành ủy" if index % len(PROVINCES) < CITIES else "Tỉnh ủy"
            add(Unit.Kind.PROVINCE, f"{prefix} {name}", "tinh", central, index)
        provinces = units[Unit.Kind.PROVINCE]
        for province, count in zip(
            provinces, _spread(self.o["districts"], len(provinces)), strict=True
        ):
            for _ in range(count):
                prefix = rng.choices(("Huyện ủy", "Thị ủy", "Thành ủy"), (8, 1, 1))[0]
                add(Unit.Kind.DISTRICT, f"{prefix} {place()}", "huyen", province, province.province)
        districts = units[Unit.Kind.DISTRICT]
        for district, count in zip(
            districts, _spread(self.o["grassroots"], len(districts)), strict=True
        ):
            for _ in range(count):
                prefix = rng.choices(GRASSROOTS_PREFIXES, (6, 3, 1, 2))[0]
                add(
                    Unit.Kind.GRASSROOTS,
                    f"{prefix} {place()}",
                    "co-so",
                    district,
                    district.province,
                )
        self.loader.load(
            "units",
            Unit,
            UNIT_COLUMNS,
            (
                (u.id, u.name, "", u.code, u.parent_id, u.kind, u.path)
                for level in units.values()
                for u in level
            ),
        )
        return units

    # --- people -----------------------------------------------------------------

    def seed_people(self, units: dict[str, list[_UnitRow]]) -> dict:
        rng = self.rng("people")
        # Hashed once for everybody: hashing thousands of passwords would take minutes.
        password = make_password(self.o["password"] or None)
        next_id = self.loader.next_id(User)
        rows: list[tuple] = []

        def person(prefix: str, *, scope: int | None = None, host_unit: int | None = None,
                   coordinator: bool = False) -> int:  # fmt: skip
            nonlocal next_id
            user_id, next_id = next_id, next_id + 1
            username = f"{prefix}-{user_id}"
            name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"
            language = "en" if rng.random() < 0.1 else "vi"
            rows.append((user_id, password, username, name, f"{username}@example.org", language,
                         coordinator, scope, host_unit, self.now, True))  # fmt: skip
            return user_id

        provinces = units[Unit.Kind.PROVINCE]
        people = {
            "everything": person("coord-all", coordinator=True),
            "coordinators": {
                p.province: [
                    person("coord", coordinator=True, scope=p.id)
                    for _ in range(self.o["coordinators_per_province"])
                ]
                for p in provinces
            },
            "inspectors": {
                p.province: [person("inspector") for _ in range(self.o["inspectors_per_province"])]
                for p in provinces
            },
        }
        people["contacts"] = {
            unit.id: person("contact", host_unit=unit.id)
            for kind in (Unit.Kind.PROVINCE, Unit.Kind.DISTRICT, Unit.Kind.GRASSROOTS)
            for unit in units[kind]
        }
        self.loader.load("users", User, USER_COLUMNS, rows)
        return people

    # --- the outline ------------------------------------------------------------

    def seed_outline(self) -> Outline:
        started = time.perf_counter()
        rng = self.rng("outline")
        per_section = _spread_weighted(self.o["items_per_visit"], SECTION_WEIGHTS)
        sections = []
        for (number, title, title_en, topics), count in zip(SECTIONS, per_section, strict=True):
            if not count:
                continue
            items = []
            for i in range(1, count + 1):
                topic = topics[(i - 1) % len(topics)]
                if i > len(topics):
                    topic = f"{topic} (điểm {(i - 1) // len(topics) + 1})"
                answer = rng.choices(AnswerType.values, (6, 2, 2))[0]
                items.append(ItemData(number=str(i), text=topic, answer=answer))
            sections.append(
                SectionData(number=number, title=title, title_en=title_en, items=tuple(items))
            )
        milestones = []
        for index in range(self.o["milestones_per_visit"]):
            key, title, title_en, responsible, days, working = MILESTONES[index % len(MILESTONES)]
            if index >= len(MILESTONES):
                round_ = index // len(MILESTONES) + 1
                key, title = f"{key}-{round_}", f"{title} (lần {round_})"
                days = None if days is None else days + 7 * round_
                working = None if working is None else working + 5 * round_
            milestones.append(
                MilestoneData(
                    key=key,
                    title=title,
                    title_en=title_en,
                    responsible=responsible,
                    offset_days=days,
                    offset_working_days=working,
                )
            )
        latest = Outline.objects.filter(code=OUTLINE_CODE).aggregate(v=Max("version"))["v"] or 0
        data = OutlineData(
            code=OUTLINE_CODE,
            version=latest + 1,
            title="Đề cương báo cáo công tác bảo vệ chính trị nội bộ (dữ liệu quy mô)",
            title_en="Internal political protection report outline (scale data)",
            issuer="Tiểu ban Bảo vệ chính trị nội bộ Trung ương",
            references=("Quy định số 126-QĐ/TW ngày 28/02/2018",),
            sections=tuple(sections),
            milestones=tuple(milestones),
        )
        outline = outline_publish(actor=None, outline=outline_create(actor=None, data=data))
        seconds = time.perf_counter() - started
        self.loader.tables["outline"] = {"rows": 1, "seconds": round(seconds, 3)}
        self.write(f"  {'outline':<18} {self.o['items_per_visit']:>9,} items in {seconds:7.2f} s")
        return outline

    # --- visits -----------------------------------------------------------------

    def plan_visits(self, units: dict[str, list[_UnitRow]], people: dict) -> list[_VisitPlan]:
        """Who, where, when and in which state, for every visit, before any row is
        written: the tables below all follow the same plan."""
        rng = self.rng("visits")
        first_id = self.loader.next_id(Visit)
        count = self.o["visits"]
        big = set(rng.sample(range(count), min(self.o["big_visits"], count)))
        levels = [
            (units[k], w)
            for k, w in (("province", 10), ("district", 35), ("grassroots", 55))
            if units[k]
        ]
        pools, weights = zip(*levels, strict=True)
        plans = []
        for index in range(count):
            host = rng.choice(rng.choices(pools, weights)[0])
            # Three years around today: two behind, one ahead.
            day_zero = self._working_day_on_or_after(
                self.today + dt.timedelta(days=rng.randint(-730, 365))
            )
            session_days = [day_zero]
            for _ in range(rng.choice((0, 1, 1, 1, 2))):
                session_days.append(self.calendar.add_working_days(session_days[-1], 1))
            size = rng.randint(3, 6)
            members = rng.sample(people["inspectors"][host.province], size)
            roles = [Role.LEAD, Role.DEPUTY, Role.SECRETARY, *[Role.MEMBER] * (size - 3)]
            created = day_zero - dt.timedelta(days=rng.randint(25, 60))
            plans.append(
                _VisitPlan(
                    id=first_id + index,
                    host_unit=host,
                    day_zero=day_zero,
                    session_days=session_days,
                    status=self._status(rng, day_zero),
                    team=list(zip(members, roles, strict=True)),
                    big=index in big,
                    created_by_id=rng.choice(people["coordinators"][host.province]),
                    created_at=min(
                        self.now, self._at(created, rng.randint(7, 17), rng.choice((0, 30)))
                    ),
                )
            )
        return plans

    def _status(self, rng: random.Random, day_zero: dt.date) -> str:
        """A status fitting the visit's dates, with the stragglers real visits have."""
        if rng.random() < 0.04:
            return Status.CANCELLED
        ahead = (day_zero - self.today).days
        if ahead > 21:
            return Status.PLANNED if rng.random() < 0.85 else Status.ANNOUNCED
        if ahead > 0:
            return Status.ANNOUNCED if rng.random() < 0.8 else Status.PLANNED
        since = -ahead
        if since <= 10:
            return Status.IN_PROGRESS
        if since <= 40:
            return Status.REPORTING if rng.random() < 0.8 else Status.IN_PROGRESS
        if since <= 100:
            return Status.CONCLUDED if rng.random() < 0.6 else Status.REPORTING
        return Status.CLOSED if rng.random() < 0.85 else Status.CONCLUDED

    def _working_day_on_or_after(self, day: dt.date) -> dt.date:
        while not self.calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def seed_visits(self, plans: list[_VisitPlan], outline: Outline) -> None:
        """The visits through the bulk path of bench.seed_visits: the rows
        visit_create would write, then their progress (_SeededProgress)."""
        rng = self.rng("visit-rows")
        sessions_rng = self.rng("sessions")

        def sessions(p: _VisitPlan) -> list[NewSession]:
            where = (
                f"{sessions_rng.choice(('Hội trường', 'Phòng họp', 'Trụ sở'))} {p.host_unit.name}"
            )
            return [
                NewSession(
                    start=self._at(day, 8),
                    end=self._at(day, 11, 30) if sessions_rng.random() < 0.3 else self._at(day, 17),
                    location=where,
                )
                for day in p.session_days
            ]

        visits = [
            NewVisit(
                id=p.id,
                outline_id=outline.id,
                host_unit_id=p.host_unit.id,
                title=f"Kiểm tra công tác bảo vệ chính trị nội bộ tại {p.host_unit.name}",
                sessions=sessions(p),
                team=p.team,
                decision_ref=f"{rng.randint(1, 999)}-QĐ/BCĐ ngày {p.created_at:%d/%m/%Y}",
                code=f"KT-{p.day_zero.year}-{p.id:06d}",
                status=p.status,
                created_by_id=p.created_by_id,
                created_at=p.created_at,
            )
            for p in plans
        ]
        big = {p.id for p in plans if p.big}
        progress = SeededProgress(
            milestone_rng=self.rng("milestones"),
            item_rng=self.rng("items"),
            done_at=self._done_at,
            big=big,
            own_parts=_own_item_parts(
                outline, self.o["big_visit_items"] - self.o["items_per_visit"]
            ),
        )
        load_visits(
            self.loader,
            visits,
            outline=outline,
            calendar=self.calendar,
            progress=progress,
            now=self.now,
        )

    def _done_at(self, rng: random.Random, status: str, due: dt.date) -> dt.datetime | None:
        """Closed visits met every deadline; active ones met most past deadlines (the
        rest are overdue) and a few future ones early; cancelled ones stopped."""
        if status == Status.CANCELLED:
            return None
        past = due < self.today
        chance = 1.0 if status == Status.CLOSED else 0.85 if past else 0.05
        if rng.random() >= chance:
            return None
        met = due - dt.timedelta(days=rng.randint(0, 3)) if past else self.today
        return min(self.now, self._at(met, rng.randint(8, 17), rng.choice((0, 15, 30, 45))))

    # --- conclusions --------------------------------------------------------------

    def seed_conclusions(
        self, plans: list[_VisitPlan], units: dict[str, list[_UnitRow]], people: dict
    ) -> None:
        """An issued conclusion for every concluded or closed visit (issuing is the
        only way there), with its recommendations (bench.seed_outcomes), through the
        bulk path of bench.seed_conclusions."""
        conclusions = plan_conclusions(self, plans, units, people["contacts"])
        load_conclusions(self.loader, conclusions, calendar=self.calendar)

    # --- draft reports ------------------------------------------------------------

    def seed_reports(
        self, plans: list[_VisitPlan], units: dict[str, list[_UnitRow]], people: dict
    ) -> None:
        """Draft reports for the pages benchmark (bench.pages' revision page): 30-page
        drafts in three revisions for the big visit its team lead is measured on and
        for a visit of the busiest province (its coordinator's, as BenchContext
        picks it: most visits, then the lowest id), and the shortest drafts in two
        revisions for another visit of each (the page with fewer rows)."""
        if not plans:
            return
        lead_visit = min((p for p in plans if p.big), key=lambda p: p.id, default=plans[0])
        lead = next(user for user, role in lead_visit.team if role == Role.LEAD)
        counts: dict[int, int] = {}
        for p in plans:
            counts[p.host_unit.province] = counts.get(p.host_unit.province, 0) + 1
        province_ids = {u.province: u.id for u in units[Unit.Kind.PROVINCE]}
        busiest = max(counts, key=lambda index: (counts[index], -province_ids[index]))
        chosen: list[tuple[_VisitPlan, int, int]] = []

        def pick(candidates: list[_VisitPlan], revisions: int, pages: int) -> None:
            taken = {p.id for p, _revisions, _pages in chosen}
            plan = next((p for p in candidates if p.id not in taken), None)
            if plan is not None:
                chosen.append((plan, revisions, pages))

        in_province = [p for p in plans if p.host_unit.province == busiest]
        pick([lead_visit], 3, self.o["report_pages"])
        pick(in_province, 3, self.o["report_pages"])
        pick([p for p in plans if lead in dict(p.team)], 2, MIN_REPORT_PAGES)
        pick(in_province, 2, MIN_REPORT_PAGES)
        report_plans = [
            ReportPlan(
                visit_id=p.id,
                uploader_id=people["contacts"][p.host_unit.id],
                reviewer_id=next(user for user, role in p.team if role == Role.LEAD),
                revisions=revisions,
                pages=pages,
                seed=self.seed + p.id,
            )
            for p, revisions, pages in chosen
        ]
        started = time.perf_counter()
        load_reports(self.loader, report_plans, now=self.now)
        self.timed("reports kept", started)

    # --- after the load ---------------------------------------------------------

    SEEDED = (
        Unit, User, Visit, WorkingSession, TeamMembership, Milestone, ChecklistItem,
        Conclusion, ConclusionSection, Recommendation, ImplementationReport, OutgoingRegister,
        ReportRevision, Review, ReviewComment, RevisionComparison,
    )  # fmt: skip

    def reset_sequences(self) -> None:
        """Explicit ids leave the identity sequences behind; the next ordinary insert
        would collide with a seeded row."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.SEEDED))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self) -> None:
        """Fresh statistics, so the planner sees 500,000 items rather than an empty table
        until autovacuum gets round to it; and the visibility map autovacuum would
        have written by then, so index-only scans (the overview's open-deadline
        counts) read as they do in a database that has been running a while.
        After the seeding transaction: VACUUM cannot run in one."""
        if connection.vendor != "postgresql":
            return
        started = time.perf_counter()
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in self.SEEDED)
        with connection.cursor() as cursor:
            # A test seeds inside its own transaction: statistics only there.
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{vacuum} {tables}")
        self.timed("analyze", started)

    def timed(self, label: str, started: float) -> None:
        seconds = time.perf_counter() - started
        self.loader.tables[label] = {"rows": 0, "seconds": round(seconds, 3)}
        self.write(f"  {label:<18} {'':>9}      in {seconds:7.2f} s")


def _own_item_parts(outline: Outline, count: int) -> list[ItemPart]:
    """A big visit's own items, in a section after the outline's (as
    checklist_item_add files them)."""
    last_section = outline.sections.order_by("-position").values_list("position", flat=True).first()
    own_section = (last_section or 0) + 1
    return [
        (ChecklistItem.Origin.VISIT, None, ADDITIONAL_SECTION_NUMBER, ADDITIONAL_SECTION_TITLE,
         ADDITIONAL_SECTION_TITLE_EN, own_section, str(n), n,
         f"Nội dung bổ sung số {n}: làm rõ hồ sơ thẩm định", "", AnswerType.TEXT)
        for n in range(1, count + 1)
    ]  # fmt: skip


def _spread(total: int, buckets: int) -> list[int]:
    """`total` split into `buckets` near-equal whole parts."""
    return [total // buckets + (1 if i < total % buckets else 0) for i in range(buckets)]


def _spread_weighted(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split by weights (largest remainders), every part at least 1 while it lasts."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    for i, part in enumerate(parts):
        if part == 0 and max(parts) > 1:
            parts[parts.index(max(parts))] -= 1
            parts[i] = 1
    return parts
