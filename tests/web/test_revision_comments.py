"""A revision page's one comment form (a comment alone, or with the team's
decision) and its counters, which every htmx change of a comment sends again out of
band under the same id, so that they never lag behind the list."""

from __future__ import annotations

import io
import re

import pytest

from checklists.models.reports import Review, ReviewComment
from checklists.services.reports import (
    report_comment_add,
    report_comment_answer,
    report_revision_upload,
)
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def upload(world, path=V1_DOCX):
    return report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(path.read_bytes()),
        filename=path.name,
    )


def url(revision, suffix: str = "") -> str:
    return f"/visits/{revision.visit_id}/reports/{revision.pk}/{suffix}"


def text(response) -> str:
    return response.content.decode()


def counters(page: str, revision) -> list[tuple[str, str]]:
    """Each counter element of the revision in the page: (its attributes, its text)."""
    found = re.findall(
        rf'<small id="revision-{revision.pk}-comment-counts"([^>]*)>(.*?)</small>', page, re.S
    )
    return [(attributes, " ".join(words.split())) for attributes, words in found]


def oob_counter(response, revision) -> str:
    [(attributes, words)] = counters(text(response), revision)
    assert 'hx-swap-oob="true"' in attributes
    return words


# --- one comment form ------------------------------------------------------------------------


def test_it_shows_one_place_to_write_a_comment(world, web_client_for):
    revision = upload(world)

    page = text(web_client_for("lead").get(url(revision)))

    assert page.count('name="text"') == 1  # one comment box
    assert page.count('class="comment-form"') == 1
    assert 'id="review-form"' not in page
    form = re.search(r'<form[^>]*id="comment-form".*?</form>', page, re.S).group(0)
    assert f'action="{url(revision, "comments/")}"' in form
    # The decisions post the same form (and so its comment) to the review.
    for decision in ("request_changes", "accept"):
        button = re.search(rf'<button[^>]*value="{decision}"[^>]*>', form).group(0)
        assert f'formaction="{url(revision, "review/")}"' in button
        assert "formnovalidate" in button
    assert "Review this revision" in form


def test_it_offers_no_comment_form_to_the_host_nor_on_a_superseded_revision(world, web_client_for):
    first = upload(world)
    second = upload(world, V2_DOCX)

    host_page = text(web_client_for("host_in").get(url(second)))
    old_page = text(web_client_for("lead").get(url(first)))

    assert 'id="comment-form"' not in host_page and 'name="text"' not in host_page
    assert 'id="comment-form"' not in old_page


def test_it_offers_comments_but_no_decision_once_accepted(world, web_client_for):
    revision = upload(world)
    client = web_client_for("lead")
    client.post(url(revision, "review/"), {"decision": "accept"})

    page = text(client.get(url(revision)))

    assert 'id="comment-form"' in page
    assert 'value="accept"' not in page and "Review this revision" not in page


def test_a_decision_sends_the_forms_comment_with_it(world, web_client_for):
    revision = upload(world)
    section = world.outline.sections.get(number="III")

    response = web_client_for("lead").post(
        url(revision, "review/"),
        {"decision": "request_changes", "section": section.pk, "text": "Bổ sung số liệu"},
        headers=HTMX,
    )

    # A decision changes the whole page: htmx loads it again.
    assert response.status_code == 204
    assert response["HX-Redirect"] == url(revision) + "#comments"
    assert response["HX-Refresh"] == "true"  # the same page: reloaded, not just scrolled
    review = Review.objects.get()
    assert review.decision == "request_changes"
    assert [(c.review_id, c.text, c.section_id) for c in revision.comments.all()] == [
        (review.pk, "Bổ sung số liệu", section.pk)
    ]


def test_a_decision_without_a_comment_adds_none(world, web_client_for):
    revision = upload(world)

    response = web_client_for("lead").post(url(revision, "review/"), {"decision": "accept"})

    assert response.status_code == 302
    assert Review.objects.get().decision == "accept"
    assert not ReviewComment.objects.exists()


