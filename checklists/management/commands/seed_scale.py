"""The volume of SPEC §10 in bulk: `manage.py seed_scale` (run by `make bench`).

10,000 visits, 200,000 milestones and 500,000 checklist items by default, with the
unit tree, people, sessions and teams around them. It bypasses the services on
purpose: creating 10,000 visits one by one through `visit_create` would take hours.
The rows it writes are shaped like the services' (copied outline items, milestones
dated from day 0 with the outline's offsets) so the benchmarks query realistic data.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from checklists.models import (
    AnswerType,
    ChecklistItem,
    Milestone,
    Outline,
    OutlineItem,
    OutlineMilestone,
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
PROGRESS_EVERY = 100_000

# The 63 provinces and centrally run cities before the 2025 merger; the first five
# are cities, whose party committee is a "Thành ủy".
PROVINCES = (
    "Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "An Giang",
    "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng",
    "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La",
    "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang",
    "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip
CITIES = 5
PLACE_STEMS = (
    "Tân", "Phú", "Bình", "An", "Hòa", "Đông", "Tây", "Nam", "Bắc", "Vĩnh", "Thạnh", "Long",
    "Thuận", "Mỹ", "Gia", "Quảng", "Hưng", "Yên", "Lộc", "Sơn", "Thanh", "Trà", "Cẩm",
    "Kim", "Hải", "Lạc", "Xuân", "Đức", "Phước", "Hiệp", "Thọ", "Châu", "Trung", "Hậu",
)  # fmt: skip
SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
)  # fmt: skip
MIDDLE_NAMES = (
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu", "Hoàng", "Anh",
)  # fmt: skip
GIVEN_NAMES = (
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
    "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Phong", "Phúc",
    "Quang", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Tùng", "Vân",
    "Việt", "Yến",
)  # fmt: skip

# The Plan 10 outline's sections (../shared/data/plan10-outline.yaml), with topics to
# draw items from; a section that runs out of topics gets numbered sub-points.
SECTIONS = (
    ("I", "Đặc điểm tình hình", "General situation", (
        "Số tổ chức đảng trực thuộc và tổng số đảng viên",
        "Tình hình chính trị nội bộ trên địa bàn",
        "Đặc điểm dân cư, tôn giáo, dân tộc",
        "Tổ chức bộ máy làm công tác bảo vệ chính trị nội bộ",
    )),
    ("II", "Công tác lãnh đạo, chỉ đạo, quán triệt", "Leadership, direction and dissemination", (
        "Quán triệt, cụ thể hóa Quy định số 126-QĐ/TW và Hướng dẫn số 19-HD/BTCTW",
        "Thực hiện Chỉ thị số 39-CT/TW và Kết luận số 72-KL/TW",
        "Ban hành và thực hiện quy chế phối hợp giữa các cơ quan",
        "Kiện toàn ban chỉ đạo, tổ giúp việc",
    )),
    ("III", "Kết quả thực hiện nhiệm vụ", "Results", (
        "Thẩm định tiêu chuẩn chính trị nhân sự đại hội đảng các cấp",
        "Thẩm định tiêu chuẩn chính trị người ứng cử Hội đồng nhân dân",
        "Thẩm định hồ sơ kết nạp đảng viên",
        "Thẩm định phục vụ quy hoạch, đề bạt, bổ nhiệm cán bộ",
        "Quản lý cán bộ, đảng viên đi nước ngoài",
        "Giải quyết đơn thư liên quan đến lịch sử chính trị",
        "Bảo vệ bí mật nhà nước, quản lý hồ sơ đảng viên",
        "Đấu tranh phản bác quan điểm sai trái, thù địch trên không gian mạng",
    )),
    ("IV", "Hạn chế, nguyên nhân", "Limitations and causes", (
        "Những hạn chế, tồn tại",
        "Nguyên nhân của hạn chế",
    )),
    ("V", "Phương hướng, nhiệm vụ, giải pháp", "Directions, tasks and solutions", (
        "Nhiệm vụ, giải pháp trọng tâm thời gian tới",
    )),
    ("VI", "Kiến nghị, đề xuất", "Recommendations", (
        "Kiến nghị với cấp trên",
    )),
)  # fmt: skip
# Share of the outline's items each section takes (section III carries the bulk).
SECTION_WEIGHTS = (0.12, 0.16, 0.42, 0.12, 0.1, 0.08)

# (key, title, title_en, responsible, calendar-day offset, working-day offset): the
# life of a visit from the approved plan to the follow-up on its conclusion.
MILESTONES = (
    ("plan_approved", "Phê duyệt kế hoạch kiểm tra", "Inspection plan approved", "coordinator", -30, None),
    ("decision_issued", "Ban hành quyết định kiểm tra", "Inspection decision issued", "coordinator", -21, None),
    ("outline_sent", "Gửi đề cương cho đơn vị", "Outline sent to the host", "team", -20, None),
    ("contact_named", "Đơn vị cử đầu mối làm việc", "Host names its contact officer", "host", None, -12),
    ("draft_report_due", "Đơn vị nộp dự thảo báo cáo", "Host submits the draft report", "host", -5, None),
    ("documents_requested", "Đoàn đề nghị cung cấp tài liệu", "Team requests documents", "team", None, -4),
    ("team_briefing", "Họp đoàn trước khi làm việc", "Team briefing", "team", None, -2),
    ("decision_announced", "Công bố quyết định kiểm tra", "Inspection decision announced", "team", 0, None),
    ("documents_reviewed", "Đoàn nghiên cứu hồ sơ", "Team reviews the records", "team", None, 3),
    ("site_survey", "Khảo sát thực tế", "Site survey", "team", None, 5),
    ("team_comments_due", "Đoàn gửi ý kiến về dự thảo báo cáo", "Team sends its comments", "team", 7, None),
    ("explanation_due", "Đơn vị giải trình", "Host answers the comments", "host", None, 10),
    ("final_report_due", "Đơn vị hoàn thiện báo cáo", "Host submits the completed report", "host", 15, None),
    ("team_report_due", "Đoàn báo cáo kết quả kiểm tra", "Team reports its results", "team", None, 18),
    ("conclusion_draft", "Dự thảo thông báo kết luận", "Draft conclusion", "team", 25, None),
    ("conclusion_due", "Thông báo kết luận kiểm tra", "Inspection conclusion issued", "coordinator", 30, None),
    ("remediation_plan", "Đơn vị xây dựng kế hoạch khắc phục", "Host plans remediation", "host", 40, None),
    ("file_archived", "Lập hồ sơ, lưu trữ", "Records archived", "team", None, 35),
    ("remediation_report", "Báo cáo kết quả khắc phục", "Host reports on remediation", "host", 75, None),
    ("follow_up_check", "Kiểm tra việc thực hiện kết luận", "Follow-up on the conclusion", "coordinator", 90, None),
)  # fmt: skip

TEXT_ANSWERS = (
    "Đã thực hiện đầy đủ",
    "Thực hiện đúng quy định",
    "Còn một số hạn chế, đã khắc phục",
    "Chưa kịp thời, cần chấn chỉnh",
)
FINDINGS = (
    "Hồ sơ lưu trữ chưa đầy đủ theo quy định.",
    "Việc thẩm định còn chậm so với thời hạn.",
    "Chưa ban hành quy chế phối hợp.",
    "Báo cáo định kỳ chưa đúng mẫu.",
)

GRASSROOTS_PREFIXES = ("Đảng ủy xã", "Đảng ủy phường", "Đảng ủy thị trấn", "Chi bộ")

# The columns each table is loaded with, in the order of the rows built below;
# any other column gets its field's default (see _Loader).
UNIT_COLUMNS = ("id", "name", "name_en", "code", "parent_id", "kind", "path")
USER_COLUMNS = (
    "id", "password", "username", "full_name", "email", "language", "is_coordinator",
    "coordinator_scope_id", "host_unit_id", "date_joined", "is_active",
)  # fmt: skip
VISIT_COLUMNS = (
    "id", "code", "title", "outline_id", "host_unit_id", "status", "decision_ref",
    "created_by_id", "created_at", "updated_at", "row_version",
)  # fmt: skip
SESSION_COLUMNS = ("id", "visit_id", "start", "end", "location", "sequence", "updated_at")
TEAM_COLUMNS = ("id", "visit_id", "user_id", "role")
MILESTONE_COLUMNS = (
    "id", "visit_id", "outline_milestone_id", "key", "title", "title_en", "due_date",
    "responsible", "offset_days", "offset_working_days", "dated_by_hand", "done_at",
    "done_by_id", "sequence", "updated_at",
)  # fmt: skip
ITEM_COLUMNS = (
    "id", "visit_id", "origin", "outline_item_id", "section_number", "section_title",
    "section_title_en", "section_position", "number", "position", "text", "text_en",
    "answer_type", "answer", "status", "assignee_id", "due_date", "finding",
    "internal_note", "updated_at", "row_version",
)  # fmt: skip

# The options that shape the data, echoed in the report.
REPORTED_OPTIONS = (
    "visits", "milestones_per_visit", "items_per_visit", "big_visits", "big_visit_items",
    "provinces", "districts", "grassroots", "coordinators_per_province",
    "inspectors_per_province", "seed", "append",
)  # fmt: skip

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


class Command(BaseCommand):
    help = (
        "Fill the database with the volume of SPEC §10 (10,000 visits, 200,000 milestones, "
        "500,000 checklist items by default) plus units, people, sessions and teams. "
        "It refuses to run when the database already holds visits; pass --append to add "
        "a further independent data set beside them. PostgreSQL is loaded with COPY, "
        "other databases with bulk_create."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--visits", type=int, default=10_000)
        parser.add_argument("--milestones-per-visit", type=int, default=20)
        parser.add_argument(
            "--items-per-visit", type=int, default=50, help="Outline items copied into each visit."
        )
        parser.add_argument(
            "--big-visits",
            type=int,
            default=10,
            help="Visits (at most --visits) whose checklist grows to --big-visit-items with "
            "items of their own.",
        )
        parser.add_argument("--big-visit-items", type=int, default=300)
        parser.add_argument("--provinces", type=int, default=len(PROVINCES))
        parser.add_argument("--districts", type=int, default=700)
        parser.add_argument("--grassroots", type=int, default=4_200)
        parser.add_argument(
            "--coordinators-per-province", type=int, default=2, help="Coordinators scoped to it."
        )
        parser.add_argument(
            "--inspectors-per-province",
            type=int,
            default=12,
            help="People the province's teams are drawn from (at least 6).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=20_251_001,
            help="Random seed: the same seed gives the same data, dated relative to today.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5_000,
            help="Rows per bulk_create batch; PostgreSQL streams each table through one COPY.",
        )
        parser.add_argument(
            "--password",
            default="",
            help="Give every seeded person this password (hashed once); default: unusable.",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Run even though the database already holds visits, adding a new data set.",
        )

    def handle(self, *args, **options) -> None:
        self.check_options(options)
        existing = Visit.objects.count()
        if existing and not options["append"]:
            raise CommandError(
                f"The database already holds {existing:,} visits. seed_scale builds a data set "
                "from scratch; use a fresh database, or pass --append to add another set."
            )
        seeder = _Seeder(options, write=self.stdout.write)
        # Kept on the instance: `bench` calls the command object and reads the timings.
        self.report = seeder.run()

    def check_options(self, options: dict) -> None:
        positive = ("visits", "items_per_visit", "provinces", "districts", "batch_size")
        for name in positive:
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        for name in ("milestones_per_visit", "big_visits", "grassroots"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        if options["coordinators_per_province"] < 1:
            raise CommandError("--coordinators-per-province must be at least 1.")
        if options["inspectors_per_province"] < 6:
            raise CommandError("--inspectors-per-province must be at least 6 (teams of 3–6).")
        if options["big_visits"] and options["big_visit_items"] < options["items_per_visit"]:
            raise CommandError("--big-visit-items cannot be below --items-per-visit.")
        if options["provinces"] > options["districts"]:
            raise CommandError("--districts must be at least --provinces (one per province).")


class _Loader:
    """Writes rows into one model's table: COPY on PostgreSQL, bulk_create elsewhere.

    Rows are tuples in the order of `columns` (attnames). Columns of the model the
    caller does not give are filled with the field's default, so a column someone
    adds later does not break the seed.
    """

    def __init__(self, *, batch_size: int, write: Callable[[str], None]) -> None:
        self.batch_size = batch_size
        self.write = write
        self.copy = connection.vendor == "postgresql"
        self.tables: dict[str, dict[str, float | int]] = {}

    @staticmethod
    def next_id(model: type[models.Model]) -> int:
        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def load(
        self,
        label: str,
        model: type[models.Model],
        columns: Sequence[str],
        rows: Iterable[tuple],
    ) -> int:
        started = time.perf_counter()
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no column {sorted(unknown)}.")
        # Columns with a database default are left to the database.
        missing = [
            f for name, f in fields.items() if name not in columns and not f.has_db_default()
        ]
        now = timezone.now()
        # Evaluated once per table: one shared value (never mutated here) rather
        # than a fresh dict or timestamp per row.
        filler = tuple(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in missing
        )
        all_columns = [*columns, *(f.attname for f in missing)]
        json_at = [
            i for i, name in enumerate(all_columns) if isinstance(fields[name], models.JSONField)
        ]
        count = 0
        if self.copy:
            count = self._copy(
                model, [fields[n].column for n in all_columns], rows, filler, json_at, label
            )
        else:
            for batch in _batches(rows, self.batch_size):
                objs = [model(**dict(zip(all_columns, row + filler, strict=True))) for row in batch]
                model.objects.bulk_create(objs, batch_size=self.batch_size)
                count += len(objs)
        seconds = time.perf_counter() - started
        self.tables[label] = {"rows": count, "seconds": round(seconds, 3)}
        self.write(f"  {label:<18} {count:>9,} rows in {seconds:7.2f} s")
        return count

    def _copy(self, model, db_columns, rows, filler, json_at, label) -> int:
        qn = connection.ops.quote_name
        sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in db_columns)}) FROM STDIN"
        raw = connection.connection  # psycopg 3; inside Django's transaction
        count = 0
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                full = row + filler
                if json_at:
                    # In text COPY a jsonb column takes the JSON text itself.
                    full = list(full)
                    for i in json_at:
                        if full[i] is not None:
                            full[i] = json.dumps(full[i], ensure_ascii=False)
                copy.write_row(full)
                count += 1
                if count % PROGRESS_EVERY == 0:
                    self.write(f"  {label:<18} {count:>9,} rows …")
        return count


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Seeder:
    def __init__(self, options: dict, *, write: Callable[[str], None]) -> None:
        self.o = options
        self.write = write
        self.seed = options["seed"]
        self.loader = _Loader(batch_size=options["batch_size"], write=write)
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
            self.seed_sessions(plans)
            self.seed_team(plans)
            self.seed_milestones(plans, outline)
            self.seed_items(plans, outline)
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
        for kind in (Unit.Kind.PROVINCE, Unit.Kind.DISTRICT, Unit.Kind.GRASSROOTS):
            for unit in units[kind]:
                person("contact", host_unit=unit.id)
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
        rng = self.rng("visit-rows")

        def rows() -> Iterator[tuple]:
            for p in plans:
                title = f"Kiểm tra công tác bảo vệ chính trị nội bộ tại {p.host_unit.name}"
                decision = f"{rng.randint(1, 999)}-QĐ/BCĐ ngày {p.created_at:%d/%m/%Y}"
                yield (p.id, f"KT-{p.day_zero.year}-{p.id:06d}", title, outline.id, p.host_unit.id,
                       p.status, decision, p.created_by_id, p.created_at, self.now, 1)  # fmt: skip

        self.loader.load("visits", Visit, VISIT_COLUMNS, rows())

    def seed_sessions(self, plans: list[_VisitPlan]) -> None:
        rng = self.rng("sessions")
        next_id = self.loader.next_id(WorkingSession)

        def rows() -> Iterator[tuple]:
            nonlocal next_id
            for p in plans:
                location = f"{rng.choice(('Hội trường', 'Phòng họp', 'Trụ sở'))} {p.host_unit.name}"
                for day in p.session_days:
                    end = self._at(day, 11, 30) if rng.random() < 0.3 else self._at(day, 17)
                    yield (next_id, p.id, self._at(day, 8), end, location, 0, p.created_at)
                    next_id += 1

        self.loader.load("sessions", WorkingSession, SESSION_COLUMNS, rows())

    def seed_team(self, plans: list[_VisitPlan]) -> None:
        next_id = self.loader.next_id(TeamMembership)

        def rows() -> Iterator[tuple]:
            nonlocal next_id
            for p in plans:
                for user_id, role in p.team:
                    yield (next_id, p.id, user_id, role)
                    next_id += 1

        self.loader.load("team", TeamMembership, TEAM_COLUMNS, rows())

    # --- milestones and checklist items -----------------------------------------

    def seed_milestones(self, plans: list[_VisitPlan], outline: Outline) -> None:
        rng = self.rng("milestones")
        templates = list(OutlineMilestone.objects.filter(outline=outline).order_by("position"))
        next_id = self.loader.next_id(Milestone)
        # Visits share day zeros (about 1,100 distinct days), and working-day offsets
        # walk the calendar day by day: date each template once per day zero.
        dates: dict[dt.date, list[dt.date]] = {}

        def due_dates(day_zero: dt.date) -> list[dt.date]:
            if day_zero not in dates:
                dates[day_zero] = [
                    self.calendar.due_date(day_zero, offset_days=t.offset_days,
                                           offset_working_days=t.offset_working_days)
                    for t in templates
                ]  # fmt: skip
            return dates[day_zero]

        def rows() -> Iterator[tuple]:
            nonlocal next_id
            for p in plans:
                lead = p.team[0][0]
                for t, due in zip(templates, due_dates(p.day_zero), strict=True):
                    # A few deadlines someone moved by hand; they no longer follow day 0.
                    by_hand = rng.random() < 0.02
                    if by_hand:
                        due += dt.timedelta(days=rng.choice((-3, -2, -1, 1, 2, 3, 7)))
                    done_at = self._done_at(rng, p.status, due)
                    yield (next_id, p.id, t.id, t.key, t.title, t.title_en, due, t.responsible,
                           t.offset_days, t.offset_working_days, by_hand, done_at,
                           lead if done_at else None, int(by_hand), done_at or p.created_at)  # fmt: skip
                    next_id += 1

        self.loader.load("milestones", Milestone, MILESTONE_COLUMNS, rows())

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

    def seed_items(self, plans: list[_VisitPlan], outline: Outline) -> None:
        rng = self.rng("items")
        templates = list(
            OutlineItem.objects.filter(section__outline=outline)
            .select_related("section")
            .order_by("section__position", "position")
        )
        next_id = self.loader.next_id(ChecklistItem)
        # Columns origin … answer_type: copied from the outline like visit_create does,
        # or, for a big visit, its own additional items in a section of their own.
        outline_parts = [
            (ChecklistItem.Origin.OUTLINE, t.id, t.section.number, t.section.title,
             t.section.title_en, t.section.position, t.number, t.position, t.text, t.text_en,
             t.answer_type)
            for t in templates
        ]  # fmt: skip
        own_section = (templates[-1].section.position if templates else 0) + 1
        own_parts = [
            (ChecklistItem.Origin.VISIT, None, ADDITIONAL_SECTION_NUMBER, ADDITIONAL_SECTION_TITLE,
             ADDITIONAL_SECTION_TITLE_EN, own_section, str(n), n,
             f"Nội dung bổ sung số {n}: làm rõ hồ sơ thẩm định", "", AnswerType.TEXT)
            for n in range(1, self.o["big_visit_items"] - self.o["items_per_visit"] + 1)
        ]  # fmt: skip
        statuses = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS, ItemStatus.DONE,
                    ItemStatus.NOT_APPLICABLE)  # fmt: skip
        # Weights of those statuses by the visit's status: work follows the visit.
        mix = {
            Status.PLANNED: (1, 0, 0, 0),
            Status.ANNOUNCED: (9, 1, 0, 0),
            Status.CANCELLED: (8, 2, 0, 0),
            Status.IN_PROGRESS: (35, 25, 30, 10),
            Status.REPORTING: (10, 10, 70, 10),
            Status.CONCLUDED: (0, 0, 88, 12),
            Status.CLOSED: (0, 0, 88, 12),
        }

        def answer(answer_type: str) -> object:
            if answer_type == AnswerType.NUMBER:
                return rng.randint(0, 250)
            if answer_type == AnswerType.YES_NO:
                return rng.random() < 0.8
            return rng.choice(TEXT_ANSWERS)

        def rows() -> Iterator[tuple]:
            nonlocal next_id
            for p in plans:
                team = [user_id for user_id, _ in p.team]
                weights = mix[p.status]
                for part in outline_parts + own_parts if p.big else outline_parts:
                    status = rng.choices(statuses, weights)[0]
                    value = answer(part[-1]) if status == ItemStatus.DONE else None
                    assignee = rng.choice(team) if rng.random() < 0.75 else None
                    due = p.day_zero + dt.timedelta(days=rng.randint(1, 20))
                    settled = status in (ItemStatus.DONE, ItemStatus.NOT_APPLICABLE)
                    finding = rng.choice(FINDINGS) if settled and rng.random() < 0.1 else ""
                    note = "Cần xác minh thêm." if rng.random() < 0.03 else ""
                    yield (next_id, p.id, *part, value, status, assignee,
                           due if rng.random() < 0.1 else None, finding, note, p.created_at, 1)  # fmt: skip
                    next_id += 1

        self.loader.load("checklist items", ChecklistItem, ITEM_COLUMNS, rows())

    # --- after the load ---------------------------------------------------------

    SEEDED = (Unit, User, Visit, WorkingSession, TeamMembership, Milestone, ChecklistItem)

    def reset_sequences(self) -> None:
        """Explicit ids leave the identity sequences behind; the next ordinary insert
        would collide with a seeded row."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.SEEDED))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self) -> None:
        """Fresh statistics, so the planner sees 500,000 items rather than an empty table
        until autovacuum gets round to it."""
        if connection.vendor != "postgresql":
            return
        started = time.perf_counter()
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in self.SEEDED)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
        self.timed("analyze", started)

    def timed(self, label: str, started: float) -> None:
        seconds = time.perf_counter() - started
        self.loader.tables[label] = {"rows": 0, "seconds": round(seconds, 3)}
        self.write(f"  {label:<18} {'':>9}      in {seconds:7.2f} s")


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
