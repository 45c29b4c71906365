"""A conclusion being written, for the demo (`manage.py seed_demo`): the Đồng Tháp
Standing Committee's team inspected the Thanh Bình town party committee six weeks
ago; the visit is `reporting` and its conclusion is a draft with two sections
written and two recommendations, so the conclusion editor has something to show
(Quảng Ninh's conclusion is already issued)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from checklists.models import Outline, TeamMembership, Unit, User, Visit
from checklists.services.conclusions import SectionInput, conclusion_for, conclusion_update
from checklists.services.recommendations import RecommendationInput
from checklists.services.visits import SessionInput, TeamInput, visit_create, visit_transition

DRAFT_VISIT_CODE = "KT-TTTB-DEMO"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HCM)


def seed_conclusion_draft(
    *, outline: Outline, units: dict[str, Unit], people: dict[str, User]
) -> Visit | None:
    """The visit with its draft conclusion; None when it is there already."""
    if Visit.objects.filter(code=DRAFT_VISIT_CODE).exists():
        return None
    coordinator, lead = people["dieuphoi.dongthap"], people["phodoan"]
    day = timezone.localdate() - dt.timedelta(days=42)
    town = units["thanh-binh-tt"]
    visit = visit_create(
        actor=coordinator,
        outline=outline,
        host_unit=town,
        title="Kiểm tra công tác bảo vệ chính trị nội bộ tại Đảng bộ thị trấn Thanh Bình",
        code=DRAFT_VISIT_CODE,
        decision_ref="Quyết định kiểm tra của Ban Thường vụ Tỉnh ủy Đồng Tháp",
        sessions=[
            SessionInput(
                start=_local(day, 8),
                end=_local(day, 11, 30),
                location="Đảng ủy thị trấn Thanh Bình",
            )
        ],
        team=[
            TeamInput(lead, TeamMembership.Role.LEAD),
            TeamInput(people["thuky"], TeamMembership.Role.SECRETARY),
        ],
    )
    for status in ("announced", "in_progress", "reporting"):
        visit_transition(actor=coordinator, visit=visit, to=status)
    conclusion_for(actor=lead, visit=visit)
    sections = list(visit.outline.sections.order_by("position").values_list("number", flat=True))
    conclusion_update(
        actor=lead,
        visit=visit,
        summary=(
            "Đảng ủy thị trấn Thanh Bình quan tâm lãnh đạo công tác bảo vệ chính trị nội bộ; "
            "việc quản lý hồ sơ đảng viên còn chậm."
        ),
        sections=[
            SectionInput(
                number=sections[0],
                strengths="Ban hành kế hoạch thực hiện Quy định 126-QĐ/TW kịp thời, đúng nội dung.",
                shortcomings="Chưa rà soát định kỳ lịch sử chính trị của đảng viên mới kết nạp.",
            ),
            SectionInput(
                number=sections[1],
                strengths="Phối hợp tốt với Công an huyện trong nắm tình hình.",
            ),
        ],
        recommendations=[
            RecommendationInput(
                text="Rà soát, bổ sung hồ sơ lịch sử chính trị của đảng viên kết nạp từ năm 2023.",
                addressee=town,
                kind="remedy",
                section=sections[0],
                offset_working_days=30,
            ),
            RecommendationInput(
                text="Xây dựng quy chế phối hợp với Công an huyện trong bảo vệ chính trị nội bộ.",
                addressee=town,
                kind="regulation",
                section=sections[1],
                offset_days=60,
            ),
        ],
    )
    return visit
