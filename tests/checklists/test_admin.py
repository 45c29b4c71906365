"""The Django admin as a coordinator uses it: every page renders, writes go through
the services, published outlines stay put, and scope hides other units' visits."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.contrib import admin as django_admin
from django.contrib import messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import CheckboxInput, MultiWidget, Select, SelectMultiple
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checklists.admin.people import UnitAdmin
from checklists.models import (
    AnswerType,
    AuditEvent,
    ChecklistItem,
    DayOff,
    Milestone,
    Outline,
    OutlineItem,
    OutlineSection,
    TeamMembership,
    Unit,
    User,
    Visit,
)
from checklists.services.checklist import checklist_item_add
from checklists.services.outlines import MilestoneData, OutlineData, outline_new_version
from checklists.services.visits import SessionInput, visit_create, visit_transition
from tests import factories
from tests.conftest import PLAN10_YAML

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PLAN10_ITEMS = 17
PLAN10_MILESTONES = 5


def local(year: int, month: int, day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=HCM)


def changelist(model: type) -> str:
    return reverse(f"admin:checklists_{model._meta.model_name}_changelist")


def change(obj) -> str:
    return reverse(f"admin:checklists_{obj._meta.model_name}_change", args=[obj.pk])


def add(model: type) -> str:
    return reverse(f"admin:checklists_{model._meta.model_name}_add")


def form_data(response) -> dict:
    """The POST body the admin page in `response` sends when saved unchanged,
    read from the page's bound forms so a test changes only what it means to."""
    data: dict = {}
    page_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        page_forms.append(inline.formset.management_form)
        page_forms += list(inline.formset.forms)
    for form in page_forms:
        for bound in form:
            widget = bound.field.widget
            while isinstance(widget, RelatedFieldWidgetWrapper):
                widget = widget.widget
            value = bound.value()
            if isinstance(widget, CheckboxInput):
                if widget.check_test(value):
                    data[bound.html_name] = "on"
                continue
            context = widget.get_context(bound.html_name, value, {})["widget"]
            if isinstance(widget, MultiWidget):
                for sub in context["subwidgets"]:
                    data[sub["name"]] = sub["value"] or ""
            elif isinstance(widget, SelectMultiple):
                data[bound.html_name] = context["value"]
            elif isinstance(widget, Select):
                data[bound.html_name] = next(iter(context["value"]), "")
            else:
                data[bound.html_name] = context["value"] or ""
    return data


def shown_messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


def page_errors(response) -> list:
    """Form, inline and message errors of a re-shown admin page, for assertion output."""
    found = [response.context["adminform"].form.errors]
    for inline in response.context["inline_admin_formsets"]:
        found += [inline.formset.errors, inline.formset.non_form_errors()]
    return [e for e in found if e] + errors_of(response)


def errors_of(response) -> list[str]:
    return [text for level, text in shown_messages(response) if level == messages.ERROR]


# --- Fixtures ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # The manifest storage of production settings needs collectstatic to have run;
    # admin pages link their CSS through it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def superuser(db) -> User:
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def client_admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def tree(db) -> dict[str, Unit]:
    """central → two provinces, one with a district."""
    central = factories.UnitFactory(name="Trung ương", code="tw", kind=Unit.Kind.CENTRAL)
    qn = factories.UnitFactory(name="Tỉnh ủy Quảng Ninh", code="qn", parent=central)
    tb = factories.UnitFactory(
        name="Huyện ủy Thanh Bình", code="tb", parent=qn, kind=Unit.Kind.DISTRICT
    )
    dt_ = factories.UnitFactory(name="Tỉnh ủy Đồng Tháp", code="dt", parent=central)
    return {"central": central, "qn": qn, "tb": tb, "dt": dt_}


def make_visit(outline: Outline, unit: Unit, n: int, **kwargs) -> Visit:
    start = local(2024, 5, 13) + dt.timedelta(days=n)
    return visit_create(
        actor=None,
        outline=outline,
        host_unit=unit,
        title=f"Kiểm tra {unit.name} {n}",
        code=f"KT-{n:03d}",
        decision_ref=f"{100 + n}-QĐ/TW",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=4), location="Hạ Long")],
        **kwargs,
    )


@pytest.fixture
def visit(plan10_outline, tree) -> Visit:
    return make_visit(plan10_outline, tree["qn"], 1)


@pytest.fixture
def scoped_coordinator(db, tree, client):
    """A coordinator of Quảng Ninh's subtree: staff, with the app's permissions."""
    user = factories.coordinator(scope=tree["qn"], is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="checklists"))
    client.force_login(user)
    return user


# --- Every page renders -----------------------------------------------------------------


