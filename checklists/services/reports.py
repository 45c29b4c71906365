"""Draft reports: revisions, their text, reviews and comments (SPEC §3, §7).

Every write is a keyword-only service here, in a transaction, with an audit
event; downloads are audited too.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.coverage import SectionCoverage, SectionRef, outline_coverage, unified_text_diff
from checklists.errors import TransitionNotAllowed
from checklists.models import Milestone, OutlineSection, User, Visit
from checklists.models.reports import ReportRevision, Review, ReviewComment
from checklists.report_text import ExtractionError, extract_text
from checklists.services.audit import audit_record
from checklists.services.checklist import milestone_meet
from checklists.uploads import display_name, sniff_report

logger = logging.getLogger(__name__)

DRAFT_MILESTONE = "draft_report_due"
FINAL_MILESTONE = "final_report_due"


class DuplicateRevision(Exception):
    """The visit already has a revision with exactly this content (HTTP 409)."""

    def __init__(self, revision: ReportRevision) -> None:
        self.revision = revision
        super().__init__(
            _(
                "This file is identical to revision %(number)d of this visit's draft report, "
                "uploaded on %(date)s; there is nothing new to review."
            )
            % {
                "number": revision.number,
                "date": timezone.localtime(revision.uploaded_at).strftime("%d/%m/%Y %H:%M"),
            }
        )


class TextNotReady(Exception):
    """The revision's text is not extracted (yet, or at all): no diff or coverage."""

    def __init__(self, revision: ReportRevision) -> None:
        self.revision = revision
        if revision.text_status == ReportRevision.TextStatus.FAILED:
            message = _(
                "The text of revision %(number)d could not be extracted (%(error)s); upload "
                "a readable copy as a new revision."
            ) % {"number": revision.number, "error": revision.text_error}
        else:
            message = _(
                "The text of revision %(number)d is still being extracted; try again in a minute."
            ) % {"number": revision.number}
        super().__init__(message)
        self.message = message


class TransientStorageError(Exception):
    """Reading the stored file failed in a way a retry may cure (network storage)."""


# --- revisions -----------------------------------------------------------------------


def _enqueue_extraction(revision_id: int) -> None:
    from worker.report_tasks import report_extract_text as report_extract_text_task

    report_extract_text_task.delay(revision_id)


def report_revision_upload(
    *, actor: User | None, visit: Visit, content: IO[bytes], filename: str
) -> ReportRevision:
    """Store a new revision of the visit's draft report.

    1. Sniff and check the content (checklists.uploads) and the name: nothing is
       written for a refused file.
    2. Write the file under a random name, before taking any lock: a slow
       storage (S3) then never holds the visit's row lock.
    3. In one transaction, under the visit's row lock (which serialises uploads to
       one visit, so numbers never repeat or skip): refuse a duplicate, number the
       revision, supersede the earlier ones, carry open comments over, meet the
       draft deadline for the first revision, audit.
    4. If anything in 3 fails, delete the file written in 2; after commit, send
       the text extraction to the worker.
    """
    sniffed = sniff_report(content)
    original_name = display_name(filename, extension=sniffed.extension)
    existing = visit.report_revisions.filter(sha256=sniffed.sha256).first()
    if existing is not None:
        raise DuplicateRevision(existing)

    revision = ReportRevision(
        visit=visit,
        original_name=original_name,
        size=sniffed.size,
        sha256=sniffed.sha256,
        content_type=sniffed.content_type,
        uploaded_by=actor if actor is not None and actor.pk else None,
    )
    content.seek(0)
    revision.file.save(uuid.uuid4().hex, File(content), save=False)
    try:
        with transaction.atomic():
            _store_revision(actor=actor, visit=visit, revision=revision)
    except BaseException:
        revision.file.storage.delete(revision.file.name)
        raise
    return revision