def test_a_refused_decision_comes_back_in_the_form_with_what_was_typed(world, web_client_for):
    first = upload(world)
    upload(world, V2_DOCX)

    response = web_client_for("lead").post(
        url(first, "review/"), {"decision": "accept", "text": "Đồng ý"}, headers=HTMX
    )

    page = text(response)
    assert response.status_code == 409
    assert page.lstrip().startswith("<form") and "<html" not in page
    assert "superseded by revision 2" in page
    assert "Đồng ý" in page
    assert not Review.objects.exists()


def test_it_adds_a_comment_in_place_with_the_list_and_counters_out_of_band(world, web_client_for):
    revision = upload(world)
    client = web_client_for("lead")
    page = text(client.get(url(revision)))
    assert [w for _a, w in counters(page, revision)] == ["0 open"]

    response = client.post(url(revision, "comments/"), {"text": "Làm rõ mục II"}, headers=HTMX)

    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    # The form, emptied, saying it worked...
    form = re.search(r'<form[^>]*id="comment-form".*?</form>', body, re.S).group(0)
    assert "Your comment is added." in form
    assert re.search(r'<textarea id="comment-text"[^>]*></textarea>', form)
    # ...the list with the comment, and the counters, in the same answer.
    assert re.search(r'<div id="comment-list" hx-swap-oob="true">.*Làm rõ mục II', body, re.S)
    assert oob_counter(response, revision) == "1 open · 1 awaiting an explanation"


def test_a_refused_comment_comes_back_beside_the_field_and_changes_no_counter(
    world, web_client_for
):
    revision = upload(world)

    response = web_client_for("lead").post(url(revision, "comments/"), {"text": " "}, headers=HTMX)

    body = text(response)
    assert response.status_code == 422
    assert "Write the comment." in body and 'aria-invalid="true"' in body
    assert "hx-swap-oob" not in body
    assert not ReviewComment.objects.exists()


# --- the counters follow every change -------------------------------------------------------


def test_resolving_a_comment_updates_the_counters_out_of_band(world, web_client_for):
    revision = upload(world)
    first = report_comment_add(actor=world.people.lead, revision=revision, text="Làm rõ mục II")
    report_comment_add(actor=world.people.lead, revision=revision, text="Bổ sung mục III")
    client = web_client_for("member")
    assert [w for _a, w in counters(text(client.get(url(revision))), revision)] == [
        "2 open · 2 awaiting an explanation"
    ]

    response = client.post(
        url(revision, f"comments/{first.pk}/state/"), {"state": "resolved"}, headers=HTMX
    )

    assert response.status_code == 200
    assert f'<li id="comment-{first.pk}"' in text(response)
    assert oob_counter(response, revision) == "1 open · 1 awaiting an explanation"


def test_answering_a_comment_updates_the_counters_out_of_band(world, web_client_for):
    revision = upload(world)
    comment = report_comment_add(actor=world.people.lead, revision=revision, text="Làm rõ")

    response = web_client_for("host_in").post(
        url(revision, f"comments/{comment.pk}/answer/"), {"response": "Đã làm rõ"}, headers=HTMX
    )

    assert response.status_code == 200
    assert oob_counter(response, revision) == "1 open"


def test_a_refused_change_of_a_comment_still_sends_the_true_counters(world, web_client_for):
    comment = report_comment_add(actor=world.people.lead, revision=upload(world), text="Rõ hơn")
    report_comment_answer(actor=world.people.host_in, comment=comment, response="Đã sửa")
    upload(world, V2_DOCX)  # carries the open comment over; this one is now history

    response = web_client_for("lead").post(
        url(comment.revision, f"comments/{comment.pk}/state/"), {"state": "resolved"}, headers=HTMX
    )

    assert response.status_code == 409
    assert oob_counter(response, comment.revision) == "1 open"


def test_the_visit_pages_revision_list_gives_its_counters_stable_ids(world, web_client_for):
    revision = upload(world)
    report_comment_add(actor=world.people.lead, revision=revision, text="Rõ hơn")

    page = text(web_client_for("lead").get(f"/visits/{world.visit.pk}/"))

    assert re.search(rf'id="revision-{revision.pk}-open-comments">1<', page)
