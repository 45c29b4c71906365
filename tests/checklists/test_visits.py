"""The visit rules of SPEC §3: creation from an outline, milestones, rescheduling,
status machine, checklist edits, progress and the audit trail."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from checklists.errors import StaleObjectError, TransitionNotAllowed
from checklists.models import AuditEvent, ChecklistItem, DayOff, Milestone, TeamMembership, Visit
from checklists.selectors import visit_progress, visits_with_progress
from checklists.services.checklist import (
    checklist_item_add,
    checklist_item_update,
    milestone_mark_done,
    milestone_reschedule,
)
from checklists.services.conclusions import conclusion_issue
from checklists.services.outlines import MilestoneData, OutlineData
from checklists.services.visits import (
    SessionInput,
    TeamInput,
    visit_create,
    visit_reschedule,
    visit_set_sessions,
    visit_transition,
)
from tests import factories
from tests.conclusion_world import draft
from tests.conftest import local

pytestmark = pytest.mark.django_db

D = dt.date


def make_visit(outline, *, first=None, team=(), **kwargs) -> Visit:
    first = first or local(2024, 5, 13, 8)
    return visit_create(
        actor=None,
        outline=outline,
        host_unit=kwargs.pop("host_unit", None) or factories.UnitFactory(),
        title=kwargs.pop("title", "Kiểm tra tại Quảng Ninh"),
        sessions=[SessionInput(start=first, end=first + dt.timedelta(hours=3), location="Hạ Long")],
        team=team,
        **kwargs,
    )


def due_dates(visit) -> dict[str, dt.date]:
    return dict(visit.milestones.values_list("key", "due_date"))


def test_it_copies_the_outline_items_and_dates_its_milestones(plan10_outline):
    visit = make_visit(plan10_outline)

    assert visit.checklist.count() == 17
    assert set(visit.checklist.values_list("origin", flat=True)) == {"outline"}
    assert sorted(due_dates(visit).values()) == [
        D(2024, 5, 8),
        D(2024, 5, 13),
        D(2024, 5, 20),
        D(2024, 5, 28),
        D(2024, 6, 12),
    ]
    first = visit.checklist.order_by("section_position", "position").first()
    assert (first.section_number, first.number) == ("I", "1")


def test_it_takes_day_zero_in_local_time():
    """GIVEN a session at 06:00 in Hà Nội (23:00 the day before in UTC)
    THEN day 0 is the local date."""
    outline = factories.plan10_outline()
    visit = make_visit(outline, first=local(2024, 5, 13, 6))
    assert due_dates(visit)["decision_announced"] == D(2024, 5, 13)


def test_it_refuses_a_draft_outline_and_saves_nothing():
    outline = factories.plan10_outline(published=False)
    with pytest.raises(ValidationError) as excinfo:
        make_visit(outline)
    assert "outline" in excinfo.value.message_dict
    assert Visit.objects.count() == 0
    assert ChecklistItem.objects.count() == 0


def test_it_refuses_a_session_that_ends_before_it_starts(plan10_outline):
    start = local(2024, 5, 13, 8)
    with pytest.raises(ValidationError):
        visit_create(
            actor=None,
            outline=plan10_outline,
            host_unit=factories.UnitFactory(),
            title="x",
            sessions=[SessionInput(start=start, end=start - dt.timedelta(hours=1))],
        )
    assert Visit.objects.count() == 0


def test_it_refuses_two_leads(plan10_outline):
    a, b = factories.UserFactory(), factories.UserFactory()
    with pytest.raises(ValidationError):
        make_visit(plan10_outline, team=[TeamInput(a, "lead"), TeamInput(b, "lead")])
    assert Visit.objects.count() == 0


def test_it_moves_every_milestone_not_dated_by_hand_when_the_first_session_moves(plan10_outline):
    """GIVEN a visit whose final-report deadline was dated by hand
    WHEN its first working session moves one week later
    THEN the four other milestones move one week and the hand-dated one stays."""
    visit = make_visit(plan10_outline)
    final = visit.milestones.get(key="final_report_due")
    milestone_reschedule(actor=None, milestone=final, due_date=D(2024, 6, 3))
    before = due_dates(visit)

    visit_reschedule(actor=None, visit=visit, first_session_start=local(2024, 5, 20, 8))

    after = due_dates(visit)
    for key, old in before.items():
        expected = old if key == "final_report_due" else old + dt.timedelta(days=7)
        assert after[key] == expected, key
    assert visit.sessions.get().start == local(2024, 5, 20, 8)
    assert visit.milestones.get(key="draft_report_due").sequence == 1
    assert visit.milestones.get(key="final_report_due").sequence == 1  # moved once, by hand


def test_it_keeps_the_spacing_of_later_sessions_when_rescheduling(plan10_outline):
    visit = make_visit(plan10_outline)
    first = visit.sessions.get()
    visit_set_sessions(
        actor=None,
        visit=visit,
        sessions=[
            SessionInput(id=first.pk, start=first.start, end=first.end, location=first.location),
            SessionInput(start=local(2024, 5, 14, 8), end=local(2024, 5, 14, 11)),
        ],
    )
    visit_reschedule(actor=None, visit=visit, first_session_start=local(2024, 6, 3, 8))
    starts = list(visit.sessions.order_by("start").values_list("start", flat=True))
    assert starts == [local(2024, 6, 3, 8), local(2024, 6, 4, 8)]


def test_it_lets_a_hand_dated_milestone_follow_the_sessions_again(plan10_outline):
    visit = make_visit(plan10_outline)
    milestone = visit.milestones.get(key="team_comments_due")
    milestone_reschedule(actor=None, milestone=milestone, due_date=D(2024, 7, 1))
    milestone_reschedule(actor=None, milestone=milestone, due_date=None)
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.dated_by_hand) == (D(2024, 5, 20), False)


def test_it_counts_working_days_over_tet_and_a_declared_day_off():
    """GIVEN an outline milestone 3 working days after day 0 and a declared bridge day
    WHEN day 0 is Friday 24 January 2025, before Tết (27 Jan – 1 Feb)
    THEN the deadline skips the weekend, Tết and Monday 3 Feb: Thursday 6 Feb."""
    DayOff.objects.create(date=D(2025, 2, 3), name="Nghỉ bù Tết")
    data = OutlineData(
        **{
            **factories.PLAN10_DATA.__dict__,
            "code": "WD",
            "milestones": (
                MilestoneData("comments", "Ý kiến", "team", offset_working_days=3),
                MilestoneData("before", "Trước", "host", offset_working_days=-2),
            ),
        }
    )
    visit = make_visit(factories.plan10_outline(data=data), first=local(2025, 1, 24, 8))
    assert due_dates(visit) == {"comments": D(2025, 2, 6), "before": D(2025, 1, 22)}


def _move(visit: Visit, status: str) -> None:
    """One step along the machine; `concluded` is reached by issuing the conclusion,
    the only way there (SPEC §11)."""
    if status == "concluded":
        draft(visit)
        conclusion_issue(actor=None, visit=visit)
    else:
        visit_transition(actor=None, visit=visit, to=status)


@pytest.mark.parametrize(
    "path",
    [
        ["announced", "in_progress", "reporting", "concluded", "closed"],
        ["announced", "cancelled"],
        ["cancelled"],
    ],
)
def test_it_allows_the_status_machines_paths(plan10_outline, path):
    visit = make_visit(plan10_outline)
    for status in path:
        _move(visit, status)
    visit.refresh_from_db()
    assert visit.status == path[-1]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "in_progress"),
        ([], "closed"),
        (["announced", "in_progress", "reporting", "concluded"], "cancelled"),
        (["cancelled"], "announced"),
        ([], "bogus"),
    ],
)
def test_it_refuses_transitions_the_machine_does_not_allow(plan10_outline, path, refused):
    visit = make_visit(plan10_outline)
    for status in path:
        _move(visit, status)
    version = Visit.objects.get(pk=visit.pk).row_version
    with pytest.raises(TransitionNotAllowed):
        visit_transition(actor=None, visit=visit, to=refused)
    assert Visit.objects.get(pk=visit.pk).row_version == version


def test_it_adds_the_visits_own_items_numbered_in_their_section(plan10_outline):
    visit = make_visit(plan10_outline)
    first = checklist_item_add(actor=None, visit=visit, text="Công tác nắm tình hình")
    second = checklist_item_add(
        actor=None, visit=visit, text="Công tác phối hợp", answer_type="yes_no"
    )
    assert (first.origin, first.section_number, first.number) == ("visit", "BS", "1")
    assert second.number == "2"
    assert second.section_position == first.section_position > 6
    assert visit.checklist.count() == 19


def test_it_validates_answers_by_type(plan10_outline):
    visit = make_visit(plan10_outline)
    number_item = visit.checklist.create(
        origin="visit",
        section_number="X",
        section_title="X",
        number="1",
        text="n",
        answer_type="number",
    )
    assert checklist_item_update(actor=None, item=number_item, answer="468").answer == 468
    with translation.override("vi"):  # a decimal comma is Vietnamese (checklists.numbers)
        assert checklist_item_update(actor=None, item=number_item, answer="4,5").answer == 4.5
    with pytest.raises(ValidationError):
        checklist_item_update(actor=None, item=number_item, answer="nhiều")
    with pytest.raises(ValidationError):
        checklist_item_update(actor=None, item=number_item, answer=True)
    yes_no = visit.checklist.create(
        origin="visit",
        section_number="X",
        section_title="X",
        number="2",
        text="y",
        answer_type="yes_no",
    )
    with pytest.raises(ValidationError):
        checklist_item_update(actor=None, item=yes_no, answer="có")
    assert checklist_item_update(actor=None, item=yes_no, answer=False).answer is False


def test_it_refuses_an_assignee_outside_the_team(plan10_outline):
    member = factories.UserFactory()
    visit = make_visit(plan10_outline, team=[TeamInput(member, TeamMembership.Role.MEMBER)])
    item = visit.checklist.first()
    checklist_item_update(actor=None, item=item, assignee=member)
    with pytest.raises(ValidationError):
        checklist_item_update(actor=None, item=item, assignee=factories.UserFactory())


def test_it_refuses_a_stale_update_and_leaves_the_item_as_it_was(plan10_outline):
    visit = make_visit(plan10_outline)
    item = visit.checklist.first()
    read_version = item.row_version
    checklist_item_update(actor=None, item=item, expected_version=read_version, finding="A")

    stale = ChecklistItem.objects.get(pk=item.pk)
    stale.row_version = read_version
    with pytest.raises(StaleObjectError):
        checklist_item_update(actor=None, item=stale, expected_version=read_version, finding="B")
    item.refresh_from_db()
    assert (item.finding, item.row_version) == ("A", read_version + 1)


def test_it_computes_progress_from_done_and_not_applicable_items(plan10_outline):
    visit = make_visit(plan10_outline)
    items = list(visit.checklist.all()[:4])
    checklist_item_update(actor=None, item=items[0], status="done")
    checklist_item_update(actor=None, item=items[1], status="not_applicable")
    checklist_item_update(actor=None, item=items[2], status="in_progress")
    assert visit_progress(visit) == round(2 / 17, 4)
    annotated = visits_with_progress(Visit.objects.filter(pk=visit.pk)).get()
    assert visit_progress(annotated) == round(2 / 17, 4)


def test_it_derives_milestone_state_from_the_date(plan10_outline):
    visit = make_visit(plan10_outline)
    milestone = visit.milestones.get(key="team_comments_due")  # 2024-05-20
    assert milestone.state_on(D(2024, 5, 1)) == Milestone.State.UPCOMING
    assert milestone.state_on(D(2024, 5, 17)) == Milestone.State.DUE_SOON
    assert milestone.state_on(D(2024, 5, 20)) == Milestone.State.DUE_SOON
    assert milestone.state_on(D(2024, 5, 21)) == Milestone.State.OVERDUE
    milestone_mark_done(actor=None, milestone=milestone)
    assert milestone.state_on(D(2024, 5, 21)) == Milestone.State.DONE


def test_it_records_who_changed_what_in_the_audit_trail(plan10_outline):
    # A coordinator: the services refuse anyone without the rights (SPEC §4).
    actor = factories.UserFactory(username="truongdoan", is_coordinator=True)
    visit = make_visit(plan10_outline)
    item = visit.checklist.first()
    checklist_item_update(actor=actor, item=item, status="done", finding="Đạt")
    visit_transition(actor=actor, visit=visit, to="announced")

    update = AuditEvent.objects.get(object_type="checklistitem", object_id=str(item.pk))
    assert update.actor == actor
    assert update.visit_id == visit.pk
    assert update.changes == {
        "status": {"from": "open", "to": "done"},
        "finding": {"from": "", "to": "Đạt"},
    }
    transition = AuditEvent.objects.get(action="transition:announced")
    assert transition.changes == {"status": {"from": "planned", "to": "announced"}}
    assert AuditEvent.objects.filter(object_type="visit", action="create").count() == 1


def test_it_builds_the_plan10_visit_from_the_outline_file():
    """GIVEN the Plan 10 outline file imported and published
    WHEN a visit's first working session is on 2024-05-13
    THEN it has 17 checklist items and milestones on 05-08, 05-13, 05-20, 05-28, 06-12,
    and moving the session a week moves all of them except one dated by hand."""
    from checklists.services.outlines import outline_import
    from tests.conftest import PLAN10_YAML

    outline = outline_import(
        actor=None, content=PLAN10_YAML.read_bytes(), filename="plan10.yaml", publish=True
    )
    visit = make_visit(outline)
    assert visit.checklist.count() == 17
    assert sorted(due_dates(visit).values()) == [
        D(2024, 5, 8),
        D(2024, 5, 13),
        D(2024, 5, 20),
        D(2024, 5, 28),
        D(2024, 6, 12),
    ]
    milestone_reschedule(
        actor=None, milestone=visit.milestones.get(key="conclusion_due"), due_date=D(2024, 6, 14)
    )
    visit_reschedule(actor=None, visit=visit, first_session_start=local(2024, 5, 20, 8))
    assert sorted(due_dates(visit).values()) == [
        D(2024, 5, 15),
        D(2024, 5, 20),
        D(2024, 5, 27),
        D(2024, 6, 4),
        D(2024, 6, 14),
    ]


def test_it_moves_working_day_deadlines_when_a_day_off_is_declared_or_removed():
    """GIVEN a deadline 3 working days after Friday 24 January 2025 (Thursday 6 Feb
    once Tết is skipped) WHEN Monday 3 February is declared a day off THEN it moves
    to Friday 7 February, and back when the declaration is removed; a deadline dated
    by hand stays."""
    from checklists.services.days_off import day_off_declare, day_off_remove

    data = OutlineData(
        **{
            **factories.PLAN10_DATA.__dict__,
            "code": "WD2",
            "milestones": (
                MilestoneData("comments", "Ý kiến", "team", offset_working_days=4),
                MilestoneData("fixed", "Cố định", "team", offset_working_days=4),
            ),
        }
    )
    visit = make_visit(factories.plan10_outline(data=data), first=local(2025, 1, 24, 8))
    milestone_reschedule(
        actor=None, milestone=visit.milestones.get(key="fixed"), due_date=D(2025, 2, 5)
    )
    assert due_dates(visit)["comments"] == D(2025, 2, 6)

    day = day_off_declare(actor=None, date=D(2025, 2, 3), name="Nghỉ bù")
    assert due_dates(visit) == {"comments": D(2025, 2, 7), "fixed": D(2025, 2, 5)}
    assert visit.milestones.get(key="comments").sequence == 1

    day_off_remove(actor=None, day=day)
    assert due_dates(visit)["comments"] == D(2025, 2, 6)
