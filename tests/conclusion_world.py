"""The world of the conclusion tests: the conftest's `world` (SPEC §4's roles),
its visit brought to `reporting`, a grassroots unit under the host with a contact
of its own (an addressee below the host), and helpers to draft and issue."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from checklists.models import Conclusion, Notification, Recommendation, Unit, Visit
from checklists.services.conclusions import (
    SectionInput,
    conclusion_for,
    conclusion_issue,
    conclusion_update,
)
from checklists.services.implementation_reports import (
    implementation_report_submit,
    implementation_report_verdict,
)
from checklists.services.recommendations import RecommendationInput, recommendation_cancel
from checklists.services.visits import visit_transition
from tests import factories


def to_reporting(visit: Visit) -> None:
    for status in ("announced", "in_progress", "reporting"):
        visit_transition(actor=None, visit=visit, to=status)


def draft(
    visit: Visit, *recommendations: RecommendationInput, summary: str = "Kết luận chung"
) -> Conclusion:
    """The visit's draft, with a summary, a shortcoming in section I and the
    recommendations given (by the system)."""
    conclusion_for(actor=None, visit=visit)
    return conclusion_update(
        actor=None,
        visit=visit,
        summary=summary,
        sections=[SectionInput(number="I", shortcomings="Chưa kịp thời")],
        recommendations=list(recommendations),
    )


def rec(addressee: Unit, text: str = "Khắc phục hạn chế", **deadline) -> RecommendationInput:
    return RecommendationInput(
        text=text, addressee=addressee, section="I", **(deadline or {"offset_days": 30})
    )


def issue(
    visit: Visit, *recommendations: RecommendationInput, issued_on: dt.date
) -> list[Recommendation]:
    """The visit (planned) brought to reporting, drafted with `recommendations` and
    issued on `issued_on` by the system: its recommendations, open, in code order."""
    to_reporting(visit)
    conclusion = draft(visit, *recommendations)
    conclusion_issue(actor=None, visit=visit, issued_on=issued_on)
    return list(conclusion.recommendations.order_by("position"))


def move_to(recommendation: Recommendation, state: str, *, reporter) -> None:
    """An open recommendation brought to `state` through the services: reported
    (by `reporter`), done (reported, then accepted) or cancelled."""
    if state == Recommendation.State.CANCELLED:
        recommendation_cancel(actor=None, recommendation=recommendation, cancel_reason="Không còn")
        return
    report = implementation_report_submit(
        actor=reporter, recommendation=recommendation, text="Đã thực hiện", progress=100
    )
    if state == Recommendation.State.DONE:
        implementation_report_verdict(actor=None, report=report, verdict="accepted")


def notices_in_app_only() -> None:
    """The e-mails of the notices written so far (a conclusion issued, a report, a
    verdict) are not sent: the tests counting deadline reminders at a mail server
    see those alone (the notices' e-mails have tests of their own). Called in the
    transaction that wrote them, before their sending tasks run."""
    Notification.objects.filter(reminder__isnull=True).update(email_state=Notification.Email.NONE)


@pytest.fixture
def outcome(world) -> SimpleNamespace:
    """world + a grassroots unit under the host district with its contact
    (`addressee`), and the visit reporting with a draft of two recommendations:
    KN-01 to the host district, KN-02 to the grassroots unit."""
    grassroots = factories.UnitFactory(
        parent=world.district, kind=Unit.Kind.GRASSROOTS, code="chi-bo-1", name="Chi bộ 1"
    )
    world.people.addressee = factories.host_contact(grassroots, username="addressee")
    to_reporting(world.visit)
    conclusion = draft(
        world.visit,
        rec(world.district, "Kiện toàn tổ chức"),
        rec(grassroots, "Bổ sung hồ sơ", due_date=dt.date(2030, 6, 30)),
    )
    world.visit.refresh_from_db()
    return SimpleNamespace(**world.__dict__, grassroots=grassroots, conclusion=conclusion)
