"""The draft-report pages show a service's refusal beside its form with the status
it means (web.views.refusals): 409 when the revision has moved on, 422 for the
value sent; refusals of the person (403, 404) get their own pages."""

from __future__ import annotations

import io

import pytest

from checklists.models.reports import ReviewComment
from checklists.services.reports import report_comment_add, report_revision_upload
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def upload(world, path=V1_DOCX):
    return report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(path.read_bytes()),
        filename=path.name,
    )


def comment_url(comment: ReviewComment, action: str) -> str:
    revision = comment.revision
    return f"/visits/{revision.visit_id}/reports/{revision.pk}/comments/{comment.pk}/{action}/"


@pytest.mark.parametrize(
    ("role", "action", "data"),
    [("host_in", "answer", {"response": "Đã sửa"}), ("lead", "state", {"state": "resolved"})],
)
def test_it_refuses_a_change_of_a_superseded_revisions_comment_with_409(
    role, action, data, world, web_client_for
):
    comment = report_comment_add(actor=world.people.lead, revision=upload(world), text="Rõ hơn")
    upload(world, V2_DOCX)

    response = web_client_for(role).post(comment_url(comment, action), data, **HTMX)

    assert response.status_code == 409
    # The comment comes back as it now stands: no longer open to changes.
    assert "<form" not in response.content.decode()
    comment.refresh_from_db()
    assert (comment.response, comment.state) == ("", ReviewComment.State.OPEN)


def test_it_answers_403_with_the_reason_when_the_service_refuses_the_person(world, web_client_for):
    comment = report_comment_add(actor=world.people.lead, revision=upload(world), text="Rõ hơn")

    response = web_client_for("lead").post(
        comment_url(comment, "answer"), {"response": "Tự trả lời"}, **HTMX
    )

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.response == ""
