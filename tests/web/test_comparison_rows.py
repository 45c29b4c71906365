"""The revision page's comparison rows, written in Python (web.views.comparison.
RowWriter) rather than by the template (issue 16): escaped as the template
escaped them, labelled for screen readers, folds counted; and the page reads
neither the other revisions' texts nor the unified diff it does not show."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from checklists.models.reports import ReportRevision, RevisionComparison
from checklists.services.reports import (
    report_comment_add,
    report_revision_diff,
    report_revision_extract_text,
    report_revision_upload,
)
from tests.checklists.test_reports_uploads import docx_bytes
from web.views.comparison import Part, Row, RowWriter

pytestmark = pytest.mark.django_db


def revision_url(revision: ReportRevision) -> str:
    return f"/visits/{revision.visit_id}/reports/{revision.pk}/"


def extracted(world, *paragraphs: str) -> ReportRevision:
    revision = report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(docx_bytes(*paragraphs)),
        filename="r.docx",
    )
    report_revision_extract_text(revision_id=revision.pk)
    revision.refresh_from_db()
    return revision


def test_a_row_escapes_every_text_and_labels_the_marked_runs():
    hostile = '<script>alert("x")</script> & <b>'
    row = Row(
        "replace",
        old=[Part("equal", hostile), Part("delete", "468")],
        new=[Part("equal", hostile), Part("insert", "<i>470</i>")],
        inline=[Part("equal", hostile), Part("delete", "468"), Part("insert", "<i>470</i>")],
    )

    with translation.override("en"):
        html = RowWriter().row(row)

    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert html.count('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;') == 3
    assert html.startswith('<li class="comparison-row op-replace"><div class="side old">')
    assert '<del><span class="visually-hidden">[deleted] </span>468</del>' in html
    assert (
        '<ins><span class="visually-hidden">[inserted] </span>&lt;i&gt;470&lt;/i&gt;</ins>' in html
    )
    # Deleted words only in the "before" column, inserted ones only in "after".
    old, new, inline = html.split('<div class="')[1:]
    assert "<ins>" not in old and "<del>" not in new
    assert "<ins>" in inline and "<del>" in inline


def test_a_fold_says_how_many_paragraphs_it_hides_in_the_readers_language():
    writer_rows = [Row("fold", folded=1), Row("fold", folded=12)]

    with translation.override("en"):
        html = RowWriter().rows(writer_rows)

    assert html == (
        '<li class="comparison-fold muted">… 1 unchanged paragraph …</li>\n'
        '<li class="comparison-fold muted">… 12 unchanged paragraphs …</li>'
    )


def test_the_page_shows_a_hostile_paragraph_as_text(world, web_client_for):
    extracted(world, "I. Mục I", "Đoạn có 468 hồ sơ.")
    second = extracted(world, "I. Mục I", "Đoạn có <script>alert(1)</script> 470 hồ sơ.")

    page = web_client_for("lead").get(revision_url(second)).content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<li class="comparison-row op-replace">' in page


def test_the_page_reads_only_its_own_text_and_not_the_unified_diff(world, web_client_for):
    """GIVEN three revisions with texts and kept comparisons, comments carried over
    from the second WHEN the third's page is read THEN one text is read (the page's
    own revision, for its outline coverage): not the other revisions' in the list,
    nor the one a carried comment came from; and not the kept unified diff, which
    the page does not show."""
    extracted(world, "I. Mục I", "Đoạn một.")
    second = extracted(world, "I. Mục I", "Đoạn hai.")
    for text in ("Bổ sung số liệu.", "Làm rõ nguyên nhân."):
        report_comment_add(actor=world.people.lead, revision=second, text=text)
    third = extracted(world, "I. Mục I", "Đoạn ba.")
    assert RevisionComparison.objects.filter(revision=third).exists()
    assert third.comments.exclude(carried_from=None).count() == 2
    client = web_client_for("lead")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(revision_url(third))

    assert response.status_code == 200
    sql = [q["sql"] for q in captured]
    # A revision's text and text_error are read (or left) together; only revisions
    # have a text_error, whatever alias a join gives them.
    texts_read = [s for s in sql if '."text_error"' in s]
    assert len(texts_read) == 1
    assert f'"checklists_reportrevision"."id" = {third.pk}' in texts_read[0]
    page = response.content.decode()
    assert '<li class="comparison-row op-replace">' in page
    assert page.count("Carried over from revision 2") == 2
    assert not any("unified_diff" in s for s in sql)


def test_the_diff_without_the_unified_text_is_the_same_comparison(world):
    first = extracted(world, "I. Mục I", "Đoạn có 468 hồ sơ.")
    second = extracted(world, "I. Mục I", "Đoạn có 470 hồ sơ.")

    full = report_revision_diff(actor=world.people.lead, revision=second, against=first)
    sections_only = report_revision_diff(
        actor=world.people.lead, revision=second, against=first, unified=False
    )

    assert "-Đoạn có 468 hồ sơ." in full.unified_diff
    assert sections_only.unified_diff == ""
    assert (sections_only.sections, sections_only.inserted, sections_only.deleted) == (
        full.sections,
        full.inserted,
        full.deleted,
    )
