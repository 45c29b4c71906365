"""The conclusion page, the visit page's conclusion block and the recommendations
list, through Django's test client: who sees what (SPEC §4, every role, 404 for
those the conclusion is hidden from), saving the draft (with and without
JavaScript's help: adding and removing rows are plain submits), a stale save,
issuing, withdrawing, extending and cancelling through the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from checklists.models import Conclusion, Visit
from checklists.services.conclusions import (
    SectionInput,
    conclusion_issue,
    conclusion_update,
    conclusion_withdraw,
)
from checklists.services.visits import SessionInput, visit_create, visit_transition
from tests.conclusion_world import draft, rec, to_reporting
from tests.conftest import ROLES, local

pytestmark = pytest.mark.django_db

D = dt.date
EDITORS = {"coordinator_in", "lead", "deputy", "secretary"}
TEAM = {"lead", "deputy", "member", "secretary"}
SEES_DRAFT = {"coordinator_in"} | TEAM
ISSUERS = {"coordinator_in", "lead", "deputy"}
SEES_ISSUED = SEES_DRAFT | {"host_in", "addressee"}


def page_url(visit: Visit, suffix: str = "") -> str:
    return f"/visits/{visit.pk}/conclusion/{suffix}"


def client_for(outcome, role: str) -> Client:
    client = Client()
    user = getattr(outcome.people, role)
    if user is not None:
        client.force_login(user)
    return client


def issue(outcome, on: dt.date | None = None) -> Conclusion:
    return conclusion_issue(
        actor=outcome.people.lead, visit=outcome.visit, issued_on=on or timezone.localdate()
    )


def draft_post(conclusion: Conclusion, **overrides: str) -> dict[str, str]:
    """The editor's fields as the page sends them, for the draft as stored."""
    conclusion.refresh_from_db()
    rows = list(conclusion.recommendations.order_by("position"))
    data = {
        "row_version": str(conclusion.row_version),
        "rec_count": str(len(rows)),
        "summary": conclusion.summary,
        "action": "save",
    }
    for i, section in enumerate(conclusion.sections.order_by("position", "id")):
        data[f"section-{i}-strengths"] = section.strengths
        data[f"section-{i}-shortcomings"] = section.shortcomings
    for i, row in enumerate(rows):
        kind = "days" if row.offset_days else "working_days" if row.offset_working_days else "date"
        data.update(
            {
                f"rec-{i}-id": str(row.pk),
                f"rec-{i}-code": row.code,
                f"rec-{i}-text": row.text,
                f"rec-{i}-section": row.section,
                f"rec-{i}-kind": row.kind,
                f"rec-{i}-addressee": str(row.addressee_id),
                f"rec-{i}-deadline_kind": kind,
                f"rec-{i}-days": str(row.offset_days or row.offset_working_days or ""),
                f"rec-{i}-due_date": row.due_date.isoformat() if kind == "date" else "",
            }
        )
    data.update(overrides)
    return data


def roles_with_addressee():
    return [r for r in ROLES if r != "anonymous"] + ["addressee"]


# --- who sees the conclusion page -------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "addressee"])
def test_it_shows_the_draft_only_to_the_team_and_coordinators(role, outcome):
    response = client_for(outcome, role).get(page_url(outcome.visit))

    if role == "anonymous":
        assert response.status_code == 302
    elif role in SEES_DRAFT:
        assert response.status_code == 200
        page = response.content.decode()
        assert "Kiện toàn tổ chức" in page
        assert ('id="conclusion-editor"' in page) == (role in EDITORS)
        assert ('id="issue-button"' in page) == (role in ISSUERS)
    else:
        # Host contacts, addressees and strangers: the draft does not exist for them.
        assert response.status_code == 404
        assert "Kiện toàn" not in response.content.decode()


@pytest.mark.parametrize("role", [*ROLES, "addressee"])
def test_it_shows_the_issued_conclusion_to_those_who_may_see_it(role, outcome):
    conclusion = issue(outcome)
    response = client_for(outcome, role).get(page_url(outcome.visit))

    if role == "anonymous":
        assert response.status_code == 302
        return
    if role not in SEES_ISSUED:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{conclusion.number}-KL" in page
    assert 'id="conclusion-editor"' not in page
    assert "Bổ sung hồ sơ" in page
    _first, second = conclusion.recommendations.order_by("position")
    # The addressee below the host sees its own recommendation only, and no section text.
    assert ("Kiện toàn tổ chức" in page) == (role != "addressee")
    assert ("Chưa kịp thời" in page) == (role != "addressee")
    # Each recommendation links to its own page.
    assert f'href="/recommendations/{second.pk}/"' in page
    # Extension and cancellation only for the lead, deputy and coordinators.
    assert (f"/conclusion/recommendations/{second.pk}/extend/" in page) == (role in ISSUERS)
    assert ('action="/visits/' in page and "withdraw/" in page) == (role == "coordinator_in")