def _store_revision(*, actor: User | None, visit: Visit, revision: ReportRevision) -> None:
    # The lock serialises uploads to one visit: max(number) + 1 is then safe. On
    # SQLite the transaction's BEGIN IMMEDIATE serialises all writers instead.
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    duplicate = visit.report_revisions.filter(sha256=revision.sha256).first()
    if duplicate is not None:
        raise DuplicateRevision(duplicate)
    last = visit.report_revisions.aggregate(last=Max("number"))["last"] or 0
    revision.number = last + 1
    try:
        with transaction.atomic():
            revision.save()
    except IntegrityError:
        duplicate = visit.report_revisions.filter(sha256=revision.sha256).first()
        if duplicate is not None:
            raise DuplicateRevision(duplicate) from None
        raise
    previous = visit.report_revisions.filter(number__lt=revision.number).order_by("-number").first()
    visit.report_revisions.filter(number__lt=revision.number).exclude(
        state=ReportRevision.State.SUPERSEDED
    ).update(state=ReportRevision.State.SUPERSEDED)
    carried = 0
    if previous is not None:
        carried = _carry_open_comments(source=previous, target=revision)
    audit_record(
        actor=actor,
        action="upload",
        obj=revision,
        visit_id=visit.pk,
        changes={
            "number": revision.number,
            "filename": revision.original_name,
            "size": revision.size,
            "sha256": revision.sha256,
            "content_type": revision.content_type,
            "comments_carried_over": carried,
        },
    )
    if revision.number == 1:
        _meet_milestone(actor=actor, visit=visit, key=DRAFT_MILESTONE)
    # robust: a broker that is down must not turn a stored upload into an error;
    # the sweep (report_revisions_text_stuck) sends the lost task again.
    transaction.on_commit(lambda: _enqueue_extraction(revision.pk), robust=True)


def _carry_open_comments(*, source: ReportRevision, target: ReportRevision) -> int:
    """Copy the comments still open on `source` to `target`, each pointing back to
    its original (carried_from). The originals keep their state as history."""
    open_comments = list(source.comments.filter(state=ReviewComment.State.OPEN).order_by("id"))
    ReviewComment.objects.bulk_create(
        [
            ReviewComment(
                revision=target,
                author_id=comment.author_id,
                section_id=comment.section_id,
                text=comment.text,
                carried_from=comment,
            )
            for comment in open_comments
        ]
    )
    return len(open_comments)


def _meet_milestone(*, actor: User | None, visit: Visit, key: str) -> None:
    milestone = (
        Milestone.objects.select_for_update().filter(visit=visit, key=key, done_at=None).first()
    )
    if milestone is not None:
        milestone_meet(actor=actor, milestone=milestone)


def report_revision_download(*, actor: User | None, revision: ReportRevision) -> File:
    """Open the revision's file for reading; the download is audited."""
    try:
        handle = revision.file.storage.open(revision.file.name, "rb")
    except FileNotFoundError:
        logger.error("Report file missing: revision %s (%s)", revision.pk, revision.file.name)
        raise
    audit_record(
        actor=actor,
        action="download",
        obj=revision,
        visit_id=revision.visit_id,
        changes={"number": revision.number, "filename": revision.original_name},
    )
    return handle


# --- text --------------------------------------------------------------------------------


