"""The scale seed's draft reports (bench.seed_reports) hold what the services would
have written for the same story: revisions numbered without gaps, all but the last
superseded, texts as the extraction leaves them, the comments still open carried
onto the next revision, who acted allowed to, and each revision's comparison with
the one before kept by the service with the current algorithm and the same result
as computing it again. The revision page benchmark (bench.pages) finds its pages.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict

import pytest

from bench.common import BenchContext
from bench.pages import revision_url
from bench.seed_options import build_parser
from bench.seeder import seed_scale
from checklists.comparison import ALGORITHM, compare_texts
from checklists.coverage import SectionRef
from checklists.models import (
    OutlineSection,
    ReportRevision,
    Review,
    ReviewComment,
    RevisionComparison,
    Visit,
)
from checklists.policies import Capability, authorize
from checklists.report_text import tidy_text
from checklists.services.report_comparisons import report_revision_diff, revision_comparison_keep
from tests.bench.test_seed_scale import SMALL

pytestmark = pytest.mark.django_db

State = ReportRevision.State
REPORT_PAGES = 5


@pytest.fixture
def seeded() -> dict[int, list[ReportRevision]]:
    options = vars(
        build_parser().parse_args(
            [*map(str, SMALL), "--report-pages", str(REPORT_PAGES)]  # the last one wins
        )
    )
    seed_scale(write=lambda line: None, **options)
    by_visit: dict[int, list[ReportRevision]] = defaultdict(list)
    for revision in ReportRevision.objects.select_related("visit").order_by("visit_id", "number"):
        by_visit[revision.visit_id].append(revision)
    return dict(by_visit)


def test_revisions_are_numbered_superseded_and_extracted_as_the_services_leave_them(seeded):
    assert sorted(len(revisions) for revisions in seeded.values()) == [2, 2, 3, 3]
    for revisions in seeded.values():
        assert [r.number for r in revisions] == list(range(1, len(revisions) + 1))
        assert [r.state for r in revisions] == [State.SUPERSEDED] * (len(revisions) - 1) + [
            State.SUBMITTED
        ]
        for revision in revisions:
            assert revision.text_status == ReportRevision.TextStatus.READY
            assert revision.text and revision.text == tidy_text(revision.text)
            assert revision.sha256 == hashlib.sha256(revision.text.encode()).hexdigest()
            assert revision.file.name.startswith(f"reports/visit-{revision.visit_id}/")
            # The host's contact uploads (UPLOAD_REPORT).
            authorize(revision.uploaded_by, revision.visit, Capability.UPLOAD_REPORT)
        # Upload order is time order.
        assert sorted(revisions, key=lambda r: r.uploaded_at) == revisions


def test_each_revision_has_its_kept_comparison_with_the_previous_one(seeded):
    kept = 0
    for revisions in seeded.values():
        sections = list(
            OutlineSection.objects.filter(outline_id=revisions[0].visit.outline_id).order_by(
                "position", "id"
            )
        )
        for before, after in itertools.pairwise(revisions):
            comparison = RevisionComparison.objects.get(revision=after, against=before)
            assert comparison.algorithm == ALGORITHM
            fresh = compare_texts(
                before.text, after.text, [SectionRef(s.number, s.title) for s in sections]
            )
            assert comparison.result == {"sections": fresh.sections}
            assert (comparison.inserted, comparison.deleted) == (fresh.inserted, fresh.deleted)
            assert comparison.unified_diff == fresh.unified_body
            assert fresh.inserted and fresh.deleted  # a real second draft, not a copy
            # The service finds it kept: the same row, not computed again.
            again = revision_comparison_keep(revision=after, against=before)
            assert (again.pk, again.computed_at) == (comparison.pk, comparison.computed_at)
            kept += 1
    assert RevisionComparison.objects.count() == kept == 6


def test_open_comments_are_carried_over_as_carry_open_comments_does(seeded):
    for revisions in seeded.values():
        for before, after in itertools.pairwise(revisions):
            still_open = list(before.comments.filter(state=ReviewComment.State.OPEN).order_by("id"))
            carried = list(after.comments.exclude(carried_from=None).order_by("id"))
            assert still_open
            assert [c.carried_from_id for c in carried] == [c.pk for c in still_open]
            for copy, original in zip(carried, still_open, strict=True):
                assert (copy.author_id, copy.section_id, copy.text) == (
                    original.author_id,
                    original.section_id,
                    original.text,
                )
                assert (copy.state, copy.response, copy.review_id) == ("open", "", None)
        # Only the last revision has no review; the earlier ones asked for changes.
        for revision in revisions[:-1]:
            [review] = revision.reviews.all()
            assert review.decision == Review.Decision.REQUEST_CHANGES
            authorize(review.reviewer, revision.visit, Capability.REVIEW)
            assert set(revision.comments.exclude(review=None).values_list("author", flat=True)) == {
                review.reviewer_id
            }
        assert not revisions[-1].reviews.exists()
        for comment in ReviewComment.objects.filter(revision__in=revisions).exclude(response=""):
            assert comment.responded_at is not None
            authorize(comment.responded_by, revisions[0].visit, Capability.ANSWER_COMMENTS)
        sections = set(
            OutlineSection.objects.filter(outline_id=revisions[0].visit.outline_id).values_list(
                "pk", flat=True
            )
        )
        assert (
            set(
                ReviewComment.objects.filter(revision__in=revisions).values_list(
                    "section", flat=True
                )
            )
            <= sections
        )


def test_the_pages_benchmark_finds_a_long_and_a_short_draft_for_each_person(seeded):
    ctx = BenchContext()
    for person in (ctx.big_visit_lead, ctx.province_coordinator):
        _long_url, long_visit, long_revision = revision_url(person)
        _short_url, short_visit, short_revision = revision_url(person, most=False)
        assert long_visit != short_visit
        long_ = ReportRevision.objects.get(pk=long_revision)
        short = ReportRevision.objects.get(pk=short_revision)
        assert (long_.number, short.number) == (3, 2)
        assert len(long_.text) > len(short.text)
        # Each person sees both, as the service judges it.
        for revision in (long_, short):
            visit = Visit.objects.get(pk=revision.visit_id)
            diff = report_revision_diff(
                actor=person,
                revision=revision,
                against=ReportRevision.objects.get(visit=visit, number=revision.number - 1),
            )
            assert diff.inserted > 0
    assert revision_url(ctx.big_visit_lead)[1] == ctx.big_visit_id