def test_it_renders_every_changelist_add_and_change_page(client_admin, visit, superuser):
    visit.team.create(user=factories.UserFactory(), role=TeamMembership.Role.LEAD)
    DayOff.objects.create(date=dt.date(2025, 1, 25), name="Nghỉ bù Tết", created_by=superuser)
    draft = outline_new_version(actor=superuser, outline=visit.outline)
    section = draft.sections.first()
    assert AuditEvent.objects.exists()

    registered = {m for m in django_admin.site._registry if m._meta.app_label == "checklists"}
    # The system's own records (reminders, notifications, report revisions) have
    # their pages tested in test_admin_activity.py, with rows of their own.
    models = [
        Unit,
        User,
        Outline,
        OutlineSection,
        Visit,
        ChecklistItem,
        Milestone,
        DayOff,
        AuditEvent,
    ]
    assert set(models) <= registered
    for model in models:
        response = client_admin.get(changelist(model))
        assert response.status_code == 200, model
        obj = model.objects.first()
        assert obj is not None, model
        response = client_admin.get(change(obj))
        assert response.status_code == 200, (model, obj)
        if model is not AuditEvent:
            assert client_admin.get(add(model)).status_code == 200, model
    # Both outline versions' pages, and a draft's section page with its items.
    for obj in (visit.outline, draft, section, visit.milestones.first()):
        assert client_admin.get(change(obj)).status_code == 200
    # Filters and search answer too.
    for query in (
        "?status__exact=planned",
        "?overdue=yes",
        "?host_kind=province",
        f"?province={visit.host_unit_id}",
        "?q=Quảng",
        "?o=6",
        "?province=nonsense",
    ):
        assert client_admin.get(changelist(Visit) + query).status_code == 200, query
    for query in (f"?visit={visit.pk}", "?visit=x", "?status__exact=open&answer_type__exact=text"):
        assert client_admin.get(changelist(ChecklistItem) + query).status_code == 200
    for query in (
        "?state=overdue",
        "?state=open",
        f"?visit={visit.pk}",
        "?responsible__exact=host",
    ):
        assert client_admin.get(changelist(Milestone) + query).status_code == 200
    # The autocompletes behind the visit form and the team inline.
    for model, field, term in (("visit", "host_unit", "Quảng"), ("teammembership", "user", "")):
        response = client_admin.get(
            reverse("admin:autocomplete"),
            {"app_label": "checklists", "model_name": model, "field_name": field, "term": term},
        )
        assert response.status_code == 200 and response.json()["results"], model


def test_it_lists_visits_with_progress_and_overdue_counts_in_constant_queries(
    client_admin, plan10_outline, tree, django_assert_max_num_queries
):
    first = make_visit(plan10_outline, tree["qn"], 1)
    item = first.checklist.first()
    ChecklistItem.objects.filter(pk=item.pk).update(status=ChecklistItem.Status.DONE)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client_admin.get(changelist(Visit))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count_queries()
    for n in range(2, 9):
        make_visit(plan10_outline, tree["tb" if n % 2 else "dt"], n)
    assert count_queries() == few

    with django_assert_max_num_queries(12):
        response = client_admin.get(changelist(Visit))
    rows = {v.pk: v for v in response.context["cl"].result_list}
    assert len(rows) == 8
    # 1 of 17 settled; the 2024 deadlines are all past and not done.
    assert rows[first.pk].items_total == PLAN10_ITEMS
    assert rows[first.pk].items_settled == 1
    assert rows[first.pk].overdue_count == PLAN10_MILESTONES
    assert "6%" in response.content.decode()


# --- Visits -------------------------------------------------------------------------------