def report_revision_extract_text(*, revision_id: int) -> ReportRevision | None:
    """Extract the text of a pending revision; None when the row is gone.

    Idempotent: a revision no longer pending is left alone, and the result is
    written with a conditional UPDATE, so a task delivered twice (acks_late, the
    sweep) writes once. A document that cannot be read is marked failed with the
    reason; a storage error that may pass raises TransientStorageError for the
    task to retry.
    """
    revision = ReportRevision.objects.filter(pk=revision_id).first()
    if revision is None or revision.text_status != ReportRevision.TextStatus.PENDING:
        return revision
    try:
        with revision.file.storage.open(revision.file.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return report_revision_text_failed(
            revision_id=revision_id, error=_("The stored file is missing.")
        )
    except OSError as exc:
        raise TransientStorageError(str(exc)) from exc
    try:
        text = extract_text(data, revision.content_type)
    except ExtractionError as exc:
        return report_revision_text_failed(revision_id=revision_id, error=str(exc))
    with transaction.atomic():
        updated = ReportRevision.objects.filter(
            pk=revision_id, text_status=ReportRevision.TextStatus.PENDING
        ).update(
            text=text,
            text_status=ReportRevision.TextStatus.READY,
            text_error="",
            text_extracted_at=timezone.now(),
        )
        if updated:
            audit_record(
                actor=None,
                action="text_extracted",
                obj=revision,
                visit_id=revision.visit_id,
                changes={"characters": len(text)},
            )
    revision.refresh_from_db()
    return revision


def report_revision_text_failed(*, revision_id: int, error: str) -> ReportRevision | None:
    """Record that the text cannot be extracted, with the reason, for people to see."""
    with transaction.atomic():
        revision = ReportRevision.objects.filter(pk=revision_id).first()
        if revision is None:
            return None
        updated = ReportRevision.objects.filter(
            pk=revision_id, text_status=ReportRevision.TextStatus.PENDING
        ).update(
            text_status=ReportRevision.TextStatus.FAILED,
            text_error=error[:2000],
            text_extracted_at=timezone.now(),
        )
        if updated:
            audit_record(
                actor=None,
                action="text_failed",
                obj=revision,
                visit_id=revision.visit_id,
                changes={"error": error[:2000]},
            )
    revision.refresh_from_db()
    return revision


def report_revisions_text_stuck(*, older_than: dt.timedelta | None = None) -> list[int]:
    """Ids of revisions still pending after `older_than`: their task was lost.

    Uses the partial index revision_text_pending_idx.
    """
    older_than = older_than if older_than is not None else settings.REPORT_TEXT_SWEEP_AFTER
    cutoff = timezone.now() - older_than
    return list(
        ReportRevision.objects.filter(
            text_status=ReportRevision.TextStatus.PENDING, uploaded_at__lte=cutoff
        )
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:1000]
    )


def _require_text(revision: ReportRevision) -> str:
    if revision.text_status != ReportRevision.TextStatus.READY:
        raise TextNotReady(revision)
    return revision.text


def report_revision_diff(*, revision: ReportRevision, against: ReportRevision) -> str:
    """The unified diff from `against` to `revision` (raises TextNotReady)."""
    new = _require_text(revision)
    old = _require_text(against)
    return unified_text_diff(
        old,
        new,
        old_label=_("revision %(number)d") % {"number": against.number},
        new_label=_("revision %(number)d") % {"number": revision.number},
    )


def report_revision_coverage(*, revision: ReportRevision) -> list[SectionCoverage]:
    """The visit outline's sections, each covered or missed by the revision's text."""
    text = _require_text(revision)
    sections = OutlineSection.objects.filter(outline_id=revision.visit.outline_id).order_by(
        "position", "id"
    )
    return outline_coverage(text, [SectionRef(s.number, s.title) for s in sections])


# --- reviews and comments -------------------------------------------------------------------


@dataclass(frozen=True)
class CommentInput:
    text: str
    section: int | str | None = None


def _section_for(visit: Visit, value: int | str | None, field: str) -> OutlineSection | None:
    """An outline section of the visit's outline, by id or by number ("III")."""
    if value is None or value == "":
        return None
    sections = OutlineSection.objects.filter(outline_id=visit.outline_id)
    if isinstance(value, int):
        section = sections.filter(pk=value).first()
    else:
        section = sections.filter(number__iexact=str(value).strip()).first()
    if section is None:
        raise ValidationError(
            {field: _("The visit's outline has no section %(section)s.") % {"section": value}}
        )
    return section


def _require_current(revision: ReportRevision) -> None:
    if revision.state == ReportRevision.State.SUPERSEDED:
        latest = revision.visit.report_revisions.order_by("-number").first()
        raise TransitionNotAllowed(
            _("Revision %(number)d was superseded by revision %(latest)d; work on the latest.")
            % {"number": revision.number, "latest": latest.number if latest else revision.number}
        )


def _clean_comments(
    visit: Visit, comments: list[CommentInput]
) -> list[tuple[str, OutlineSection | None]]:
    cleaned = []
    for index, comment in enumerate(comments):
        text = comment.text.strip()
        if not text:
            raise ValidationError({f"comments[{index}].text": _("Write the comment.")})
        cleaned.append((text, _section_for(visit, comment.section, f"comments[{index}].section")))
    return cleaned


