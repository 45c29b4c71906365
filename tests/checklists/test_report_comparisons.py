"""Comparisons of revisions kept (checklists.services.report_comparisons): computed
once both texts are ready, against the previous revision after each extraction,
other pairs on first request, the sweep filling in what a stopped worker missed;
never twice for one pair, even for simultaneous requests."""

from __future__ import annotations

import io
import threading

import pytest
from django.db import connection

from checklists.comparison import ALGORITHM
from checklists.comparison import compare_texts as real_compare_texts
from checklists.models.reports import ReportRevision, RevisionComparison
from checklists.services.reports import (
    TextNotReady,
    report_revision_diff,
    report_revision_extract_text,
    report_revision_upload,
    revision_comparisons_missing,
)
from tests import factories
from tests.checklists.test_reports_revisions import real_plan10_visit, upload
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX, docx_bytes


@pytest.fixture
def visit(db):
    return real_plan10_visit()


@pytest.fixture
def host(visit):
    return factories.host_contact(visit.host_unit)


def extract(*revisions: ReportRevision) -> None:
    for revision in revisions:
        report_revision_extract_text(revision_id=revision.pk)
        revision.refresh_from_db()


def third_revision(visit, host) -> ReportRevision:
    content = docx_bytes(
        "BÁO CÁO", "I. ĐẶC ĐIỂM TÌNH HÌNH", "Đảng bộ Huyện có 31 đảng bộ, chi bộ trực thuộc."
    )
    return report_revision_upload(
        actor=host, visit=visit, content=io.BytesIO(content), filename="r3.docx"
    )


def pairs() -> set[tuple[int, int]]:
    return set(
        RevisionComparison.objects.values_list("revision__number", "against__number").distinct()
    )


def test_it_keeps_the_comparison_with_the_previous_revision_once_both_texts_are_ready(visit, host):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)

    extract(second)
    assert pairs() == set()  # revision 1's text is not ready yet

    extract(first)  # … and when it is, revision 2's comparison with it is kept

    kept = RevisionComparison.objects.get()
    assert (kept.revision, kept.against) == (second, first)
    assert kept.algorithm == ALGORITHM
    assert kept.inserted > 100 and kept.deleted >= 1  # sections IV–VI added; 468 → 470
    numbers = [s["number"] for s in kept.result["sections"]]
    assert numbers == [None, "I", "II", "III", "IV", "V", "VI"]
    assert "+VI. Kiến nghị, đề xuất\n" in kept.unified_diff


def test_it_keeps_both_neighbours_when_the_middle_revision_is_ready_last(visit, host):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    third = third_revision(visit, host)

    extract(first, third)
    assert pairs() == set()
    extract(second)

    assert pairs() == {(2, 1), (3, 2)}


def test_it_says_the_text_is_pending_and_keeps_nothing(visit, host):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    extract(second)

    with pytest.raises(TextNotReady, match="revision 1 is still being extracted"):
        report_revision_diff(actor=host, revision=second, against=first)

    assert RevisionComparison.objects.count() == 0


def test_it_reads_the_kept_result_without_computing_again(
    visit, host, django_assert_num_queries, monkeypatch
):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    extract(first, second)
    kept = RevisionComparison.objects.get()
    second.visit = visit

    def never(*args, **kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr("checklists.services.report_comparisons.compare_texts", never)
    with django_assert_num_queries(1):  # the kept row (the visit is loaded: no policy query)
        diff = report_revision_diff(actor=None, revision=second, against=first)

    assert (diff.inserted, diff.deleted) == (kept.inserted, kept.deleted)
    assert diff.sections == kept.result["sections"]
    assert diff.unified_diff.startswith("--- revision 1\n+++ revision 2\n@@")


def test_it_computes_another_pair_on_first_request_and_keeps_it(visit, host):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    third = third_revision(visit, host)
    extract(first, second, third)
    assert pairs() == {(2, 1), (3, 2)}

    diff = report_revision_diff(actor=host, revision=third, against=first)
    again = report_revision_diff(actor=host, revision=third, against=first)
    backwards = report_revision_diff(actor=host, revision=first, against=third)

    assert pairs() == {(2, 1), (3, 2), (3, 1), (1, 3)}
    assert diff == again
    assert (backwards.inserted, backwards.deleted) == (diff.deleted, diff.inserted)


def test_it_computes_again_a_result_of_an_older_algorithm(visit, host):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    extract(first, second)
    RevisionComparison.objects.update(algorithm=ALGORITHM - 1, result={"sections": []})

    diff = report_revision_diff(actor=None, revision=second, against=first)

    kept = RevisionComparison.objects.get()
    assert kept.algorithm == ALGORITHM
    assert diff.sections == kept.result["sections"] != []


def test_the_sweep_keeps_the_comparisons_a_stopped_worker_missed(visit, host):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    third = third_revision(visit, host)
    extract(first, second, third)
    RevisionComparison.objects.filter(revision=third).delete()
    report_revision_diff(actor=None, revision=third, against=first)  # another pair, kept

    swept = revision_comparisons_missing()

    assert [(c.revision, c.against) for c in swept] == [(third, second)]
    assert revision_comparisons_missing() == []  # once
    assert pairs() == {(2, 1), (3, 2), (3, 1)}


def test_a_failed_comparison_leaves_the_extracted_text_ready(visit, host, monkeypatch, caplog):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    extract(first)

    def broken(*args, **kwargs):
        raise RuntimeError("comparison bug")

    monkeypatch.setattr("checklists.services.report_comparisons.compare_texts", broken)
    revision = report_revision_extract_text(revision_id=second.pk)

    assert revision.text_status == ReportRevision.TextStatus.READY
    assert RevisionComparison.objects.count() == 0
    assert "Comparing revision" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_comparison_when_two_requests_compute_it_at_once(monkeypatch):
    """GIVEN two requests for a pair nobody asked for yet WHEN both compute it at the
    same moment (a barrier holds each after computing, before keeping) THEN both
    answer the same result and one row is kept."""
    monkeypatch.setattr("checklists.services.reports._enqueue_extraction", lambda pk: None)
    visit = real_plan10_visit()
    host = factories.host_contact(visit.host_unit)
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_DOCX, host)
    for revision in (first, second):
        # Extract without the worker's own comparison: the requests make the pair.
        monkeypatch.setattr(
            "checklists.services.reports._compare_with_neighbours", lambda revision_id: None
        )
        report_revision_extract_text(revision_id=revision.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    barrier = threading.Barrier(2, timeout=30)

    def held(*args, **kwargs):
        result = real_compare_texts(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr("checklists.services.report_comparisons.compare_texts", held)
    answers: list = []
    errors: list = []

    def request() -> None:
        try:
            answers.append(report_revision_diff(actor=None, revision=second, against=first))
        except Exception as error:  # the test reports it; a thread would swallow it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(answers) == 2 and answers[0].sections == answers[1].sections
    assert RevisionComparison.objects.filter(revision=second, against=first).count() == 1
