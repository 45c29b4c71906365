"""The draft-report API: uploads, downloads, reviews, comments, diff, coverage and
who may do what (SPEC §4, §5, §7)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from checklists.models import AuditEvent
from checklists.models.reports import ReportRevision, ReviewComment, RevisionComparison
from checklists.services.reports import (
    CommentInput,
    report_revision_extract_text,
    report_revision_review,
    report_revision_upload,
)
from tests.checklists.test_reports_revisions import real_plan10_visit
from tests.checklists.test_reports_uploads import (
    V1_DOCX,
    V2_DOCX,
    docx_bytes,
    hostile_files,
)
from tests.conftest import ROLES

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def multipart(filename: str, content: bytes, field: str = "file") -> tuple[bytes, str]:
    """A multipart body built by hand: Django's test client strips folders from
    file names, and the path-traversal case must reach the server as sent."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def post_file(client, visit_id: int, filename: str, content: bytes):
    body, content_type = multipart(filename, content)
    return client.generic(
        "POST", f"/api/v1/visits/{visit_id}/reports/", body, content_type=content_type
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload_as(world, path: Path = V1_DOCX, visit=None) -> ReportRevision:
    return report_revision_upload(
        actor=world.people.host_in,
        visit=visit or world.visit,
        content=io.BytesIO(path.read_bytes()),
        filename=path.name,
    )


# --- uploads ------------------------------------------------------------------------------


def test_it_uploads_a_revision_by_multipart_post(world, client_for, settings):
    response = post_file(
        client_for("host_in"), world.visit.pk, "Dự thảo lần 1.docx", V1_DOCX.read_bytes()
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == 1
    assert body["filename"] == "Dự thảo lần 1.docx"
    assert body["content_type"] == DOCX_TYPE
    assert body["size"] == V1_DOCX.stat().st_size
    assert body["uploaded_by"] == world.people.host_in.pk
    assert body["state"] == "submitted"
    assert body["text_status"] == "pending"
    assert len(stored_files(settings)) == 1

    listed = client_for("lead").get(f"/api/v1/visits/{world.visit.pk}/reports/").json()
    assert [r["number"] for r in listed["results"]] == [1]


def test_it_answers_409_naming_the_revision_for_a_copy(world, client_for, settings):
    client = client_for("host_in")
    post_file(client, world.visit.pk, "a.docx", V1_DOCX.read_bytes())
    post_file(client, world.visit.pk, "b.docx", V2_DOCX.read_bytes())

    response = post_file(client, world.visit.pk, "c.docx", V1_DOCX.read_bytes())

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "revision 1" in response.json()["detail"]
    assert ReportRevision.objects.count() == 2
    assert len(stored_files(settings)) == 2


@pytest.mark.parametrize("case", sorted(hostile_files()))
def test_it_refuses_hostile_files_and_stores_nothing(case, world, client_for, settings):
    name, content = hostile_files()[case]

    response = post_file(client_for("host_in"), world.visit.pk, name, content)

    assert response.status_code == 400, response.content
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["errors"]["file"][0]
    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize("name", ["../../etc/passwd.docx", "..\\..\\report.docx", ".."])
def test_it_refuses_a_path_traversal_file_name(name, world, client_for, settings):
    response = post_file(client_for("host_in"), world.visit.pk, name, V1_DOCX.read_bytes())

    assert response.status_code == 400
    assert "folder path" in response.json()["errors"]["file"][0]
    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


def test_it_refuses_a_file_over_the_limit_with_413(world, client_for, settings):
    settings.REPORT_MAX_BYTES = 20_000

    response = post_file(client_for("host_in"), world.visit.pk, "big.docx", V1_DOCX.read_bytes())

    assert response.status_code == 413
    assert "MB" in response.json()["detail"]
    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


def test_it_asks_for_the_file_field(world, client_for):
    response = client_for("host_in").post(
        f"/api/v1/visits/{world.visit.pk}/reports/", {"other": "x"}, format="multipart"
    )

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


# --- downloads ---------------------------------------------------------------------------


def test_it_downloads_the_file_as_an_attachment_and_audits_it(world, client_for):
    revision = report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(V1_DOCX.read_bytes()),
        filename='Báo cáo "lần 1".docx',
    )

    response = client_for("member").get(f"/api/v1/reports/{revision.pk}/file/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == V1_DOCX.read_bytes()
    assert response["Content-Type"] == DOCX_TYPE
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''B%C3%A1o%20c%C3%A1o%20%22l%E1%BA%A7n%201%22.docx" in disposition
    event = AuditEvent.objects.get(action="download", object_id=str(revision.pk))
    assert event.actor == world.people.member


def test_it_says_when_the_file_is_missing_from_storage(world, client_for, web_client_for):
    revision = upload_as(world)
    revision.file.storage.delete(revision.file.name)

    api = client_for("member").get(f"/api/v1/reports/{revision.pk}/file/")
    page = web_client_for("member").get(
        reverse("web:report_file", kwargs={"visit_id": world.visit.pk, "revision_id": revision.pk})
    )

    assert api.status_code == 404
    assert "missing from storage" in api.json()["detail"]
    assert page.status_code == 404


# --- review flow ----------------------------------------------------------------------------


def test_it_runs_a_review_round_over_the_api(world, client_for):
    first = upload_as(world)
    lead, host = client_for("lead"), client_for("host_in")

    response = lead.post(
        f"/api/v1/reports/{first.pk}/review/",
        {
            "decision": "request_changes",
            "comments": [
                {"section": "IV", "text": "Thiếu phần IV"},
                {"section": world.outline.sections.get(number="III").pk, "text": "Kiểm tra số 468"},
                {"text": "Trình bày"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    comments = response.json()["comments"]
    assert [c["section_number"] for c in comments] == ["IV", "III", None]

    answered = host.patch(
        f"/api/v1/reports/{first.pk}/comments/{comments[1]['id']}/",
        {"response": "Đã sửa thành 470"},
        format="json",
    )
    assert answered.status_code == 200
    assert answered.json()["response"] == "Đã sửa thành 470"
    resolved = lead.patch(
        f"/api/v1/reports/{first.pk}/comments/{comments[1]['id']}/",
        {"state": "resolved"},
        format="json",
    )
    assert resolved.json()["state"] == "resolved"

    second = upload_as(world, V2_DOCX)
    carried = client_for("host_in").get(f"/api/v1/reports/{second.pk}/comments/").json()
    assert [(c["text"], c["carried_from"]) for c in carried["results"]] == [
        ("Thiếu phần IV", comments[0]["id"]),
        ("Trình bày", comments[2]["id"]),
    ]
    stale = lead.post(f"/api/v1/reports/{first.pk}/review/", {"decision": "accept"}, format="json")
    assert stale.status_code == 409
    assert "superseded by revision 2" in stale.json()["detail"]

    accepted = lead.post(
        f"/api/v1/reports/{second.pk}/review/", {"decision": "accept"}, format="json"
    )
    assert accepted.status_code == 201
    assert client_for("lead").get(f"/api/v1/reports/{second.pk}/").json()["state"] == "accepted"
    assert world.visit.milestones.get(key="final_report_due").done_at is not None


def test_it_refuses_an_unknown_section_with_400(world, client_for):
    revision = upload_as(world)

    response = client_for("lead").post(
        f"/api/v1/reports/{revision.pk}/review/",
        {"decision": "request_changes", "comments": [{"section": "XX", "text": "?"}]},
        format="json",
    )

    assert response.status_code == 400
    assert "comments[0].section" in response.json()["errors"]


# --- diff and coverage -----------------------------------------------------------------------


def test_it_says_diff_and_coverage_wait_for_the_text(world, client_for):
    first = upload_as(world)
    second = upload_as(world, V2_DOCX)
    client = client_for("lead")

    coverage = client.get(f"/api/v1/reports/{second.pk}/coverage/")
    diff = client.get(f"/api/v1/reports/{second.pk}/diff/", {"against": first.pk})

    assert coverage.status_code == 409
    assert "still being extracted" in coverage.json()["detail"]
    assert diff.status_code == 409


def test_it_answers_diff_and_coverage_once_the_text_is_ready(world, client_for):
    visit = real_plan10_visit(world.district)
    first = upload_as(world, V1_DOCX, visit)
    second = upload_as(world, V2_DOCX, visit)
    for revision in (first, second):
        report_revision_extract_text(revision_id=revision.pk)
    client = client_for("host_in")

    coverage = client.get(f"/api/v1/reports/{first.pk}/coverage/").json()
    diff = client.get(f"/api/v1/reports/{second.pk}/diff/", {"against": first.pk}).json()

    assert coverage["revision"] == first.pk
    assert (coverage["covered"], coverage["total"]) == (3, 6)
    assert [s["number"] for s in coverage["sections"] if not s["covered"]] == ["IV", "V", "VI"]
    assert coverage["sections"][0] == {
        "number": "I",
        "title": "Đặc điểm tình hình",
        "covered": True,
    }
    assert (diff["revision"], diff["against"]) == (second.pk, first.pk)
    assert "+VI. Kiến nghị, đề xuất" in diff["unified_diff"].splitlines()
    assert "470" in diff["unified_diff"]


def test_it_answers_the_comparison_by_section_paragraph_and_word(world, client_for):
    """SPEC §5 `diff`: sections (the text before the first one with number null),
    each paragraph's op, old and new, a replace's word spans, and the counts."""
    visit = real_plan10_visit(world.district)
    first = upload_as(world, V1_DOCX, visit)
    second = upload_as(world, V2_DOCX, visit)
    for revision in (first, second):
        report_revision_extract_text(revision_id=revision.pk)

    response = client_for("host_in").get(
        f"/api/v1/reports/{second.pk}/diff/", {"against": first.pk}
    )

    assert response.status_code == 200
    diff = response.json()
    assert set(diff) >= {"revision", "against", "unified_diff", "sections", "inserted", "deleted"}
    assert [s["number"] for s in diff["sections"]] == [None, "I", "II", "III", "IV", "V", "VI"]
    assert diff["sections"][0]["title"] is None
    assert diff["sections"][1]["title"] == "Đặc điểm tình hình"
    for section in diff["sections"]:
        assert set(section) >= {"number", "title", "changes"}
        for change in section["changes"]:
            assert change["op"] in {"equal", "insert", "delete", "replace"}
            assert (change["old"] is None) == (change["op"] == "insert")
            assert (change["new"] is None) == (change["op"] == "delete")
            assert ("spans" in change) == (change["op"] == "replace")
    [figure] = [
        c for c in diff["sections"][3]["changes"] if c["op"] == "replace" and "470" in c["new"]
    ]
    assert {"op": "delete", "text": "468"} in figure["spans"]
    assert {"op": "insert", "text": "470"} in figure["spans"]
    assert {s["op"] for s in figure["spans"]} == {"equal", "insert", "delete"}
    added = diff["sections"][6]["changes"]
    assert [c["op"] for c in added] == ["insert"] * len(added)
    assert added[0]["new"] == "VI. Kiến nghị, đề xuất"
    assert diff["inserted"] == sum(s["inserted"] for s in diff["sections"]) > 100
    assert diff["deleted"] == sum(s["deleted"] for s in diff["sections"]) >= 1
    kept = RevisionComparison.objects.get(revision=second, against=first)
    assert (kept.inserted, kept.deleted) == (diff["inserted"], diff["deleted"])


def test_it_keeps_a_pair_asked_for_the_first_time(world, client_for):
    visit = real_plan10_visit(world.district)
    first = upload_as(world, V1_DOCX, visit)
    second = upload_as(world, V2_DOCX, visit)
    for revision in (first, second):
        report_revision_extract_text(revision_id=revision.pk)
    client = client_for("host_in")

    backwards = client.get(f"/api/v1/reports/{first.pk}/diff/", {"against": second.pk})
    again = client.get(f"/api/v1/reports/{first.pk}/diff/", {"against": second.pk})

    assert backwards.status_code == again.status_code == 200
    assert backwards.json() == again.json()
    assert backwards.json()["unified_diff"].startswith("--- revision 2\n+++ revision 1\n")
    assert RevisionComparison.objects.filter(revision=first, against=second).count() == 1


def test_it_refuses_a_diff_against_another_visits_revision(world, client_for):
    revision = upload_as(world)
    other = report_revision_upload(
        actor=world.people.coordinator_out,
        visit=world.other_visit,
        content=io.BytesIO(docx_bytes("Vĩnh Phúc")),
        filename="x.docx",
    )

    response = client_for("coordinator_all").get(
        f"/api/v1/reports/{revision.pk}/diff/", {"against": other.pk}
    )

    assert response.status_code == 400
    assert "against" in response.json()["errors"]


# --- who may do what (SPEC §4) ------------------------------------------------------------------

SEES = {"coordinator_in", "lead", "deputy", "member", "secretary", "host_in"}


def _expected(role: str, allowed: set[str], ok: int) -> int:
    if role == "anonymous":
        return 401
    if role not in SEES:
        return 404
    return ok if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_permissions_upload(role, world, client_for, settings):
    response = post_file(client_for(role), world.visit.pk, "r.docx", V1_DOCX.read_bytes())

    assert response.status_code == _expected(role, {"coordinator_in", "host_in"}, 201)
    assert ReportRevision.objects.count() == (1 if response.status_code == 201 else 0)


@pytest.mark.parametrize("role", ROLES)
def test_permissions_download_and_read(role, world, client_for):
    revision = upload_as(world)
    client = client_for(role)

    for path in ("file/", "", "comments/"):
        response = client.get(f"/api/v1/reports/{revision.pk}/{path}")
        assert response.status_code == _expected(role, SEES, 200), path
    listed = client.get(f"/api/v1/visits/{world.visit.pk}/reports/")
    assert listed.status_code == _expected(role, SEES, 200)


@pytest.mark.parametrize("role", ROLES)
def test_permissions_review_and_comment(role, world, client_for):
    revision = upload_as(world)
    team = {"coordinator_in", "lead", "deputy", "member", "secretary"}
    client = client_for(role)

    review = client.post(
        f"/api/v1/reports/{revision.pk}/review/",
        {"decision": "request_changes", "comments": [{"text": "Bổ sung"}]},
        format="json",
    )
    comment = client.post(
        f"/api/v1/reports/{revision.pk}/comments/", {"text": "Thêm", "section": "I"}, format="json"
    )

    assert review.status_code == _expected(role, team, 201)
    assert comment.status_code == _expected(role, team, 201)


@pytest.mark.parametrize("role", ROLES)
def test_permissions_answer_and_judge_comments(role, world, client_for):
    revision = upload_as(world)
    report_revision_review(
        actor=world.people.lead,
        revision=revision,
        decision="request_changes",
        comments=[CommentInput(text="Bổ sung")],
    )
    comment = ReviewComment.objects.get()
    url = f"/api/v1/reports/{revision.pk}/comments/{comment.pk}/"
    client = client_for(role)

    answer = client.patch(url, {"response": "Đã bổ sung"}, format="json")
    judge = client.patch(url, {"state": "not_accepted"}, format="json")

    assert answer.status_code == _expected(role, {"coordinator_in", "host_in"}, 200)
    assert judge.status_code == _expected(
        role, {"coordinator_in", "lead", "deputy", "member", "secretary"}, 200
    )


def test_it_changes_nothing_of_a_comment_unless_every_change_is_allowed(world, client_for):
    """The answer belongs to the host, the verdict to the team: a PATCH sending
    both from either is refused whole (the service decides, not the view)."""
    revision = upload_as(world)
    comment = report_revision_review(
        actor=world.people.lead,
        revision=revision,
        decision="request_changes",
        comments=[CommentInput(text="Bổ sung")],
    ).comments.get()
    url = f"/api/v1/reports/{revision.pk}/comments/{comment.pk}/"

    for role in ("lead", "host_in"):
        response = client_for(role).patch(
            url, {"response": "Đã bổ sung", "state": "resolved"}, format="json"
        )
        assert response.status_code == 403, role
    both = client_for("coordinator_in").patch(
        url, {"response": "Đã bổ sung", "state": "resolved"}, format="json"
    )

    assert both.status_code == 200
    assert (both.json()["response"], both.json()["state"]) == ("Đã bổ sung", "resolved")


def test_it_names_the_existing_revision_in_the_conflict(world, client_for, settings):
    first = upload_as(world)

    response = post_file(client_for("host_in"), world.visit.pk, "copy.docx", V1_DOCX.read_bytes())

    body = response.json()
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert body["type"] == "/api/v1/problems/duplicate-revision"
    assert body["revision"] == first.pk
