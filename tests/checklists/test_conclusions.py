"""Conclusions (SPEC §11): the draft, its prefill and its recommendations, the issue
with its register number and due dates, the withdrawal and the re-issue, the
visit's status, closing with carry-over, notifications and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from checklists.errors import Conflict, NotAllowed, TransitionNotAllowed
from checklists.models import (
    AuditEvent,
    Conclusion,
    DayOff,
    Notification,
    OutgoingRegister,
    Recommendation,
    Visit,
)
from checklists.services.conclusions import (
    conclusion_for,
    conclusion_issue,
    conclusion_update,
    conclusion_withdraw,
)
from checklists.services.recommendations import RecommendationInput
from checklists.services.visits import SessionInput, visit_create, visit_transition
from tests.conclusion_world import draft, rec, to_reporting
from tests.conftest import local

D = dt.date


def _visit(world, *, actor=None, host=None, code="") -> Visit:
    start = local(2024, 6, 3, 8)
    visit = visit_create(
        actor=actor,
        outline=world.outline,
        host_unit=host or world.district,
        title="Kiểm tra khác",
        code=code,
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
        # Several of these visit the same unit on the same morning: the numbering
        # is under test here, not the plan (checklists.clashes).
        override=True,
    )
    to_reporting(visit)
    return visit


# --- Issuer ---------------------------------------------------------------------------


def test_it_gives_the_visit_the_creating_coordinators_unit_as_issuer(world):
    assert world.visit.issuer == world.province_in  # created by coordinator_in
    assert world.other_visit.issuer == world.province_out


def test_it_falls_back_to_the_host_units_parent_then_the_host_unit(world):
    everything = _visit(world, actor=world.people.coordinator_all, code="A")
    system = _visit(world, actor=None, host=world.province_in, code="B")
    root = _visit(world, actor=None, host=world.central, code="C")
    assert everything.issuer == world.province_in  # the district's parent
    assert system.issuer == world.central
    assert root.issuer == world.central


def test_it_fills_the_issuer_of_visits_created_before_it_existed(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("checklists.migrations.0013_visit_issuer_existing")
    Visit.objects.update(issuer=None)
    migration.fill_issuers(apps, None)
    world.visit.refresh_from_db()
    world.other_visit.refresh_from_db()
    assert world.visit.issuer == world.province_in
    assert world.other_visit.issuer == world.province_out


# --- The draft ------------------------------------------------------------------------


def test_it_prefills_the_draft_from_the_checklists_findings_per_section(world):
    item = world.visit.checklist.filter(section_number="III").order_by("position").first()
    item.finding = "Chưa ban hành quy chế"
    item.save(update_fields=["finding"])
    conclusion = conclusion_for(actor=world.people.lead, visit=world.visit)
    sections = list(conclusion.sections.order_by("position"))
    assert [s.number for s in sections] == ["I", "II", "III", "IV", "V", "VI"]
    third = sections[2]
    assert third.title == "Mục III"
    assert third.shortcomings == "III.1. Chưa ban hành quy chế"
    assert third.strengths == ""
    assert AuditEvent.objects.filter(object_type="conclusion", action="create").count() == 1
    # Asked again: the same draft, not a second one.
    assert conclusion_for(actor=world.people.secretary, visit=world.visit).pk == conclusion.pk


def test_it_codes_the_recommendations_in_order_and_replaces_the_list_by_id(outcome):
    first, second = outcome.conclusion.recommendations.order_by("position")
    assert [first.code, second.code] == ["KN-01", "KN-02"]
    conclusion_update(
        actor=outcome.people.secretary,
        visit=outcome.visit,
        recommendations=[
            RecommendationInput(
                id=second.pk,
                text="Bổ sung hồ sơ đảng viên",
                addressee=outcome.grassroots,
                due_date=D(2030, 7, 1),
            ),
            rec(outcome.district, "Kiến nghị mới", offset_working_days=10),
        ],
    )
    rows = list(outcome.conclusion.recommendations.order_by("position"))
    assert [(r.code, r.text) for r in rows] == [
        ("KN-01", "Bổ sung hồ sơ đảng viên"),
        ("KN-02", "Kiến nghị mới"),
    ]
    assert rows[0].pk == second.pk
    assert not Recommendation.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (lambda w: rec(w.province_out), "recommendations[1].addressee"),
        (lambda w: rec(w.province_in), "recommendations[1].addressee"),  # above the host
        (lambda w: RecommendationInput(text="X", addressee=None, offset_days=5), "addressee"),
        (lambda w: RecommendationInput(text="X", addressee=w.district), "due_date"),
        (
            lambda w: RecommendationInput(
                text="X", addressee=w.district, offset_days=3, due_date=D(2030, 1, 1)
            ),
            "due_date",
        ),
        (lambda w: RecommendationInput(text=" ", addressee=w.district, offset_days=3), "text"),
        (lambda w: rec(w.district, offset_days=0), "offset_days"),
        (
            lambda w: RecommendationInput(
                text="X", addressee=w.district, offset_days=1, section="Z"
            ),
            "section",
        ),
    ],
)
def test_it_refuses_a_bad_recommendation_naming_it_and_saves_nothing(outcome, item, field):
    before = list(outcome.conclusion.recommendations.values_list("pk", "code", "text"))
    version = Conclusion.objects.get(pk=outcome.conclusion.pk).row_version
    with pytest.raises(ValidationError) as refused:
        conclusion_update(
            actor=outcome.people.lead,
            visit=outcome.visit,
            summary="Đổi tóm tắt",
            recommendations=[rec(outcome.district), item(outcome)],
        )
    assert any(key.endswith(field) for key in refused.value.message_dict), refused.value
    fresh = Conclusion.objects.get(pk=outcome.conclusion.pk)
    assert (fresh.summary, fresh.row_version) == ("Kết luận chung", version)
    assert list(fresh.recommendations.values_list("pk", "code", "text")) == before


def test_it_refuses_a_section_the_conclusion_does_not_have(outcome):
    from checklists.services.conclusions import SectionInput

    with pytest.raises(ValidationError) as refused:
        conclusion_update(
            actor=outcome.people.lead,
            visit=outcome.visit,
            sections=[SectionInput(number="IX", strengths="Tốt")],
        )
    assert "sections[0].number" in refused.value.message_dict


# --- Issue ------------------------------------------------------------------------------


def test_it_issues_with_the_issuers_next_number_and_opens_the_recommendations(outcome):
    conclusion = conclusion_issue(
        actor=outcome.people.lead, visit=outcome.visit, issued_on=D(2024, 7, 1)
    )
    assert (conclusion.state, conclusion.number, conclusion.issuer) == (
        "issued",
        1,
        outcome.province_in,
    )
    assert conclusion.signer == outcome.people.lead
    outcome.visit.refresh_from_db()
    assert outcome.visit.status == "concluded"
    rows = list(conclusion.recommendations.order_by("position"))
    assert [r.state for r in rows] == ["open", "open"]
    # 30 calendar days after Monday 1 July 2024: Wednesday 31 July.
    assert rows[0].due_date == D(2024, 7, 31)
    assert rows[1].due_date == D(2030, 6, 30)
    register = OutgoingRegister.objects.get(unit=outcome.province_in, type_code="KL", year=2024)
    assert register.next_number == 2
    event = AuditEvent.objects.get(object_type="conclusion", action="issue")
    assert event.changes["number"] == 1 and len(event.changes["recommendations"]) == 2


def test_it_numbers_per_issuer_and_year(outcome):
    conclusion_issue(actor=None, visit=outcome.visit, issued_on=D(2024, 12, 31))
    same_issuer = _visit(outcome, actor=outcome.people.coordinator_in, code="X1")
    draft(same_issuer)
    assert conclusion_issue(actor=None, visit=same_issuer, issued_on=D(2024, 12, 31)).number == 2
    next_year = _visit(outcome, actor=outcome.people.coordinator_in, code="X2")
    draft(next_year)
    assert conclusion_issue(actor=None, visit=next_year, issued_on=D(2025, 1, 2)).number == 1
    other_issuer = _visit(outcome, actor=None, host=outcome.province_out, code="X3")
    draft(other_issuer)
    assert conclusion_issue(actor=None, visit=other_issuer, issued_on=D(2024, 12, 31)).number == 1


def test_it_counts_deadlines_in_calendar_days_with_the_roll_forward(outcome):
    """Issued Friday 17 January 2025: 10 calendar days land on Monday 27 January,
    the first day of Tết 2025 (27 Jan – 2 Feb with the bridge days) and a declared
    day off on 3 February: the deadline moves to Tuesday 4 February."""
    DayOff.objects.create(date=D(2025, 2, 3), name="Nghỉ bù Tết")
    conclusion_update(
        actor=None, visit=outcome.visit, recommendations=[rec(outcome.district, offset_days=10)]
    )
    conclusion_issue(actor=None, visit=outcome.visit, issued_on=D(2025, 1, 17))
    row = outcome.conclusion.recommendations.get()
    assert (row.due_date, row.rolled_from) == (D(2025, 2, 4), D(2025, 1, 27))


def test_it_counts_deadlines_in_working_days_over_tet(outcome):
    """3 working days after Friday 24 January 2025: the weekend, Tết and the declared
    Monday 3 February are skipped: Thursday 6 February, not moved but counted."""
    DayOff.objects.create(date=D(2025, 2, 3), name="Nghỉ bù Tết")
    conclusion_update(
        actor=None,
        visit=outcome.visit,
        recommendations=[rec(outcome.district, offset_working_days=3)],
    )
    conclusion_issue(actor=None, visit=outcome.visit, issued_on=D(2025, 1, 24))
    row = outcome.conclusion.recommendations.get()
    assert (row.due_date, row.rolled_from) == (D(2025, 2, 6), None)


def test_it_refuses_a_given_date_before_the_issue_and_takes_no_number(outcome):
    with pytest.raises(ValidationError) as refused:
        conclusion_issue(actor=None, visit=outcome.visit, issued_on=D(2031, 1, 1))
    assert "recommendations[1].due_date" in refused.value.message_dict
    assert not OutgoingRegister.objects.exists()
    assert Conclusion.objects.get(pk=outcome.conclusion.pk).state == "draft"


def test_it_refuses_an_empty_conclusion(world):
    to_reporting(world.visit)
    conclusion_for(actor=None, visit=world.visit)
    with pytest.raises(ValidationError) as refused:
        conclusion_issue(actor=world.people.deputy, visit=world.visit)
    assert "summary" in refused.value.message_dict
    world.visit.refresh_from_db()
    assert world.visit.status == "reporting"


def test_it_issues_only_a_reporting_visit_and_only_once(outcome):
    other = _visit(outcome, code="Y")
    visit_transition(actor=None, visit=other, to="cancelled")
    with pytest.raises(Conflict):
        conclusion_issue(actor=None, visit=other)
    conclusion_issue(actor=None, visit=outcome.visit)
    with pytest.raises(Conflict):
        conclusion_issue(actor=outcome.people.coordinator_in, visit=outcome.visit)
    with pytest.raises(Conflict):
        conclusion_update(actor=outcome.people.lead, visit=outcome.visit, summary="Sửa")
    assert OutgoingRegister.objects.get().next_number == 2


def test_it_concludes_a_visit_only_by_issuing(outcome):
    with pytest.raises(TransitionNotAllowed):
        visit_transition(actor=outcome.people.coordinator_in, visit=outcome.visit, to="concluded")
    conclusion_issue(actor=None, visit=outcome.visit)
    version = Visit.objects.get(pk=outcome.visit.pk).row_version
    visit_transition(actor=outcome.people.lead, visit=outcome.visit, to="concluded")
    assert Visit.objects.get(pk=outcome.visit.pk).row_version == version


def test_it_tells_the_host_the_addressees_and_the_coordinators_but_not_the_actor(outcome):
    conclusion_issue(actor=outcome.people.coordinator_in, visit=outcome.visit)
    told = set(
        Notification.objects.filter(kind="conclusion_issued").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"host_in", "addressee", "coord_all"}
    note = Notification.objects.get(recipient=outcome.people.host_in)
    assert note.visit_id == outcome.visit.pk
    assert "KT-HL" in note.title and "1-KL" in note.body


# --- Withdraw and re-issue ---------------------------------------------------------------


def test_it_withdraws_into_a_draft_copy_and_reissues_with_a_new_number(outcome):
    issued = conclusion_issue(actor=None, visit=outcome.visit, issued_on=D(2024, 7, 1))
    codes = list(issued.recommendations.values_list("pk", flat=True))
    new_draft = conclusion_withdraw(
        actor=outcome.people.coordinator_in, visit=outcome.visit, reason="Sai số liệu"
    )
    issued.refresh_from_db()
    assert (issued.state, issued.number, issued.withdraw_reason) == ("withdrawn", 1, "Sai số liệu")
    assert len(issued.issued_recommendations) == 2
    assert new_draft.state == "draft" and new_draft.copied_from == issued
    assert new_draft.summary == issued.summary
    first_section = new_draft.sections.order_by("position").first()
    assert (first_section.number, first_section.shortcomings) == ("I", "Chưa kịp thời")
    moved = list(new_draft.recommendations.order_by("position"))
    assert [r.pk for r in moved] == codes
    assert [r.state for r in moved] == ["draft", "draft"]
    assert moved[0].due_date is None  # counted from the issue: counted again at the next
    assert moved[1].due_date == D(2030, 6, 30)
    outcome.visit.refresh_from_db()
    assert outcome.visit.status == "reporting"
    assert AuditEvent.objects.filter(action="withdraw", object_type="conclusion").count() == 1

    again = conclusion_issue(actor=None, visit=outcome.visit, issued_on=D(2024, 7, 2))
    assert again.number == 2
    assert sorted(Conclusion.objects.values_list("state", "number")) == [
        ("issued", 2),
        ("withdrawn", 1),
    ]


def test_it_withdraws_only_an_issued_conclusion_with_a_reason(outcome):
    with pytest.raises(Conflict):
        conclusion_withdraw(actor=None, visit=outcome.visit, reason="Lý do")
    conclusion_issue(actor=None, visit=outcome.visit)
    with pytest.raises(ValidationError):
        conclusion_withdraw(actor=None, visit=outcome.visit, reason="  ")


# --- Closing -------------------------------------------------------------------------------


def test_it_refuses_to_close_with_open_recommendations_naming_them(outcome):
    conclusion_issue(actor=None, visit=outcome.visit)
    with pytest.raises(Conflict) as refused:
        visit_transition(actor=outcome.people.lead, visit=outcome.visit, to="closed")
    assert "KN-01, KN-02" in refused.value.message
    assert [r["code"] for r in refused.value.extra["recommendations"]] == ["KN-01", "KN-02"]
    with pytest.raises(NotAllowed):
        visit_transition(
            actor=outcome.people.lead, visit=outcome.visit, to="closed", carry_over=True
        )
    assert Visit.objects.get(pk=outcome.visit.pk).status == "concluded"


def test_it_lets_a_coordinator_carry_them_over(outcome):
    conclusion_issue(actor=None, visit=outcome.visit)
    visit_transition(
        actor=outcome.people.coordinator_in, visit=outcome.visit, to="closed", carry_over=True
    )
    assert Visit.objects.get(pk=outcome.visit.pk).status == "closed"
    assert set(Recommendation.objects.values_list("carried_over", "state")) == {(True, "open")}
    event = AuditEvent.objects.get(action="transition:closed")
    assert event.changes["carried_over"] == ["KN-01", "KN-02"]


def test_it_closes_without_carry_over_when_nothing_is_pending(outcome):
    conclusion_update(actor=None, visit=outcome.visit, recommendations=[])
    conclusion_issue(actor=None, visit=outcome.visit)
    visit_transition(actor=outcome.people.deputy, visit=outcome.visit, to="closed")
    assert Visit.objects.get(pk=outcome.visit.pk).status == "closed"