def test_it_makes_the_draft_when_an_editor_first_opens_the_page(world, web_client_for):
    to_reporting(world.visit)
    assert not Conclusion.objects.filter(visit=world.visit).exists()

    assert web_client_for("member").get(page_url(world.visit)).status_code == 404
    response = web_client_for("secretary").get(page_url(world.visit))

    assert response.status_code == 200
    assert Conclusion.objects.filter(visit=world.visit, state="draft").count() == 1
    assert "Mục III" in response.content.decode()


# --- saving the draft -------------------------------------------------------------------------


def test_an_editor_saves_the_whole_draft(outcome):
    data = draft_post(
        outcome.conclusion,
        summary="Tổng kết mới",
        **{"section-1-strengths": "Lãnh đạo sát sao", "rec-0-text": "Kiện toàn ngay"},
    )
    response = client_for(outcome, "secretary").post(page_url(outcome.visit), data)

    assert response.status_code == 302
    outcome.conclusion.refresh_from_db()
    assert outcome.conclusion.summary == "Tổng kết mới"
    assert outcome.conclusion.sections.get(number="II").strengths == "Lãnh đạo sát sao"
    assert outcome.conclusion.recommendations.get(code="KN-01").text == "Kiện toàn ngay"
    assert outcome.conclusion.recommendations.count() == 2


