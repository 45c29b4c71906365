"""Demo data for people trying the product: `manage.py seed_demo` (run by `make run`).

Idempotent: a second run leaves existing data alone and prints the logins again.
Everything comes from this package, never from ../shared, which users do not have.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from celery import current_app
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from checklists.demo.conclusion_draft import seed_conclusion_draft
from checklists.demo.programme import seed_plan10_programme
from checklists.models import Outline, TeamMembership, Unit, User, Visit
from checklists.services.checklist import (
    checklist_item_add,
    checklist_item_update,
    milestone_mark_done,
)
from checklists.services.outlines import outline_import
from checklists.services.people import coordinator_group
from checklists.services.visits import SessionInput, TeamInput, visit_create, visit_transition

DEMO_OUTLINE = Path(__file__).resolve().parent.parent.parent / "demo" / "plan10-outline.yaml"
DEMO_PASSWORD = "demo1234"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")

UNITS = [
    # code, name, English name, kind, parent code
    ("trung-uong", "Trung ương", "Central", Unit.Kind.CENTRAL, None),
    (
        "tieu-ban-bvctnb",
        "Tiểu ban Bảo vệ chính trị nội bộ Trung ương",
        "Central Subcommittee for Internal Political Protection",
        Unit.Kind.AGENCY,
        "trung-uong",
    ),
    (
        "quang-ninh",
        "Ban Thường vụ Tỉnh ủy Quảng Ninh",
        "Standing Committee of the Quảng Ninh Provincial Party Committee",
        Unit.Kind.PROVINCE,
        "trung-uong",
    ),
    (
        "vinh-phuc",
        "Ban Thường vụ Tỉnh ủy Vĩnh Phúc",
        "Standing Committee of the Vĩnh Phúc Provincial Party Committee",
        Unit.Kind.PROVINCE,
        "trung-uong",
    ),
    (
        "dong-thap",
        "Tỉnh ủy Đồng Tháp",
        "Đồng Tháp Provincial Party Committee",
        Unit.Kind.PROVINCE,
        "trung-uong",
    ),
    (
        "thanh-binh",
        "Ban Thường vụ Huyện ủy Thanh Bình",
        "Standing Committee of the Thanh Bình District Party Committee",
        Unit.Kind.DISTRICT,
        "dong-thap",
    ),
    (
        "thanh-binh-tt",
        "Đảng bộ thị trấn Thanh Bình",
        "Thanh Bình town party committee",
        Unit.Kind.GRASSROOTS,
        "thanh-binh",
    ),
    (
        "thanh-binh-tan-thanh",
        "Đảng bộ xã Tân Thạnh",
        "Tân Thạnh commune party committee",
        Unit.Kind.GRASSROOTS,
        "thanh-binh",
    ),
    (
        "thanh-binh-binh-thanh",
        "Đảng bộ xã Bình Thành",
        "Bình Thành commune party committee",
        Unit.Kind.GRASSROOTS,
        "thanh-binh",
    ),
    (
        "thanh-binh-tan-phu",
        "Đảng bộ xã Tân Phú",
        "Tân Phú commune party committee",
        Unit.Kind.GRASSROOTS,
        "thanh-binh",
    ),
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    full_name: str
    role: str
    language: str = "vi"
    superuser: bool = False
    coordinator_scope: str | None = ""  # "" = not a coordinator, None = everything
    host_unit: str | None = None


PEOPLE = [
    DemoPerson("admin", "Quản trị hệ thống", "superuser", superuser=True),
    DemoPerson("dieuphoi", "Trần Thị Hòa", "coordinator (everything)", coordinator_scope=None),
    DemoPerson(
        "dieuphoi.dongthap",
        "Lê Văn Minh",
        "coordinator (Đồng Tháp subtree)",
        coordinator_scope="dong-thap",
    ),
    DemoPerson("truongdoan", "Nguyễn Văn An", "team No. 3 lead"),
    DemoPerson("phodoan", "Phạm Quốc Bảo", "team No. 3 deputy lead"),
    DemoPerson("thanhvien", "Đỗ Thị Cúc", "team No. 3 member", language="en"),
    DemoPerson("thuky", "Vũ Thu Dung", "team No. 3 secretary"),
    DemoPerson("quangninh", "Hoàng Minh Đức", "host contact, Quảng Ninh", host_unit="quang-ninh"),
    DemoPerson("vinhphuc", "Bùi Thị Giang", "host contact, Vĩnh Phúc", host_unit="vinh-phuc"),
    DemoPerson("thanhbinh", "Ngô Văn Hải", "host contact, Thanh Bình", host_unit="thanh-binh"),
]

# The five additional contents Team No. 3 asked of Quảng Ninh (seed article 003).
QUANG_NINH_ADDITIONAL = [
    ("Công tác nắm tình hình", "Situation monitoring"),
    (
        "Công tác phối hợp các cơ quan chức năng trong bảo vệ chính trị nội bộ",
        "Coordination between agencies in internal political protection",
    ),
    (
        "Hoạt động của Ban Chỉ đạo 35 trong đấu tranh phản bác các hoạt động sai trái, thù địch",
        "Steering Committee 35's work against hostile views online",
    ),
    (
        "Phát triển đảng viên, quản lý cán bộ, đảng viên theo Nghị quyết số 21-NQ/TW",
        "Party-member development and management under Resolution 21-NQ/TW",
    ),
    (
        "Thông tin tuyên truyền về công tác tôn giáo, tín ngưỡng",
        "Information and propaganda on religious affairs",
    ),
]


# The demo draft report of Quảng Ninh: (heading, paragraph) per outline section.
DEMO_REPORT_SECTIONS = [
    (
        "I. ĐẶC ĐIỂM TÌNH HÌNH",
        "Đảng bộ tỉnh có các đảng bộ trực thuộc; công tác bảo vệ chính trị nội bộ được "
        "các cấp ủy quan tâm lãnh đạo, chỉ đạo.",
    ),
    (
        "II. Công tác lãnh đạo, chỉ đạo, quán triệt",
        "Ban Thường vụ Tỉnh ủy quán triệt Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị.",
    ),
    (
        "III. Kết quả thực hiện nhiệm vụ",
        "Đã thẩm định tiêu chuẩn chính trị 470 ứng cử viên Hội đồng nhân dân cấp xã.",
    ),
    (
        "IV. Hạn chế, nguyên nhân",
        "Một số cấp ủy cơ sở chưa chủ động trong công tác bảo vệ chính trị nội bộ.",
    ),
    (
        "V. Phương hướng, nhiệm vụ, giải pháp",
        "Tiếp tục thực hiện Chỉ thị số 39-CT/TW ngày 18/8/2014 của Bộ Chính trị.",
    ),
    (
        "VI. Kiến nghị, đề xuất",
        "Đề nghị tổ chức tập huấn nghiệp vụ cho cán bộ làm công tác bảo vệ chính trị nội bộ.",
    ),
]


def _demo_report(*, round_number: int, sections: list[tuple[str, str]]):
    """A draft report as a .docx in memory."""
    import io

    import docx

    document = docx.Document()
    document.add_heading("BÁO CÁO", level=0)
    document.add_heading(
        "Kết quả công tác bảo vệ chính trị nội bộ của Đảng bộ tỉnh Quảng Ninh", level=2
    )
    document.add_heading(f"(Dự thảo lần {round_number})", level=2)
    for heading, paragraph in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return buffer


def _demo_scan():
    """A small PNG standing for a scanned page (lines of text, a red seal), made
    with Pillow in memory."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 320), "white")
    draw = ImageDraw.Draw(image)
    for top in range(40, 240, 16):
        draw.line((24, top, 216 - (top % 48), top), fill=(90, 90, 90), width=3)
    draw.ellipse((140, 236, 210, 306), outline=(200, 30, 30), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HCM)


