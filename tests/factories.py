"""Typed factory-boy factories with a fixed Faker seed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
import factory.random
from django.utils import timezone
from factory.django import DjangoModelFactory

from checklists.models import Outline, Reminder, TeamMembership, Unit, User
from checklists.services.outlines import (
    ItemData,
    MilestoneData,
    OutlineData,
    SectionData,
    outline_create,
    outline_publish,
)
from checklists.services.visits import SessionInput, visit_create

factory.random.reseed_random("inspection-tracker")


class UnitFactory(DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = Unit.Kind.PROVINCE
    parent = None


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # English, like the assertions; Vietnamese is asked for where a test is about it.
    language = User.Language.EN
    password = factory.django.Password("correct horse battery staple")


def coordinator(scope: Unit | None = None, **kwargs) -> User:
    return UserFactory(is_coordinator=True, coordinator_scope=scope, **kwargs)


def host_contact(unit: Unit, **kwargs) -> User:
    return UserFactory(host_unit=unit, **kwargs)


PLAN10_DATA = OutlineData(
    code="KH-10",
    version=1,
    title="Đề cương báo cáo kết quả công tác bảo vệ chính trị nội bộ (theo Kế hoạch số 10)",
    title_en="Report outline on internal political protection work (Plan No. 10)",
    milestones=(
        MilestoneData("decision_announced", "Công bố quyết định kiểm tra", "team", offset_days=0),
        MilestoneData("draft_report_due", "Đơn vị nộp dự thảo báo cáo", "host", offset_days=-5),
        MilestoneData("team_comments_due", "Đoàn gửi ý kiến", "team", offset_days=7),
        MilestoneData("final_report_due", "Đơn vị hoàn thiện báo cáo", "host", offset_days=15),
        MilestoneData("conclusion_due", "Thông báo kết luận", "coordinator", offset_days=30),
    ),
    sections=tuple(
        SectionData(
            number=number,
            title=f"Mục {number}",
            items=tuple(
                ItemData(number=str(i), text=f"Nội dung {number}.{i}", answer="text")
                for i in range(1, count + 1)
            ),
        )
        for number, count in (("I", 2), ("II", 3), ("III", 8), ("IV", 2), ("V", 1), ("VI", 1))
    ),
)


def plan10_outline(*, published: bool = True, data: OutlineData = PLAN10_DATA) -> Outline:
    """An outline with the shape of Plan 10: 6 sections, 17 items, 5 milestones."""
    outline = outline_create(actor=None, data=data)
    if published:
        outline = outline_publish(actor=None, outline=outline)
    return outline


def team_member(visit, role: str = TeamMembership.Role.MEMBER, **kwargs) -> User:
    user = UserFactory(**kwargs)
    TeamMembership.objects.create(visit=visit, user=user, role=role)
    return user


def failed_reminder(outline: Outline, *, host_unit: Unit | None = None) -> Reminder:
    """A reminder that failed its last try (SMTP 451) on a new visit's first deadline."""
    start = dt.datetime(2024, 5, 13, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    visit = visit_create(
        actor=None,
        outline=outline,
        host_unit=host_unit or UnitFactory(),
        title="Kiểm tra",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=2))],
    )
    return Reminder.objects.create(
        milestone=visit.milestones.first(),
        recipient=UserFactory(),
        offset="-1d",
        due_at=timezone.now(),
        state=Reminder.State.FAILED,
        attempts=5,
        lease_until=timezone.now(),
        last_error="SMTP 451",
    )
