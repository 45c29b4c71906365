"""The scale seed's draft reports: a handful of visits with two or three revisions
each, their texts extracted, the team's reviews and comments, the host's
explanations, and the kept comparison of each revision with the one before.

The rows are those the services write for the same story (report_revision_upload
numbers the revisions and supersedes the earlier ones, carry_open_comments copies
the comments still open onto the next revision, report_revision_review records
the decision with its comments, report_comment_answer/set_state answer and settle
them), written in bulk: the upload service stores a file and sends its extraction
to the worker, which a seed has no use for. The text is what the extraction
leaves (checklists.report_text.tidy_text of bench.comparison's generated drafts);
the comparisons are kept by the service itself (revision_comparison_keep), never
written by hand. tests/bench/test_seed_reports.py pins the invariants.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.db import models

from bench.comparison import drafts
from bench.seed_loader import Loader
from checklists.models import OutlineSection, ReportRevision, Review, ReviewComment, Visit
from checklists.report_text import tidy_text
from checklists.services.report_comparisons import revision_comparison_keep
from checklists.uploads.sniff import DOCX

RevisionState = ReportRevision.State
CommentState = ReviewComment.State

REVISION_COLUMNS = (
    "id", "visit_id", "number", "file", "original_name", "size", "sha256", "content_type",
    "uploaded_by_id", "uploaded_at", "state", "text_status", "text", "text_error",
    "text_extracted_at",
)  # fmt: skip
REVIEW_COLUMNS = ("id", "revision_id", "reviewer_id", "decision", "created_at")
COMMENT_COLUMNS = (
    "id", "revision_id", "review_id", "author_id", "section_id", "text", "created_at", "state",
    "response", "responded_by_id", "responded_at", "carried_from_id", "updated_at",
)  # fmt: skip

# What the team asks of a draft, and what the host answers.
COMMENT_TEXTS = (
    "Bổ sung số liệu đảng viên được thẩm định tiêu chuẩn chính trị trong nhiệm kỳ.",
    "Làm rõ nguyên nhân chậm giải quyết đơn thư, nêu cụ thể từng trường hợp.",
    "Đối chiếu số liệu với báo cáo 6 tháng; hai số liệu chưa khớp.",
    "Nêu rõ trách nhiệm của tập thể, cá nhân đối với các hạn chế.",
    "Phần phương hướng cần gắn với các kết luận trước của Ban Thường vụ.",
    "Kiến nghị cần cụ thể, có địa chỉ và thời hạn thực hiện.",
    "Rà soát lại thể thức văn bản theo Hướng dẫn 36-HD/VPTW.",
)
ANSWER = "Đơn vị đã tiếp thu, bổ sung và chỉnh sửa tại dự thảo lần sau."
# Of the comments a review leaves: (state when the next revision arrives, answered).
COMMENT_FATES = (
    (CommentState.RESOLVED, True),
    (CommentState.RESOLVED, True),
    (CommentState.NOT_ACCEPTED, True),
    (CommentState.OPEN, True),
    (CommentState.OPEN, False),
    (CommentState.OPEN, False),
)


@dataclass(frozen=True)
class ReportPlan:
    """A visit's draft report: `revisions` successive drafts of `pages` pages,
    uploaded by the host's contact, reviewed by the team's lead."""

    visit_id: int
    uploader_id: int
    reviewer_id: int
    revisions: int
    pages: int
    seed: int


def load_reports(
    loader: Loader, plans: Sequence[ReportPlan], *, now: dt.datetime
) -> list[ReportRevision]:
    """Write the plans' revisions, reviews and comments; keep each revision's
    comparison with the one before through the service. The revisions, by visit
    and number."""
    revisions: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    ids: dict[type[models.Model], int] = {
        m: loader.next_id(m) for m in (ReportRevision, Review, ReviewComment)
    }

    def next_id(model: type[models.Model]) -> int:
        ids[model] += 1
        return ids[model] - 1

    sections = _sections_by_visit([p.visit_id for p in plans])
    for plan in plans:
        rng = random.Random(f"reports:{plan.seed}")
        texts = [tidy_text(t) for t in drafts(plan.seed, plan.pages, plan.revisions)]
        start = now - dt.timedelta(days=7 * plan.revisions + 3)
        carried: list[dict[str, Any]] = []  # the open comments of the revision before
        for number, text in enumerate(texts, start=1):
            uploaded = start + dt.timedelta(days=7 * (number - 1))
            last = number == plan.revisions
            data = text.encode()
            revision = {
                "id": next_id(ReportRevision),
                "visit_id": plan.visit_id,
                "number": number,
                "file": f"reports/visit-{plan.visit_id}/{rng.getrandbits(128):032x}",
                "original_name": f"Du thao bao cao lan {number}.docx",
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "content_type": DOCX,
                "uploaded_by_id": plan.uploader_id,
                "uploaded_at": uploaded,
                "state": RevisionState.SUBMITTED if last else RevisionState.SUPERSEDED,
                "text_status": ReportRevision.TextStatus.READY,
                "text": text,
                "text_error": "",
                "text_extracted_at": uploaded + dt.timedelta(minutes=1),
            }
            revisions.append(revision)
            # carry_open_comments: the open ones again, unanswered, pointing back.
            copies = [
                {
                    **original,
                    "id": next_id(ReviewComment),
                    "revision_id": revision["id"],
                    "review_id": None,
                    "created_at": uploaded,
                    "response": "",
                    "responded_by_id": None,
                    "responded_at": None,
                    "carried_from_id": original["id"],
                    "updated_at": uploaded,
                }
                for original in carried
            ]
            comments.extend(copies)
            if last:
                break
            reviewed = uploaded + dt.timedelta(days=2)
            settled = reviewed + dt.timedelta(days=3)
            review = {
                "id": next_id(Review),
                "revision_id": revision["id"],
                "reviewer_id": plan.reviewer_id,
                "decision": Review.Decision.REQUEST_CHANGES,
                "created_at": reviewed,
            }
            reviews.append(review)
            carried = copies  # still open when the next revision arrives
            for index, (state, answered) in enumerate(COMMENT_FATES):
                comment = {
                    "id": next_id(ReviewComment),
                    "revision_id": revision["id"],
                    "review_id": review["id"],
                    "author_id": plan.reviewer_id,
                    "section_id": rng.choice(sections[plan.visit_id]),
                    "text": COMMENT_TEXTS[(index + number) % len(COMMENT_TEXTS)],
                    "created_at": reviewed,
                    "state": state,
                    "response": ANSWER if answered else "",
                    "responded_by_id": plan.uploader_id if answered else None,
                    "responded_at": settled if answered else None,
                    "carried_from_id": None,
                    "updated_at": settled,
                }
                comments.append(comment)
                if state == CommentState.OPEN:
                    carried.append(comment)
    for label, model, columns, rows in (
        ("report revisions", ReportRevision, REVISION_COLUMNS, revisions),
        ("reviews", Review, REVIEW_COLUMNS, reviews),
        ("review comments", ReviewComment, COMMENT_COLUMNS, comments),
    ):
        loader.load(label, model, columns, (tuple(row[c] for c in columns) for row in rows))
    return _keep_comparisons([p.visit_id for p in plans])


def _sections_by_visit(visit_ids: list[int]) -> dict[int, list[int]]:
    outlines = dict(Visit.objects.filter(pk__in=visit_ids).values_list("pk", "outline_id"))
    by_outline: dict[int, list[int]] = {}
    for section_id, outline_id in OutlineSection.objects.filter(
        outline_id__in=set(outlines.values())
    ).values_list("pk", "outline_id"):
        by_outline.setdefault(outline_id, []).append(section_id)
    return {visit_id: by_outline[outline_id] for visit_id, outline_id in outlines.items()}


def _keep_comparisons(visit_ids: list[int]) -> list[ReportRevision]:
    """What the worker does once each text is ready: keep the comparison with the
    previous revision (the service computes it, as for any reader)."""
    revisions = list(
        ReportRevision.objects.filter(visit_id__in=visit_ids).order_by("visit_id", "number")
    )
    for before, after in pairwise(revisions):
        if before.visit_id == after.visit_id:
            revision_comparison_keep(revision=after, against=before)
    return revisions