def test_it_creates_a_visit_through_the_add_form_with_the_outline_copied(
    client_admin, plan10_outline, tree, superuser
):
    response = client_admin.post(
        add(Visit),
        {
            "outline": plan10_outline.pk,
            "host_unit": tree["qn"].pk,
            "title": "Kiểm tra Tỉnh ủy Quảng Ninh",
            "code": "KT3-QN",
            "decision_ref": "1234-QĐ/TW",
            "session_start_0": "2024-05-13",
            "session_start_1": "08:00",
            "session_end_0": "2024-05-13",
            "session_end_1": "11:30",
            "session_location": "Hạ Long",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = Visit.objects.get(code="KT3-QN")
    assert visit.created_by == superuser
    assert visit.checklist.count() == PLAN10_ITEMS
    assert visit.milestones.count() == PLAN10_MILESTONES
    assert visit.sessions.get().start == local(2024, 5, 13, 8)
    # Day 0 is the first session: the draft report is due 5 days before it.
    assert visit.milestones.get(key="draft_report_due").due_date == dt.date(2024, 5, 8)
    assert AuditEvent.objects.filter(object_type="visit", action="create", actor=superuser).exists()


def test_it_offers_only_published_outlines_and_refuses_a_bad_session(
    client_admin, plan10_outline, tree
):
    draft = outline_new_version(actor=None, outline=plan10_outline)
    response = client_admin.get(add(Visit))
    choices = response.context["adminform"].form.fields["outline"].queryset
    assert list(choices) == [plan10_outline]

    response = client_admin.post(
        add(Visit),
        {
            "outline": draft.pk,
            "host_unit": tree["qn"].pk,
            "title": "x",
            "session_start_0": "2024-05-13",
            "session_start_1": "08:00",
            "session_end_0": "2024-05-13",
            "session_end_1": "07:00",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "outline" in errors and "session_end" in errors
    assert not Visit.objects.exists()


def test_it_saves_visit_edits_and_moved_sessions_through_the_services(
    client_admin, visit, superuser
):
    """GIVEN a visit whose milestones follow its first session
    WHEN the admin changes its title and moves the session a week later
    THEN the milestones move a week too, except one dated by hand, and both
    changes are in the audit trail."""
    hand = visit.milestones.get(key="conclusion_due")
    hand.due_date, hand.dated_by_hand = dt.date(2024, 7, 1), True
    hand.save()
    before = {m.key: m.due_date for m in visit.milestones.all()}

    data = form_data(client_admin.get(change(visit)))
    data["title"] = "Kiểm tra (đã đổi)"
    assert data["sessions-0-start_0"] == "2024-05-14"
    data["sessions-0-start_0"] = data["sessions-0-end_0"] = "2024-05-21"
    data["_save"] = "Save"
    response = client_admin.post(change(visit), data)
    assert response.status_code == 302, page_errors(response)

    visit.refresh_from_db()
    assert visit.title == "Kiểm tra (đã đổi)"
    assert visit.sessions.get().start == local(2024, 5, 21)
    after = {m.key: m.due_date for m in visit.milestones.all()}
    assert after["draft_report_due"] == before["draft_report_due"] + dt.timedelta(days=7)
    assert after["conclusion_due"] == dt.date(2024, 7, 1)
    actions = set(
        AuditEvent.objects.filter(visit_id=visit.pk, actor=superuser).values_list(
            "action", flat=True
        )
    )
    assert {"update", "reschedule"} <= actions


def test_it_sets_the_team_and_rejects_two_leads(client_admin, visit):
    lead, deputy = factories.UserFactory(), factories.UserFactory()
    data = form_data(client_admin.get(change(visit)))
    data.update(
        {
            "team-TOTAL_FORMS": "2",
            "team-0-user": lead.pk,
            "team-0-role": TeamMembership.Role.LEAD,
            "team-0-visit": visit.pk,
            "team-1-user": deputy.pk,
            "team-1-role": TeamMembership.Role.LEAD,
            "team-1-visit": visit.pk,
            "_save": "Save",
        }
    )
    response = client_admin.post(change(visit), data)
    assert response.status_code == 200
    assert not visit.team.exists()

    data["team-1-role"] = TeamMembership.Role.DEPUTY
    response = client_admin.post(change(visit), data)
    assert response.status_code == 302
    assert set(visit.team.values_list("user", "role")) == {
        (lead.pk, TeamMembership.Role.LEAD),
        (deputy.pk, TeamMembership.Role.DEPUTY),
    }
    assert AuditEvent.objects.filter(visit_id=visit.pk, action="set_team").exists()


def test_it_refuses_to_overwrite_a_visit_changed_since_the_page_was_read(client_admin, visit):
    data = form_data(client_admin.get(change(visit)))
    visit_transition(actor=None, visit=visit, to=Visit.Status.ANNOUNCED)  # bumps row_version
    data["title"] = "Stale edit"
    data["_save"] = "Save"
    response = client_admin.post(change(visit), data, follow=True)
    assert response.status_code == 200
    assert errors_of(response)
    visit.refresh_from_db()
    assert visit.title != "Stale edit"


def test_it_moves_visits_through_their_states_and_reports_refused_ones(
    client_admin, plan10_outline, tree
):
    planned = make_visit(plan10_outline, tree["qn"], 1)
    other = make_visit(plan10_outline, tree["dt"], 2)
    visit_transition(actor=None, visit=other, to=Visit.Status.CANCELLED)

    response = client_admin.post(
        changelist(Visit),
        {"action": "announce", "_selected_action": [planned.pk, other.pk]},
        follow=True,
    )
    assert response.status_code == 200
    planned.refresh_from_db()
    other.refresh_from_db()
    assert planned.status == Visit.Status.ANNOUNCED
    assert other.status == Visit.Status.CANCELLED
    errors = errors_of(response)
    assert len(errors) == 1 and str(other) in errors[0]
    assert any(level == messages.SUCCESS for level, _ in shown_messages(response))

    response = client_admin.post(
        changelist(Visit), {"action": "close", "_selected_action": [planned.pk]}, follow=True
    )
    assert errors_of(response)
    planned.refresh_from_db()
    assert planned.status == Visit.Status.ANNOUNCED


# --- Outlines --------------------------------------------------------------------------


def test_it_shows_a_published_outline_read_only_and_ignores_posts_to_it(
    client_admin, plan10_outline
):
    response = client_admin.get(change(plan10_outline))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert "Start a new version" in response.content.decode()
    inline_perms = [
        (i.has_add_permission, i.has_change_permission, i.has_delete_permission)
        for i in response.context["inline_admin_formsets"]
    ]
    assert inline_perms and all(perms == (False, False, False) for perms in inline_perms)

    response = client_admin.post(
        change(plan10_outline),
        {"code": "KH-10", "version": 1, "title": "Đã sửa", "language": "vi", "references": "[]"},
    )
    assert response.status_code == 403
    plan10_outline.refresh_from_db()
    assert plan10_outline.title != "Đã sửa"

    section = plan10_outline.sections.first()
    response = client_admin.get(change(section))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client_admin.post(change(section), {"number": "I", "title": "Đã sửa"})
    assert response.status_code == 403
    section.refresh_from_db()
    assert section.title != "Đã sửa"


def test_it_edits_a_draft_outline_with_its_sections_and_audits_it(client_admin, plan10_outline):
    draft = outline_new_version(actor=None, outline=plan10_outline)
    data = form_data(client_admin.get(change(draft)))
    data["title"] = "Bản thảo mới"
    data["sections-0-title"] = "Mục I (sửa)"
    data["_save"] = "Save"
    response = client_admin.post(change(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Bản thảo mới"
    assert draft.sections.get(position=1).title == "Mục I (sửa)"
    assert set(
        AuditEvent.objects.filter(object_type="outline", object_id=str(draft.pk)).values_list(
            "action", flat=True
        )
    ) >= {"update", "update_parts"}


def test_it_publishes_retires_and_starts_versions_reporting_each_outline(
    client_admin, plan10_outline
):
    draft = outline_new_version(actor=None, outline=plan10_outline)

    response = client_admin.post(
        changelist(Outline),
        {"action": "publish_outlines", "_selected_action": [draft.pk, plan10_outline.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    plan10_outline.refresh_from_db()
    assert draft.status == Outline.Status.PUBLISHED
    # Publishing v2 retired v1; v1 itself could not be published.
    assert plan10_outline.status == Outline.Status.RETIRED
    errors = errors_of(response)
    assert len(errors) == 1 and "KH-10 v1" in errors[0]

    response = client_admin.post(
        changelist(Outline),
        {"action": "start_new_versions", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert not errors_of(response)
    v3 = Outline.objects.get(code="KH-10", version=3)
    assert v3.status == Outline.Status.DRAFT
    assert v3.sections.count() == 6

    response = client_admin.post(
        changelist(Outline),
        {"action": "retire_outlines", "_selected_action": [draft.pk, v3.pk]},
        follow=True,
    )
    draft.refresh_from_db()
    v3.refresh_from_db()
    assert draft.status == Outline.Status.RETIRED
    assert v3.status == Outline.Status.DRAFT
    assert len(errors_of(response)) == 1


def test_it_refuses_to_delete_a_published_outline(client_admin, plan10_outline):
    response = client_admin.post(
        changelist(Outline),
        {"action": "delete_selected", "_selected_action": [plan10_outline.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Outline.objects.filter(pk=plan10_outline.pk).exists()


# --- Checklist items and milestones ---------------------------------------------------------


def test_it_validates_a_checklist_answer_by_its_type(client_admin, visit, superuser):
    item = checklist_item_add(
        actor=None, visit=visit, text="Số đảng viên", answer_type=AnswerType.NUMBER
    )
    data = form_data(client_admin.get(change(item)))
    data["answer"] = "nhiều"
    data["_save"] = "Save"
    response = client_admin.post(change(item), data)
    assert response.status_code == 200
    assert "answer" in response.context["adminform"].form.errors

    data["answer"] = "4486"
    data["status"] = ChecklistItem.Status.DONE
    response = client_admin.post(change(item), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.answer == 4486
    assert item.status == ChecklistItem.Status.DONE
    assert AuditEvent.objects.filter(
        object_type="checklistitem", object_id=str(item.pk), action="update", actor=superuser
    ).exists()

    # A second save from the page read before the first one is refused.
    data["answer"] = "1"
    response = client_admin.post(change(item), data)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.answer == 4486


def test_it_adds_an_item_of_the_visits_own(client_admin, visit):
    response = client_admin.post(
        add(ChecklistItem),
        {
            "visit": visit.pk,
            "section_number": "BS",
            "text": "Công tác phối hợp giữa các cơ quan",
            "answer_type": AnswerType.TEXT,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    item = visit.checklist.get(origin=ChecklistItem.Origin.VISIT)
    assert (item.section_title, item.number) == ("Nội dung bổ sung", "1")


def test_it_marks_milestones_done_and_filters_overdue_ones(client_admin, visit):
    overdue = client_admin.get(changelist(Milestone) + "?state=overdue")
    assert overdue.context["cl"].result_count == PLAN10_MILESTONES

    milestone = visit.milestones.get(key="draft_report_due")
    response = client_admin.post(
        changelist(Milestone),
        {"action": "mark_done", "_selected_action": [milestone.pk]},
        follow=True,
    )
    assert response.status_code == 200
    milestone.refresh_from_db()
    assert milestone.done_at is not None
    assert client_admin.get(changelist(Milestone) + "?state=done").context["cl"].result_count == 1
    overdue = client_admin.get(changelist(Milestone) + "?state=overdue")
    assert overdue.context["cl"].result_count == PLAN10_MILESTONES - 1


def test_it_reschedules_a_milestone_by_hand_and_back(client_admin, visit):
    milestone = visit.milestones.get(key="team_comments_due")
    original = milestone.due_date
    data = form_data(client_admin.get(change(milestone)))
    data["due_date"] = "2024-06-03"
    data.pop("follow_sessions", None)
    data["_save"] = "Save"
    assert client_admin.post(change(milestone), data).status_code == 302
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.dated_by_hand) == (dt.date(2024, 6, 3), True)

    data = form_data(client_admin.get(change(milestone)))
    data["follow_sessions"] = "on"
    data["_save"] = "Save"
    assert client_admin.post(change(milestone), data).status_code == 302
    milestone.refresh_from_db()
    assert (milestone.due_date, milestone.dated_by_hand) == (original, False)


# --- Days off and the audit trail -------------------------------------------------------------


def test_it_records_who_declared_a_day_off(client_admin, superuser):
    response = client_admin.post(
        add(DayOff),
        {"date": "2025-01-25", "kind": DayOff.Kind.DAY_OFF, "name": "Nghỉ bù Tết", "_save": "Save"},
    )
    assert response.status_code == 302
    day = DayOff.objects.get()
    assert day.created_by == superuser
    assert AuditEvent.objects.filter(object_type="dayoff", action="declare_day").exists()


def test_it_moves_working_day_deadlines_when_a_day_off_is_declared_or_removed_in_the_admin(
    client_admin, tree, superuser
):
    """GIVEN a deadline 4 working days after Friday 24 January 2025 (Thursday 6
    February once Tết is skipped)
    WHEN Monday 3 and Tuesday 4 February are declared days off in the admin
    THEN it moves to Monday 10 February, and back when both are deleted at once."""
    data = OutlineData(
        **{
            **factories.PLAN10_DATA.__dict__,
            "code": "WD-ADMIN",
            "milestones": (MilestoneData("comments", "Ý kiến", "team", offset_working_days=4),),
        }
    )
    start = local(2025, 1, 24)
    visit = visit_create(
        actor=None,
        outline=factories.plan10_outline(data=data),
        host_unit=tree["qn"],
        title="Kiểm tra sau Tết",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
    )
    milestone = visit.milestones.get(key="comments")
    assert milestone.due_date == dt.date(2025, 2, 6)

    for date in ("2025-02-03", "2025-02-04"):
        response = client_admin.post(
            add(DayOff),
            {"date": date, "kind": DayOff.Kind.DAY_OFF, "name": "Nghỉ bù", "_save": "Save"},
        )
        assert response.status_code == 302, page_errors(response)
    milestone.refresh_from_db()
    assert milestone.due_date == dt.date(2025, 2, 10)
    assert (
        AuditEvent.objects.filter(visit_id=visit.pk, action="redate", actor=superuser).count() == 2
    )

    response = client_admin.post(
        changelist(DayOff),
        {
            "action": "delete_selected",
            "_selected_action": list(DayOff.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
        follow=True,
    )
    assert response.status_code == 200 and not errors_of(response)
    assert not DayOff.objects.exists()
    milestone.refresh_from_db()
    assert milestone.due_date == dt.date(2025, 2, 6)
    assert AuditEvent.objects.filter(object_type="dayoff", action="delete").count() == 2


def test_it_keeps_the_audit_trail_read_only(client_admin, visit):
    event = AuditEvent.objects.filter(visit_id=visit.pk).first()
    assert client_admin.get(add(AuditEvent)).status_code == 403
    response = client_admin.get(change(event))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client_admin.post(change(event), {"action": "forged"}).status_code == 403
    delete_url = reverse("admin:checklists_auditevent_delete", args=[event.pk])
    assert client_admin.post(delete_url, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "create"
    # Without delete permission the list offers no bulk delete (no action at all).
    assert client_admin.get(changelist(AuditEvent)).context["action_form"] is None


# --- Units and people ----------------------------------------------------------------------


def test_it_keeps_a_unit_that_is_still_referenced_and_says_why(client_admin, tree, monkeypatch):
    """GIVEN a province with a host contact, and an unused unit
    WHEN both are deleted in the admin
    THEN the unused one goes through unit_delete, and the province stays: Django's
    delete page lists what protects it, and should a reference appear after that
    check, unit_delete's refusal is shown as a message instead of a 500."""
    factories.host_contact(tree["dt"])
    unused = factories.UnitFactory(name="Đảng bộ giải thể", code="gt", parent=tree["central"])
    delete_url = reverse("admin:checklists_unit_delete", args=[tree["dt"].pk])

    response = client_admin.post(delete_url, {"post": "yes"})
    assert response.status_code == 200 and response.context["protected"]
    assert Unit.objects.filter(pk=tree["dt"].pk).exists()

    # As if the reference had appeared after Django's check.
    monkeypatch.setattr(
        UnitAdmin,
        "get_deleted_objects",
        lambda self, objs, request: ([str(o) for o in objs], {}, set(), []),
    )
    response = client_admin.post(delete_url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == change(tree["dt"])
    errors = errors_of(response)
    assert len(errors) == 1 and tree["dt"].name in errors[0]
    assert Unit.objects.filter(pk=tree["dt"].pk).exists()

    # In bulk, all or nothing: the unused unit stays too, and nothing is logged.
    response = client_admin.post(
        changelist(Unit),
        {
            "action": "delete_selected",
            "_selected_action": [tree["dt"].pk, unused.pk],
            "post": "yes",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert len(errors_of(response)) == 1
    assert Unit.objects.filter(pk__in=[tree["dt"].pk, unused.pk]).count() == 2
    assert not AuditEvent.objects.filter(object_type="unit", action="delete").exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()

    response = client_admin.post(
        reverse("admin:checklists_unit_delete", args=[unused.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=unused.pk).exists()
    event = AuditEvent.objects.get(object_type="unit", action="delete")
    assert event.changes == {"code": "gt", "name": "Đảng bộ giải thể"}


def test_it_audits_a_person_edited_in_the_admin_once_and_without_the_password(
    client_admin, tree, superuser
):
    """GIVEN a person created in the admin with a password
    WHEN a superuser edits fields the service knows (name, e-mail, unit) and fields
    only Django's UserAdmin saves (last name, staff flag), then switches them off
    THEN every change is in the audit trail exactly once, and no event holds the
    password or its hash."""
    passphrase = "a long enough passphrase 7"
    response = client_admin.post(
        add(User),
        {
            "username": "nguyenvana",
            "usable_password": "true",
            "password1": passphrase,
            "password2": passphrase,
            "full_name": "Nguyễn Văn A",
            "language": "vi",
            "host_unit": tree["qn"].pk,
        },
    )
    assert response.status_code == 302, page_errors(response)
    person = User.objects.get(username="nguyenvana")
    assert person.check_password(passphrase)

    def events(action: str) -> list[AuditEvent]:
        return list(
            AuditEvent.objects.filter(object_type="user", object_id=str(person.pk), action=action)
        )

    assert len(events("create")) == 1

    data = form_data(client_admin.get(change(person)))
    data.update({"full_name": "Nguyễn Văn B", "email": "b@example.org", "_save": "Save"})
    assert client_admin.post(change(person), data).status_code == 302
    (update,) = events("update")
    assert set(update.changes) == {"full_name", "email"}

    data = form_data(client_admin.get(change(person)))
    data.update({"host_unit": tree["tb"].pk, "last_name": "Văn", "is_staff": "on"})
    data.pop("is_active")
    data["_save"] = "Save"
    response = client_admin.post(change(person), data)
    assert response.status_code == 302, page_errors(response)
    person.refresh_from_db()
    assert (person.host_unit, person.last_name, person.is_staff, person.is_active) == (
        tree["tb"],
        "Văn",
        True,
        False,
    )
    recorded = [name for event in events("update") for name in event.changes]
    assert sorted(recorded) == sorted(["full_name", "email", "host_unit", "last_name", "is_staff"])
    assert len(events("deactivate")) == 1

    trail = json.dumps(
        list(AuditEvent.objects.filter(object_id=str(person.pk)).values_list("changes", flat=True)),
        ensure_ascii=False,
    )
    assert passphrase not in trail and person.password not in trail
    assert "password" not in trail


# --- Scope ---------------------------------------------------------------------------------


def test_it_hides_visits_outside_a_coordinators_scope(
    client, scoped_coordinator, plan10_outline, tree
):
    inside = make_visit(plan10_outline, tree["tb"], 1)
    outside = make_visit(plan10_outline, tree["dt"], 2)

    response = client.get(changelist(Visit))
    assert response.status_code == 200
    assert [v.pk for v in response.context["cl"].result_list] == [inside.pk]

    assert client.get(change(inside)).status_code == 200
    response = client.get(change(outside))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert outside.title not in client.get(response.url).content.decode()

    items = client.get(changelist(ChecklistItem)).context["cl"].result_list
    assert {i.visit_id for i in items} == {inside.pk}
    assert client.get(change(outside.checklist.first())).status_code == 302
    assert client.get(change(outside.milestones.first())).status_code == 302
    assert (
        client.get(changelist(ChecklistItem) + f"?visit={outside.pk}").context["cl"].result_count
        == 0
    )

    # Actions only ever see the scoped list.
    client.post(changelist(Visit), {"action": "cancel", "_selected_action": [outside.pk]})
    outside.refresh_from_db()
    assert outside.status == Visit.Status.PLANNED

    units = {u.pk for u in client.get(changelist(Unit)).context["cl"].result_list}
    assert units == {tree["qn"].pk, tree["tb"].pk}
    assert client.get(change(tree["dt"])).status_code == 302
    # The scope's root hangs under a unit outside the scope: its parent stays put.
    response = client.get(change(tree["qn"]))
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].readonly_fields


def test_it_keeps_a_scoped_coordinator_within_their_scope_when_editing(
    client, scoped_coordinator, plan10_outline, tree
):
    response = client.post(
        add(Visit),
        {
            "outline": plan10_outline.pk,
            "host_unit": tree["dt"].pk,
            "title": "Ngoài phạm vi",
            "session_start_0": "2024-05-13",
            "session_start_1": "08:00",
            "session_end_0": "2024-05-13",
            "session_end_1": "11:00",
        },
    )
    assert response.status_code == 200
    assert "host_unit" in response.context["adminform"].form.errors

    response = client.post(
        add(User),
        {
            "username": "escalated",
            "usable_password": "true",
            "password1": "a long enough passphrase 1",
            "password2": "a long enough passphrase 1",
            "language": "vi",
            "is_coordinator": "on",
        },
    )
    assert response.status_code == 200
    assert "coordinator_scope" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="escalated").exists()

    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    assert client.get(change(superuser)).status_code == 302
    response = client.get(change(scoped_coordinator))
    assert "is_superuser" in response.context["adminform"].readonly_fields


def test_it_lets_a_superuser_see_every_visit(client_admin, plan10_outline, tree):
    visits = [make_visit(plan10_outline, tree[key], n) for n, key in enumerate(("qn", "dt"), 1)]
    listed = {v.pk for v in client_admin.get(changelist(Visit)).context["cl"].result_list}
    assert listed == {v.pk for v in visits}


def test_it_dates_new_visits_in_local_time(client_admin, plan10_outline, tree):
    # 07:00 in Hà Nội is midnight UTC: day 0 must be the local date.
    client_admin.post(
        add(Visit),
        {
            "outline": plan10_outline.pk,
            "host_unit": tree["qn"].pk,
            "title": "Sáng sớm",
            "session_start_0": "2024-05-13",
            "session_start_1": "06:30",
            "session_end_0": "2024-05-13",
            "session_end_1": "09:00",
        },
    )
    visit = Visit.objects.get(title="Sáng sớm")
    assert timezone.localtime(visit.sessions.get().start).date() == dt.date(2024, 5, 13)
    assert visit.milestones.get(key="decision_announced").due_date == dt.date(2024, 5, 13)


# --- Outline files ---------------------------------------------------------------------


BROKEN_OUTLINE = """code: KH-11
version: 1
title: "Broken"
sections:
  - number: "I"
    title: "Mục I"
    items:
      - number: "1"
        text: "Nội dung"
        answer: maybe
  - number: "II"
    items: []
""".encode()


def test_it_imports_an_outline_file_from_the_changelist(client_admin, superuser):
    response = client_admin.get(changelist(Outline))
    import_url = reverse("admin:checklists_outline_import")
    assert import_url in response.content.decode()
    assert client_admin.get(import_url).status_code == 200

    upload = SimpleUploadedFile("plan10-outline.yaml", PLAN10_YAML.read_bytes())
    response = client_admin.post(import_url, {"file": upload})
    outline = Outline.objects.get(code="KH-10", version=1)
    assert response.status_code == 302
    assert response.url == change(outline)
    assert outline.status == Outline.Status.DRAFT
    assert OutlineItem.objects.filter(section__outline=outline).count() == PLAN10_ITEMS
    assert outline.created_by == superuser

    # The same code and version again: refused, with the reason, nothing saved.
    upload = SimpleUploadedFile("plan10-outline.yaml", PLAN10_YAML.read_bytes())
    response = client_admin.post(import_url, {"file": upload, "publish": "on"})
    assert response.status_code == 200
    assert response.context["problems"]
    assert Outline.objects.count() == 1


def test_it_lists_every_problem_of_a_refused_outline_file_with_line_and_key(client_admin):
    upload = SimpleUploadedFile("broken.yaml", BROKEN_OUTLINE)
    response = client_admin.post(
        reverse("admin:checklists_outline_import"), {"file": upload, "publish": "on"}
    )
    assert response.status_code == 200
    problems = response.context["problems"]
    # All three at once: the bad answer, the missing title, the empty item list.
    expected = [
        ("10", "sections[0].items[0].answer"),
        ("11", "sections[1].title"),
        ("12", "sections[1].items"),
    ]
    assert len(problems) == len(expected)
    for problem, (line, key_path) in zip(problems, expected, strict=True):
        assert line in problem and key_path in problem, problem
    page = response.content.decode()
    assert all(key_path in page for _, key_path in expected)
    assert not Outline.objects.exists()


def test_it_exports_an_outline_as_yaml(client_admin, plan10_outline):
    response = client_admin.get(change(plan10_outline))
    export_url = reverse("admin:checklists_outline_export", args=[plan10_outline.pk])
    assert export_url in response.content.decode()

    response = client_admin.get(export_url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = yaml.safe_load(response.content.decode())
    assert (document["code"], document["version"]) == ("KH-10", 1)
    assert sum(len(s["items"]) for s in document["sections"]) == PLAN10_ITEMS

    response = client_admin.post(
        changelist(Outline), {"action": "export_outline", "_selected_action": [plan10_outline.pk]}
    )
    assert response.status_code == 200
    assert yaml.safe_load(response.content.decode())["code"] == "KH-10"


def test_it_shows_a_scoped_coordinator_people_of_no_unit_but_lets_them_edit_none(
    client, scoped_coordinator, tree
):
    """A person with no unit and no role is found (to put on a team), not edited:
    neither the person nor their password, and nobody is deleted but by a superuser."""
    loose = factories.UserFactory(username="loose")
    own = factories.host_contact(tree["qn"], username="own_host")

    page = client.get(change(loose))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    before = User.objects.get(pk=loose.pk).password
    assert client.post(change(loose), {"username": "renamed"}).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[loose.pk])
    response = client.post(password, {"password1": "x" * 20, "password2": "x" * 20})
    assert response.status_code == 403
    loose.refresh_from_db()
    assert (loose.username, loose.password) == ("loose", before)

    assert client.get(change(own)).context["has_change_permission"]
    delete = reverse("admin:checklists_user_delete", args=[own.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("field", ["finding", "internal_note", "answer"])
def test_it_refuses_an_over_long_text_the_api_refuses(client_admin, visit, superuser, field):
    """GIVEN a text one character over checklists.limits' limit, which the API refuses
    WHEN it is saved in the admin
    THEN the admin refuses it too and the item keeps its value."""
    from rest_framework.test import APIClient

    from checklists.limits import MAX_ANSWER_TEXT, MAX_FINDING_TEXT, MAX_NOTE_TEXT

    limit = {"finding": MAX_FINDING_TEXT, "internal_note": MAX_NOTE_TEXT, "answer": MAX_ANSWER_TEXT}
    item = visit.checklist.filter(answer_type=AnswerType.TEXT).first()
    text = "x" * (limit[field] + 1)
    api = APIClient()
    api.force_authenticate(superuser)
    refused = api.patch(f"/api/v1/checklist-items/{item.pk}/", {field: text}, format="json")
    assert refused.status_code == 400

    data = form_data(client_admin.get(change(item)))
    data[field] = text
    data["_save"] = "Save"
    response = client_admin.post(change(item), data, follow=True)
    assert response.status_code == 200
    assert "at most" in " ".join(str(error) for error in page_errors(response))
    item.refresh_from_db()
    assert getattr(item, field) in ("", None)