class Command(BaseCommand):
    help = (
        "Load the demo data (Plan 10 outline and programme, units, Team No. 3, visits) "
        "and print the logins."
    )

    def handle(self, *args, **options) -> None:
        # `make run` loads the demo before the broker starts (the embedded Redis runs
        # beside the web server), so the tasks the services enqueue after commit
        # (text extraction of the demo revisions) run here, in this process, instead
        # of waiting for a broker that is not there yet.
        celery_conf = current_app.conf
        eager = celery_conf.task_always_eager
        celery_conf.task_always_eager = True
        try:
            with transaction.atomic():
                units = self._units()
                people = self._people(units)
                outline = self._outline(people["dieuphoi"])
                created = self._visits(outline, units, people)
                # Plan 10 as a programme (checklists.demo.programme), also for a
                # database seeded before programmes existed.
                created = (
                    bool(
                        seed_plan10_programme(
                            actor=people["dieuphoi"], outline=outline, units=units, people=people
                        )
                    )
                    or created
                )
                # A conclusion still being written (checklists.demo.conclusion_draft).
                created = (
                    bool(seed_conclusion_draft(outline=outline, units=units, people=people))
                    or created
                )
        finally:
            celery_conf.task_always_eager = eager
        self.stdout.write(
            self.style.SUCCESS("Demo data ready." if created else "Demo data already present.")
        )
        self._print_logins()

    def _units(self) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        for code, name, name_en, kind, parent in UNITS:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                unit = Unit(
                    code=code,
                    name=name,
                    name_en=name_en,
                    kind=kind,
                    parent=units.get(parent) if parent is not None else None,
                )
                unit.full_clean()
                unit.save()
            units[code] = unit
        return units

    def _people(self, units: dict[str, Unit]) -> dict[str, User]:
        group = coordinator_group()
        people: dict[str, User] = {}
        for person in PEOPLE:
            user = User.objects.filter(username=person.username).first()
            if user is None:
                is_coordinator = person.coordinator_scope != ""
                user = User(
                    username=person.username,
                    full_name=person.full_name,
                    email=f"{person.username}@demo.invalid",
                    language=person.language,
                    is_superuser=person.superuser,
                    # Coordinators work in the admin too.
                    is_staff=person.superuser or is_coordinator,
                    is_coordinator=is_coordinator,
                    coordinator_scope=units.get(person.coordinator_scope or ""),
                    host_unit=units.get(person.host_unit or ""),
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
                if is_coordinator:
                    user.groups.add(group)
            people[person.username] = user
        return people

    def _outline(self, actor: User) -> Outline:
        outline = Outline.objects.filter(code="KH-10").order_by("-version").first()
        if outline is None:
            outline = outline_import(
                actor=actor,
                content=DEMO_OUTLINE.read_bytes(),
                filename=DEMO_OUTLINE.name,
                publish=True,
            )
        return outline

    def _visits(self, outline: Outline, units: dict[str, Unit], people: dict[str, User]) -> bool:
        if Visit.objects.filter(code="KT3-QN-2024").exists():
            return False
        coordinator = people["dieuphoi"]
        team = [
            TeamInput(people["truongdoan"], TeamMembership.Role.LEAD),
            TeamInput(people["phodoan"], TeamMembership.Role.DEPUTY),
            TeamInput(people["thanhvien"], TeamMembership.Role.MEMBER),
            TeamInput(people["thuky"], TeamMembership.Role.SECRETARY),
        ]

        # Team No. 3 at Quảng Ninh: first working session on 13 May 2024, when the
        # inspection decision was announced and the draft report discussed.
        quang_ninh = visit_create(
            actor=coordinator,
            outline=outline,
            host_unit=units["quang-ninh"],
            title="Kiểm tra công tác bảo vệ chính trị nội bộ đối với Ban Thường vụ Tỉnh ủy Quảng Ninh",
            code="KT3-QN-2024",
            decision_ref="Quyết định kiểm tra của Tiểu ban Bảo vệ chính trị nội bộ Trung ương (Kế hoạch số 10)",
            sessions=[
                SessionInput(
                    start=_local(dt.date(2024, 5, 13), 8),
                    end=_local(dt.date(2024, 5, 13), 11, 30),
                    location="Trụ sở Tỉnh ủy Quảng Ninh, TP Hạ Long",
                ),
                SessionInput(
                    start=_local(dt.date(2024, 5, 14), 8),
                    end=_local(dt.date(2024, 5, 14), 11, 30),
                    location="Trụ sở Tỉnh ủy Quảng Ninh, TP Hạ Long",
                ),
            ],
            team=team,
        )
        for text, text_en in QUANG_NINH_ADDITIONAL:
            checklist_item_add(
                actor=people["truongdoan"], visit=quang_ninh, text=text, text_en=text_en
            )
        for status in ("announced", "in_progress", "reporting"):
            visit_transition(actor=coordinator, visit=quang_ninh, to=status)
        # Each side marks its own deadline (SPEC §4): the lead the team's, the host
        # unit's contact the host's.
        for key, day, who in (
            ("decision_announced", 13, "truongdoan"),
            ("draft_report_due", 8, "quangninh"),
        ):
            milestone_mark_done(
                actor=people[who],
                milestone=quang_ninh.milestones.get(key=key),
                at=_local(dt.date(2024, 5, day), 17),
            )
        items = list(quang_ninh.checklist.order_by("section_position", "position"))
        checklist_item_update(
            actor=people["thanhvien"],
            item=items[0],
            answer=30,
            status="done",
            finding="Báo cáo nêu 30 tổ chức đảng trực thuộc; đã đối chiếu số liệu.",
        )
        checklist_item_update(
            actor=people["thanhvien"],
            item=items[1],
            status="in_progress",
            assignee=people["thanhvien"],
            internal_note="Cần đối chiếu với báo cáo của Công an tỉnh.",
        )

        self._draft_report(quang_ninh, people)
        self._conclusion(quang_ninh, people)

        # A visit under way in Thanh Bình district and one announced for Vĩnh Phúc,
        # dated from today so the deadlines pages have something current.
        today = timezone.localdate()
        thanh_binh = visit_create(
            actor=people["dieuphoi.dongthap"],
            outline=outline,
            host_unit=units["thanh-binh"],
            title="Kiểm tra công tác bảo vệ chính trị nội bộ tại Huyện ủy Thanh Bình",
            code="KT-TB-DEMO",
            decision_ref="Quyết định kiểm tra của Ban Thường vụ Tỉnh ủy Đồng Tháp",
            sessions=[
                SessionInput(
                    start=_local(today - dt.timedelta(days=3), 8),
                    end=_local(today - dt.timedelta(days=3), 11),
                    location="Huyện ủy Thanh Bình",
                )
            ],
            team=[
                TeamInput(people["phodoan"], TeamMembership.Role.LEAD),
                TeamInput(people["thanhvien"], TeamMembership.Role.MEMBER),
            ],
        )
        for status in ("announced", "in_progress"):
            visit_transition(actor=people["dieuphoi.dongthap"], visit=thanh_binh, to=status)
        milestone_mark_done(
            actor=people["phodoan"], milestone=thanh_binh.milestones.get(key="decision_announced")
        )
        vinh_phuc = visit_create(
            actor=coordinator,
            outline=outline,
            host_unit=units["vinh-phuc"],
            title="Kiểm tra công tác bảo vệ chính trị nội bộ đối với Ban Thường vụ Tỉnh ủy Vĩnh Phúc",
            code="KT3-VP-DEMO",
            sessions=[
                SessionInput(
                    start=_local(today + dt.timedelta(days=14), 8),
                    end=_local(today + dt.timedelta(days=14), 11, 30),
                    location="Trụ sở Tỉnh ủy Vĩnh Phúc, TP Vĩnh Yên",
                )
            ],
            team=team,
        )
        visit_transition(actor=coordinator, visit=vinh_phuc, to="announced")
        return True

    def _draft_report(self, visit: Visit, people: dict[str, User]) -> None:
        """Quảng Ninh's draft report: revision 1 (sections I–III), a review round
        asking for the missing sections, the host's explanation, and revision 2
        (all six sections), to which the still-open comment carried over. The files
        are built here with python-docx: users do not have ../shared."""
        from checklists.services.reports import (
            CommentInput,
            report_comment_answer,
            report_comment_set_state,
            report_revision_extract_text,
            report_revision_review,
            report_revision_upload,
        )

        host, lead = people["quangninh"], people["truongdoan"]
        first = report_revision_upload(
            actor=host,
            visit=visit,
            content=_demo_report(round_number=1, sections=DEMO_REPORT_SECTIONS[:3]),
            filename="Du thao bao cao BVCTNB Quang Ninh - lan 1.docx",
        )
        report_revision_extract_text(revision_id=first.pk)
        review = report_revision_review(
            actor=lead,
            revision=first,
            decision="request_changes",
            comments=[
                CommentInput(
                    text="Bổ sung phần IV: hạn chế, nguyên nhân, theo Đề cương.", section="IV"
                ),
                CommentInput(
                    text="Bổ sung phần V và VI: phương hướng, giải pháp và kiến nghị.", section="V"
                ),
                CommentInput(
                    text="Đối chiếu số liệu thẩm định ứng cử viên HĐND cấp xã.", section="III"
                ),
            ],
        )
        comments = list(review.comments.order_by("id"))
        report_comment_answer(
            actor=host,
            comment=comments[2],
            response="Đã rà soát lại: số đúng là 470 ứng cử viên, sẽ sửa trong dự thảo lần 2.",
        )
        report_comment_set_state(actor=lead, comment=comments[2], state="resolved")
        second = report_revision_upload(
            actor=host,
            visit=visit,
            content=_demo_report(round_number=2, sections=DEMO_REPORT_SECTIONS),
            filename="Du thao bao cao BVCTNB Quang Ninh - lan 2.docx",
        )
        report_revision_extract_text(revision_id=second.pk)

    def _conclusion(self, visit: Visit, people: dict[str, User]) -> None:
        """Quảng Ninh's conclusion, issued on 20 June 2024: five recommendations on
        the five additional contents; the one counted in calendar days from the
        issue (KN-01) is long overdue, the others are due from today on.
        (Implementation reports on two of them come with the reports' pages.)"""
        from checklists.services.conclusions import (
            SectionInput,
            conclusion_for,
            conclusion_issue,
            conclusion_update,
        )
        from checklists.services.recommendations import RecommendationInput

        lead, host = people["truongdoan"], visit.host_unit
        today = timezone.localdate()
        texts = [
            "Chủ động nắm tình hình, kịp thời báo cáo những vấn đề phức tạp nảy sinh.",
            "Ban hành quy chế phối hợp giữa các cơ quan chức năng trong bảo vệ chính trị nội bộ.",
            "Kiện toàn Ban Chỉ đạo 35, nâng cao hiệu quả đấu tranh phản bác quan điểm sai trái.",
            "Rà soát công tác phát triển đảng viên, quản lý cán bộ theo Nghị quyết số 21-NQ/TW.",
            "Tăng cường thông tin tuyên truyền về công tác tôn giáo, tín ngưỡng.",
        ]
        deadlines: list[dict[str, Any]] = [
            {"offset_days": 30},
            {"due_date": today + dt.timedelta(days=20)},
            {"due_date": today + dt.timedelta(days=45)},
            {"due_date": today + dt.timedelta(days=90)},
            {"due_date": today + dt.timedelta(days=180)},
        ]
        kinds = ["remedy", "regulation", "remedy", "responsibility", "other"]
        conclusion_for(actor=lead, visit=visit)
        conclusion_update(
            actor=lead,
            visit=visit,
            summary=(
                "Ban Thường vụ Tỉnh ủy Quảng Ninh đã lãnh đạo, chỉ đạo công tác bảo vệ chính "
                "trị nội bộ nghiêm túc; còn một số hạn chế cần khắc phục."
            ),
            sections=[
                SectionInput(
                    number="I",
                    strengths="Cấp ủy quan tâm lãnh đạo, chỉ đạo; ban hành văn bản kịp thời.",
                    shortcomings="Việc nắm tình hình ở cơ sở có lúc chưa kịp thời.",
                )
            ],
            recommendations=[
                RecommendationInput(text=text, addressee=host, kind=kind, section="BS", **deadline)
                for text, kind, deadline in zip(texts, kinds, deadlines, strict=True)
            ],
        )
        issued = conclusion_issue(actor=lead, visit=visit, issued_on=dt.date(2024, 6, 20))
        self._implementation_reports(issued, people)

    def _implementation_reports(self, conclusion, people: dict[str, User]) -> None:
        """The host contact's reports on KN-02 (the regulation, with its signed
        page as a PNG) and KN-04, through the same service as the report form."""
        from checklists.services.implementation_reports import (
            EvidenceUpload,
            implementation_report_submit,
        )

        host = people["quangninh"]
        by_code = {r.code: r for r in conclusion.recommendations.all()}
        implementation_report_submit(
            actor=host,
            recommendation=by_code["KN-02"],
            text=(
                "Ban Thường vụ Tỉnh ủy đã ban hành Quy chế phối hợp giữa Ban Tổ chức, Ủy ban "
                "Kiểm tra, Công an tỉnh và Bộ Chỉ huy Quân sự tỉnh; gửi kèm trang ký ban hành."
            ),
            progress=100,
            files=[
                EvidenceUpload(
                    content=_demo_scan(), filename="Quy che phoi hop - trang ky ban hanh.png"
                )
            ],
        )
        implementation_report_submit(
            actor=host,
            recommendation=by_code["KN-04"],
            text=(
                "Đã rà soát 12 đảng bộ trực thuộc; 9 đảng bộ đã hoàn thành, 3 đảng bộ đang "
                "bổ sung hồ sơ phát triển đảng viên."
            ),
            progress=60,
        )

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for person in PEOPLE:
            self.stdout.write(f"  {person.username:<20} {person.full_name:<22} {person.role}")
        self.stdout.write("")
