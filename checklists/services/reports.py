"""Draft reports: revisions, their text, diff and coverage (SPEC §3, §7); the
reviews and comments (checklists.services.report_reviews) and the comparisons of
revisions (checklists.services.report_comparisons) are re-exported here.

Every write is a keyword-only service here, in a transaction, with an audit
event; downloads are audited too. Each service acting for a person checks first
what SPEC §4 lets them do (checklists.policies.authorize; actor None is the
system) and refuses with a checklists.errors class, which every door maps.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.coverage import SectionCoverage, SectionRef, outline_coverage
from checklists.errors import Conflict, NotFound
from checklists.models import OutlineSection, Visit
from checklists.models.reports import ReportRevision
from checklists.policies import Capability, Person, authorize
from checklists.report_text import ExtractionError, extract_text
from checklists.services.audit import audit_record
from checklists.services.loop_notifications import notify_revision_uploaded

# The comparisons and the reviews live in their own modules; this one is the
# reports' single door.
from checklists.services.report_comparisons import (
    RevisionDiff,
    TextNotReady,
    report_revision_diff,
    require_text,
    revision_comparisons_after_text,
    revision_comparisons_missing,
)
from checklists.services.report_reviews import (
    DRAFT_MILESTONE,
    FINAL_MILESTONE,
    CommentInput,
    carry_open_comments,
    meet_milestone,
    person,
    report_comment_add,
    report_comment_answer,
    report_comment_set_state,
    report_comment_update,
    report_revision_review,
)
from checklists.uploads import display_name, sniff_report

logger = logging.getLogger(__name__)

__all__ = [
    "DRAFT_MILESTONE",
    "FINAL_MILESTONE",
    "CommentInput",
    "DuplicateRevision",
    "RevisionDiff",
    "TextNotReady",
    "TransientStorageError",
    "report_comment_add",
    "report_comment_answer",
    "report_comment_set_state",
    "report_comment_update",
    "report_revision_coverage",
    "report_revision_diff",
    "report_revision_download",
    "report_revision_extract_text",
    "report_revision_review",
    "report_revision_text_failed",
    "report_revision_upload",
    "report_revisions_text_stuck",
    "revision_comparisons_missing",
]


class DuplicateRevision(Conflict):
    """The visit already has a revision with exactly this content (409); the
    message names it, and `revision` (its id) goes with the refusal."""

    slug = "duplicate-revision"

    def __init__(self, revision: ReportRevision) -> None:
        super().__init__(
            _(
                "This file is identical to revision %(number)d of this visit's draft report, "
                "uploaded on %(date)s; there is nothing new to review."
            )
            % {
                "number": revision.number,
                "date": timezone.localtime(revision.uploaded_at).strftime("%d/%m/%Y %H:%M"),
            },
            revision=revision.pk,
        )
        self.revision = revision


class TransientStorageError(Exception):
    """Reading the stored file failed in a way a retry may cure (network storage)."""


# --- revisions -----------------------------------------------------------------------


def _enqueue_extraction(revision_id: int) -> None:
    from worker.report_tasks import report_extract_text as report_extract_text_task

    report_extract_text_task.delay(revision_id)


def _stored_name(revision: ReportRevision) -> str:
    # Every saved revision has a file (the upload writes it before the row).
    return revision.file.name or ""


def report_revision_upload(
    *, actor: Person | None, visit: Visit, content: IO[bytes], filename: str
) -> ReportRevision:
    """Store a new revision of the visit's draft report.

    0. Only the host unit's contacts and coordinators upload (UPLOAD_REPORT).
    1. Sniff and check the content (checklists.uploads) and the name: nothing is
       written for a refused file.
    2. Write the file under a random name, before taking any lock: a slow
       storage (S3) then never holds the visit's row lock.
    3. In one transaction, under the visit's row lock (which serialises uploads to
       one visit, so numbers never repeat or skip): refuse a duplicate, number the
       revision, supersede the earlier ones, carry open comments over, meet the
       draft deadline for the first revision, audit, notify the team.
    4. If anything in 3 fails, delete the file written in 2; after commit, send
       the text extraction to the worker.
    """
    authorize(actor, visit, Capability.UPLOAD_REPORT)
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
        uploaded_by=person(actor),
    )
    content.seek(0)
    revision.file.save(uuid.uuid4().hex, File(content), save=False)
    try:
        with transaction.atomic():
            _store_revision(actor=actor, visit=visit, revision=revision)
    except BaseException:
        revision.file.storage.delete(_stored_name(revision))
        raise
    return revision


def _store_revision(*, actor: Person | None, visit: Visit, revision: ReportRevision) -> None:
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
        carried = carry_open_comments(source=previous, target=revision)
    audit_record(
        actor=person(actor),
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
        meet_milestone(actor=actor, visit=visit, key=DRAFT_MILESTONE)
    # In the upload's transaction: the revision and its notifications exist together.
    notify_revision_uploaded(revision=revision, acted_by=person(actor))
    # robust: a broker that is down must not turn a stored upload into an error;
    # the sweep (report_revisions_text_stuck) sends the lost task again.
    transaction.on_commit(lambda: _enqueue_extraction(revision.pk), robust=True)


def report_revision_download(*, actor: Person | None, revision: ReportRevision) -> File:
    """Open the revision's file for reading, for whoever sees the visit; the
    download is audited. NotFound, with a message for the reader, when the stored
    file is gone."""
    authorize(actor, revision.visit, Capability.SEE)
    try:
        handle = revision.file.storage.open(_stored_name(revision), "rb")
    except FileNotFoundError:
        logger.error("Report file missing: revision %s (%s)", revision.pk, revision.file.name)
        raise NotFound(
            _("The file of revision %(number)d is missing from storage; tell a coordinator.")
            % {"number": revision.number}
        ) from None
    audit_record(
        actor=person(actor),
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
        with revision.file.storage.open(_stored_name(revision), "rb") as handle:
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
    if updated:
        _compare_with_neighbours(revision_id)
    revision.refresh_from_db()
    return revision


def _compare_with_neighbours(revision_id: int) -> None:
    """Keep the comparisons the new text makes possible (with the previous revision,
    and the next one's with this). The text is committed by now: a comparison that
    fails is logged and left to the sweep or to the first reader, and never turns a
    good extraction into a failed task."""
    try:
        revision_comparisons_after_text(revision_id=revision_id)
    except Exception:
        logger.exception("Comparing revision %s with its neighbours failed", revision_id)


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


def report_revision_coverage(
    *, actor: Person | None, revision: ReportRevision
) -> list[SectionCoverage]:
    """The visit outline's sections, each covered or missed by the revision's text."""
    authorize(actor, revision.visit, Capability.SEE)
    text = require_text(revision)
    sections = OutlineSection.objects.filter(outline_id=revision.visit.outline_id).order_by(
        "position", "id"
    )
    return outline_coverage(text, [SectionRef(s.number, s.title) for s in sections])