def test_adding_a_row_without_javascript_rerenders_with_what_was_typed(outcome):
    client = client_for(outcome, "lead")
    data = draft_post(outcome.conclusion, summary="Chưa lưu", action="add")

    response = client.post(page_url(outcome.visit), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Chưa lưu" in page
    assert 'name="rec-2-text"' in page
    assert 'name="rec_count" value="3"' in page
    assert "New recommendation (3)" in page
    # Nothing saved, and no error shown for the empty row.
    outcome.conclusion.refresh_from_db()
    assert outcome.conclusion.summary == "Kết luận chung"
    assert "errorlist" not in page

    # The person fills the new row and saves: three recommendations, KN-03 the new one.
    data.update(
        {
            "action": "save",
            "rec_count": "3",
            "rec-2-text": "Ban hành quy chế",
            "rec-2-kind": "regulation",
            "rec-2-addressee": str(outcome.district.pk),
            "rec-2-deadline_kind": "working_days",
            "rec-2-days": "20",
        }
    )
    assert client.post(page_url(outcome.visit), data).status_code == 302
    new = outcome.conclusion.recommendations.get(code="KN-03")
    assert (new.text, new.kind, new.offset_working_days) == ("Ban hành quy chế", "regulation", 20)


def test_removing_a_row_then_saving_removes_it(outcome):
    client = client_for(outcome, "deputy")
    data = draft_post(outcome.conclusion, action="remove-0")

    response = client.post(page_url(outcome.visit), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kiện toàn tổ chức" not in page
    assert 'name="rec_count" value="1"' in page
    assert outcome.conclusion.recommendations.count() == 2  # not saved yet
    # The second row is now the first, with what was typed in it.
    assert re.search(r'name="rec-0-text"[^>]*>\s*Bổ sung hồ sơ', page)
    after = draft_post(outcome.conclusion)
    second = {k.replace("rec-1-", "rec-0-"): v for k, v in after.items() if k.startswith("rec-1-")}
    after = {k: v for k, v in after.items() if not k.startswith("rec-")} | second
    after["rec_count"] = "1"
    assert client.post(page_url(outcome.visit), after).status_code == 302
    assert list(outcome.conclusion.recommendations.values_list("code", "text")) == [
        ("KN-01", "Bổ sung hồ sơ")
    ]


def test_invalid_rows_are_refused_beside_their_fields_and_nothing_is_saved(outcome):
    data = draft_post(
        outcome.conclusion,
        summary="Không được lưu",
        **{
            "rec-0-text": "",
            "rec-1-addressee": str(outcome.province_out.pk),
            "rec-1-deadline_kind": "days",
            "rec-1-days": "",
        },
    )
    response = client_for(outcome, "lead").post(page_url(outcome.visit), data)

    assert response.status_code == 422
    page = response.content.decode()
    assert "Write what is recommended." in page
    assert 'id="id_rec-0-text_error"' in page
    assert 'aria-describedby="id_rec-0-text_error"' in page
    assert 'id="id_rec-1-addressee_error"' in page
    assert 'id="id_rec-1-days_error"' in page
    outcome.conclusion.refresh_from_db()
    assert outcome.conclusion.summary == "Kết luận chung"


def test_the_services_refusal_lands_beside_the_field_it_names(outcome):
    """A check only the service makes (an addressee outside the host's subtree,
    chosen among units the form does not offer is refused by the form; the
    service's own: a recommendation given twice) is shown on its row."""
    data = draft_post(outcome.conclusion, **{"rec-1-id": ""})
    data["rec-1-id"] = data["rec-0-id"]
    response = client_for(outcome, "lead").post(page_url(outcome.visit), data)

    assert response.status_code == 422
    assert "This recommendation is given twice." in response.content.decode()


def test_a_stale_save_shows_the_current_values_and_says_why(outcome):
    """GIVEN the lead loaded the draft WHEN the secretary saves first and the lead
    saves what they loaded THEN the lead is told, sees the secretary's text, and
    the secretary's change stands."""
    loaded = draft_post(outcome.conclusion, summary="Bản của trưởng đoàn")
    conclusion_update(actor=outcome.people.secretary, visit=outcome.visit, summary="Bản thư ký")

    response = client_for(outcome, "lead").post(page_url(outcome.visit), loaded)

    assert response.status_code == 409
    page = response.content.decode()
    assert "changed by someone else" in page
    assert "Bản thư ký" in page
    outcome.conclusion.refresh_from_db()
    assert outcome.conclusion.summary == "Bản thư ký"
    assert f'name="row_version" value="{outcome.conclusion.row_version}"' in page


@pytest.mark.parametrize("role", ["member", "host_in", "addressee", "coordinator_out", "host_out"])
def test_those_who_may_not_edit_cannot_save(role, outcome):
    data = draft_post(outcome.conclusion, summary="Không được")
    response = client_for(outcome, role).post(page_url(outcome.visit), data)

    assert response.status_code == (403 if role == "member" else 404)
    outcome.conclusion.refresh_from_db()
    assert outcome.conclusion.summary == "Kết luận chung"


def test_an_issued_conclusion_cannot_be_saved_through_the_page(outcome):
    data = draft_post(outcome.conclusion, summary="Sau khi ban hành")
    issue(outcome)
    response = client_for(outcome, "lead").post(page_url(outcome.visit), data)
    assert response.status_code == 409


# --- issuing and withdrawing ------------------------------------------------------------------


def issue_post(outcome, **overrides: str) -> dict[str, str]:
    outcome.conclusion.refresh_from_db()
    return {
        "row_version": str(outcome.conclusion.row_version),
        "signer": str(outcome.people.lead.pk),
        "issued_on": timezone.localdate().isoformat(),
        **overrides,
    }


@pytest.mark.parametrize("role", roles_with_addressee())
def test_issuing_through_the_page_by_every_role(role, outcome):
    client = client_for(outcome, role)
    response = client.post(page_url(outcome.visit, "issue/"), issue_post(outcome))

    if role in ISSUERS:
        assert response.status_code == 302
        outcome.conclusion.refresh_from_db()
        assert outcome.conclusion.state == "issued"
        assert outcome.conclusion.signer == outcome.people.lead
        page = client.get(response["Location"]).content.decode()
        assert "is issued" in page
    else:
        assert response.status_code == (403 if role in SEES_DRAFT else 404)
        outcome.conclusion.refresh_from_db()
        assert outcome.conclusion.state == "draft"


def test_issuing_an_empty_conclusion_is_refused_on_the_form(outcome):
    conclusion_update(
        actor=None,
        visit=outcome.visit,
        summary="",
        sections=[SectionInput(number=s.number) for s in outcome.conclusion.sections.all()],
    )
    response = client_for(outcome, "lead").post(
        page_url(outcome.visit, "issue/"), issue_post(outcome)
    )

    assert response.status_code == 422
    assert "The conclusion is empty" in response.content.decode()
    outcome.conclusion.refresh_from_db()
    assert outcome.conclusion.state == "draft"


def test_issuing_a_version_the_person_did_not_see_is_refused(outcome):
    data = issue_post(outcome)
    conclusion_update(actor=outcome.people.secretary, visit=outcome.visit, summary="Thay đổi")

    response = client_for(outcome, "lead").post(page_url(outcome.visit, "issue/"), data)

    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    outcome.conclusion.refresh_from_db()
    assert outcome.conclusion.state == "draft"


def test_issuing_while_the_visit_is_not_reporting_is_a_conflict(world, web_client_for):
    client = web_client_for("lead")
    assert client.get(page_url(world.visit)).status_code == 200  # planned: drafting allowed
    conclusion = Conclusion.objects.get(visit=world.visit)
    response = client.post(
        page_url(world.visit, "issue/"),
        {
            "row_version": str(conclusion.row_version),
            "signer": str(world.people.lead.pk),
            "issued_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 409
    assert "reporting" in response.content.decode()


@pytest.mark.parametrize("role", roles_with_addressee())
def test_withdrawing_through_the_page_by_every_role(role, outcome):
    issue(outcome)
    response = client_for(outcome, role).post(
        page_url(outcome.visit, "withdraw/"), {"reason": "Sai thể thức"}
    )

    if role == "coordinator_in":
        assert response.status_code == 302
        outcome.visit.refresh_from_db()
        assert outcome.visit.status == "reporting"
        assert Conclusion.objects.get(visit=outcome.visit, state="withdrawn").withdraw_reason
        page = client_for(outcome, role).get(page_url(outcome.visit)).content.decode()
        assert "Withdrawn earlier" in page and "Sai thể thức" in page
    else:
        assert response.status_code == (403 if role in SEES_ISSUED else 404)
        assert not Conclusion.objects.filter(state="withdrawn").exists()


def test_withdrawing_without_a_reason_is_refused_beside_the_field(outcome):
    issue(outcome)
    response = client_for(outcome, "coordinator_in").post(
        page_url(outcome.visit, "withdraw/"), {"reason": "  "}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Say why the conclusion is withdrawn." in page
    assert 'id="id_reason_error"' in page


# --- extending and cancelling -----------------------------------------------------------------


@pytest.mark.parametrize("role", roles_with_addressee())
def test_extending_through_the_page_by_every_role(role, outcome):
    issue(outcome)
    target = outcome.conclusion.recommendations.get(code="KN-02")
    prefix = f"extend-{target.pk}"
    response = client_for(outcome, role).post(
        page_url(outcome.visit, f"recommendations/{target.pk}/extend/"),
        {f"{prefix}-due_date": "2031-01-31", f"{prefix}-extended_by": "Quyết định 12-QĐ/TU"},
    )

    target.refresh_from_db()
    if role in ISSUERS:
        assert response.status_code == 302
        assert (target.due_date, target.extended_by) == (D(2031, 1, 31), "Quyết định 12-QĐ/TU")
        page = client_for(outcome, role).get(page_url(outcome.visit)).content.decode()
        assert "extended by Quyết định 12-QĐ/TU" in page
    else:
        assert response.status_code == (403 if role in SEES_ISSUED else 404)
        assert target.due_date == D(2030, 6, 30)


def test_an_extension_needs_a_later_date_and_a_decision(outcome):
    issue(outcome)
    target = outcome.conclusion.recommendations.get(code="KN-02")
    prefix = f"extend-{target.pk}"
    response = client_for(outcome, "lead").post(
        page_url(outcome.visit, f"recommendations/{target.pk}/extend/"),
        {f"{prefix}-due_date": "2030-01-01", f"{prefix}-extended_by": ""},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Cite the decision that grants the extension." in page
    assert "later than it is now" in page
    assert f'id="id_{prefix}-extended_by_error"' in page
    # The refused form is open again.
    assert re.search(r'<details class="rec-action" open>\s*<summary>Extend', page)


@pytest.mark.parametrize("role", roles_with_addressee())
def test_cancelling_through_the_page_by_every_role(role, outcome):
    issue(outcome)
    target = outcome.conclusion.recommendations.get(code="KN-01")
    response = client_for(outcome, role).post(
        page_url(outcome.visit, f"recommendations/{target.pk}/cancel/"),
        {f"cancel-{target.pk}-cancel_reason": "Không còn phù hợp"},
    )
    target.refresh_from_db()
    if role in ISSUERS:
        assert response.status_code == 302
        assert target.state == "cancelled"
    elif role == "addressee":
        # KN-01 is not addressed to the grassroots unit: it does not exist for them.
        assert response.status_code == 404
    else:
        assert response.status_code == (403 if role in SEES_ISSUED else 404)
        assert target.state == "open"


def test_cancelling_without_a_reason_is_refused(outcome):
    issue(outcome)
    target = outcome.conclusion.recommendations.get(code="KN-01")
    response = client_for(outcome, "coordinator_in").post(
        page_url(outcome.visit, f"recommendations/{target.pk}/cancel/"), {}
    )
    assert response.status_code == 422
    assert "Say why the recommendation is cancelled." in response.content.decode()


def test_overdue_is_marked_in_colour_and_words_with_the_moved_day(outcome):
    issue(outcome, on=D(2024, 6, 3))  # KN-01: 30 days → 3 July 2024, long past
    page = client_for(outcome, "lead").get(page_url(outcome.visit)).content.decode()
    first = outcome.conclusion.recommendations.get(code="KN-01")
    row = re.search(rf'<tr id="rec-{first.pk}"[^>]*>.*?</tr>', page, re.S).group(0)
    assert 'class="rec-overdue"' in row
    assert "Overdue" in row


# --- the visit page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "member", "host_in", "coordinator_in"])
def test_the_visit_page_shows_the_conclusion_block(role, outcome):
    client = client_for(outcome, role)
    page = client.get(f"/visits/{outcome.visit.pk}/").content.decode()
    conclusion_link = f'href="/visits/{outcome.visit.pk}/conclusion/"'
    # The draft: its link for the team and coordinators; nothing for the host.
    assert (conclusion_link in page) == (role != "host_in")
    assert ("Edit the draft conclusion" in page) == (role in {"lead", "coordinator_in"})

    conclusion = issue(outcome)
    page = client.get(f"/visits/{outcome.visit.pk}/").content.decode()
    assert conclusion_link in page
    assert f"No. {conclusion.number}-KL" in page


def test_a_later_visit_shows_the_open_recommendations_of_earlier_ones(outcome, world):
    """GIVEN an issued conclusion with a recommendation to the district (KN-01, overdue)
    WHEN a new visit to the same district is opened THEN its page lists KN-01 with
    its visit, and the done or cancelled ones are not there."""
    issue(outcome, on=D(2024, 6, 3))
    visit_transition(actor=None, visit=outcome.visit, to="closed", carry_over=True)
    later = Visit.objects.get(pk=world.visit.pk)
    start = local(2025, 3, 3, 8)
    new = visit_create(
        actor=outcome.people.coordinator_in,
        outline=outcome.outline,
        host_unit=outcome.district,
        title="Kiểm tra lần sau",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
    )
    page = client_for(outcome, "coordinator_in").get(f"/visits/{new.pk}/").content.decode()
    assert "Open recommendations from earlier visits" in page
    assert "Kiện toàn tổ chức" in page and "Bổ sung hồ sơ" in page
    assert f'href="/visits/{later.pk}/conclusion/"' in page
    assert "Overdue" in page
    # Its own (empty) conclusion's visit page does not list itself.
    own = client_for(outcome, "coordinator_in").get(f"/visits/{later.pk}/").content.decode()
    assert "None: earlier visits left nothing open for this unit." in own


def test_the_draft_link_is_offered_to_editors_while_reporting(world, web_client_for):
    to_reporting(world.visit)
    page = web_client_for("secretary").get(f"/visits/{world.visit.pk}/").content.decode()
    assert "Draft a conclusion" in page
    page = web_client_for("member").get(f"/visits/{world.visit.pk}/").content.decode()
    assert "Draft a conclusion" not in page


# --- the recommendations list -----------------------------------------------------------------


def list_page(outcome, role: str, query: str = "") -> str:
    response = client_for(outcome, role).get(f"/recommendations/{query}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", [*ROLES, "addressee"])
def test_the_list_shows_what_each_person_sees(role, outcome):
    issue(outcome)
    response = client_for(outcome, role).get("/recommendations/")
    if role == "anonymous":
        assert response.status_code == 302
        return
    page = response.content.decode()
    sees_first = role in SEES_ISSUED and role != "addressee"
    sees_second = role in SEES_ISSUED
    assert ("Kiện toàn tổ chức" in page) == sees_first
    assert ("Bổ sung hồ sơ" in page) == sees_second
    # In the navigation for coordinators and the team, and for host contacts once
    # some recommendation is theirs to see (host_out has none).
    nav = ">Recommendations</a>" in page
    assert nav == (role in {"coordinator_in", "coordinator_out", *TEAM, "host_in", "addressee"})


def test_host_contacts_have_the_navigation_link_only_once_they_have_recommendations(outcome):
    # The draft's recommendations are not theirs to see yet.
    assert ">Recommendations</a>" not in list_page(outcome, "host_in")
    assert ">Recommendations</a>" not in list_page(outcome, "addressee")
    issue(outcome)
    assert ">Recommendations</a>" in list_page(outcome, "host_in")
    assert ">Recommendations</a>" in list_page(outcome, "addressee")
    assert ">Recommendations</a>" not in list_page(outcome, "host_out")


def test_the_draft_recommendations_are_hidden_from_host_contacts(outcome):
    assert "Kiện toàn tổ chức" in list_page(outcome, "lead")
    assert "Kiện toàn tổ chức" not in list_page(outcome, "host_in")


def test_the_list_filters_by_state_overdue_unit_and_visit(outcome):
    issue(outcome, on=D(2024, 6, 3))  # KN-01 overdue, KN-02 due 2030
    assert "Bổ sung hồ sơ" not in list_page(outcome, "lead", "?overdue=on")
    assert "Kiện toàn tổ chức" in list_page(outcome, "lead", "?overdue=on")
    page = list_page(outcome, "lead", f"?unit={outcome.grassroots.pk}")
    assert "Bổ sung hồ sơ" in page and "Kiện toàn tổ chức" not in page
    assert "Kiện toàn" not in list_page(outcome, "lead", "?state=done")
    assert "1 recommendation" in list_page(outcome, "lead", "?q=KN-02")
    page = list_page(outcome, "lead", f"?visit={outcome.visit.pk}")
    assert "Only the recommendations of the visit" in page
    assert "2 recommendations" in page
    assert "0 recommendations" in list_page(outcome, "lead", f"?visit={outcome.other_visit.pk}")
    # A filter value it cannot read is named, the rest still applies.
    page = list_page(outcome, "lead", "?state=nonsense&overdue=on")
    assert "were not understood" in page and "Bổ sung hồ sơ" not in page


def test_the_list_groups_by_unit_and_counts_per_unit(outcome):
    issue(outcome, on=D(2024, 6, 3))
    page = list_page(outcome, "coordinator_in")
    assert 'class="unit-group"' in page
    assert "Still to be carried out, by unit" in page
    assert re.search(r"Hạ Long</th>\s*<td[^>]*>1</td>\s*<td[^>]*><span class=\"badge", page)
    for sort in ("due_date", "-due_date", "visit", "state"):
        assert 'class="unit-group"' not in list_page(outcome, "coordinator_in", f"?sort={sort}")


def test_the_list_costs_the_same_queries_however_many_rows(outcome, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issue(outcome)
    client = client_for(outcome, "coordinator_in")
    with CaptureQueriesContext(connection) as small:
        client.get("/recommendations/")
    more = [rec(outcome.district, f"Kiến nghị {i}") for i in range(30)]
    conclusion_withdraw(actor=None, visit=outcome.visit, reason="Thêm kiến nghị")
    draft(outcome.visit, *more)
    issue(outcome)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/recommendations/")
    assert "30 recommendations" in response.content.decode()


def test_the_visit_page_costs_the_same_queries_however_many_earlier_recommendations(
    outcome, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = local(2025, 3, 3, 8)
    new = visit_create(
        actor=outcome.people.coordinator_in,
        outline=outcome.outline,
        host_unit=outcome.district,
        title="Kiểm tra lần sau",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
    )
    client = client_for(outcome, "coordinator_in")
    issue(outcome)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/visits/{new.pk}/").status_code == 200
    conclusion_withdraw(actor=None, visit=outcome.visit, reason="Thêm kiến nghị")
    draft(outcome.visit, *[rec(outcome.grassroots, f"Kiến nghị {i}") for i in range(30)])
    issue(outcome)

    with django_assert_max_num_queries(len(small)):
        page = client.get(f"/visits/{new.pk}/").content.decode()
    assert "Kiến nghị 19" in page and "See them all in the recommendations list" in page