@transaction.atomic
def report_revision_review(
    *,
    actor: User | None,
    revision: ReportRevision,
    decision: str,
    comments: list[CommentInput] | None = None,
) -> Review:
    """The team's decision on a revision: accept it (meets the final-report
    deadline) or request changes, with comments optionally tied to sections."""
    revision = (
        ReportRevision.objects.select_for_update().select_related("visit").get(pk=revision.pk)
    )
    _require_current(revision)
    if revision.state == ReportRevision.State.ACCEPTED:
        raise TransitionNotAllowed(
            _("Revision %(number)d is already accepted.") % {"number": revision.number}
        )
    if decision not in Review.Decision.values:
        raise ValidationError({"decision": _("Choose accept or request_changes.")})
    cleaned = _clean_comments(revision.visit, comments or [])
    review = Review.objects.create(
        revision=revision,
        reviewer=actor if actor is not None and actor.pk else None,
        decision=decision,
    )
    ReviewComment.objects.bulk_create(
        [
            ReviewComment(
                revision=revision, review=review, author=review.reviewer, section=s, text=t
            )
            for t, s in cleaned
        ]
    )
    before = revision.state
    revision.state = (
        ReportRevision.State.ACCEPTED
        if decision == Review.Decision.ACCEPT
        else ReportRevision.State.CHANGES_REQUESTED
    )
    revision.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="review",
        obj=revision,
        visit_id=revision.visit_id,
        changes={
            "decision": decision,
            "state": {"from": before, "to": revision.state},
            "comments": len(cleaned),
        },
    )
    if decision == Review.Decision.ACCEPT:
        _meet_milestone(actor=actor, visit=revision.visit, key=FINAL_MILESTONE)
    return review


@transaction.atomic
def report_comment_add(
    *, actor: User | None, revision: ReportRevision, text: str, section: int | str | None = None
) -> ReviewComment:
    """A comment of the team outside a review round."""
    revision = ReportRevision.objects.select_related("visit").get(pk=revision.pk)
    _require_current(revision)
    [(clean_text, clean_section)] = _clean_comments(
        revision.visit, [CommentInput(text=text, section=section)]
    )
    comment = ReviewComment.objects.create(
        revision=revision,
        author=actor if actor is not None and actor.pk else None,
        section=clean_section,
        text=clean_text,
    )
    audit_record(
        actor=actor,
        action="comment",
        obj=comment,
        visit_id=revision.visit_id,
        changes={"revision": revision.number, "text": clean_text},
    )
    return comment


@transaction.atomic
def report_comment_answer(
    *, actor: User | None, comment: ReviewComment, response: str
) -> ReviewComment:
    """The host's explanation (giải trình) of one comment."""
    comment = (
        ReviewComment.objects.select_for_update()
        .select_related("revision__visit")
        .get(pk=comment.pk)
    )
    _require_current(comment.revision)
    response = response.strip()
    if not response:
        raise ValidationError({"response": _("Write the explanation.")})
    before = comment.response
    comment.response = response
    comment.responded_by = actor if actor is not None and actor.pk else None
    comment.responded_at = timezone.now()
    comment.save(update_fields=["response", "responded_by", "responded_at", "updated_at"])
    audit_record(
        actor=actor,
        action="answer",
        obj=comment,
        visit_id=comment.revision.visit_id,
        changes={"response": {"from": before, "to": response}},
    )
    return comment


@transaction.atomic
def report_comment_set_state(
    *, actor: User | None, comment: ReviewComment, state: str
) -> ReviewComment:
    """The team marks a comment resolved or not accepted (or open again)."""
    comment = (
        ReviewComment.objects.select_for_update()
        .select_related("revision__visit")
        .get(pk=comment.pk)
    )
    _require_current(comment.revision)
    if state not in ReviewComment.State.values:
        raise ValidationError({"state": _("Choose open, resolved or not_accepted.")})
    before = comment.state
    if before == state:
        return comment
    comment.state = state
    comment.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="comment_state",
        obj=comment,
        visit_id=comment.revision.visit_id,
        changes={"state": {"from": before, "to": state}},
    )
    return comment
