"""Implementation reports on a recommendation and the team's verdict (SPEC §4, §11).

- The addressee unit's contacts (the host unit's when the addressee has none)
  and the coordinators report on an `open` recommendation: text, progress
  (0–100) and evidence files; the recommendation becomes `reported` and takes
  the report's progress. One report waits for its verdict at a time (a
  constraint); another on a `reported`, `done`, `cancelled` or draft one is a
  conflict.
- The team's lead or deputy or a coordinator gives the verdict on the report
  waiting for it: `accepted` makes the recommendation `done`; `returned`, with a
  note, `open` again.
- Evidence files are downloaded by whoever sees the recommendation; audited.

Each step tells the other side (checklists.services.conclusion_notices) in its
own transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import Conflict, NotAllowed, NotFound, TooLarge
from checklists.limits import (
    MAX_COMMENT_TEXT,
    MAX_EVIDENCE_FILES,
    MAX_EVIDENCE_TOTAL_BYTES,
    MAX_IMPLEMENTATION_REPORT_TEXT,
)
from checklists.models import EvidenceFile, ImplementationReport, Recommendation
from checklists.policies import PERMISSION_MESSAGES, Capability, Person
from checklists.selectors.conclusions import recommendation_access, sees_recommendation
from checklists.selectors.implementation_reports import may_report
from checklists.services.audit import acting_user, audit_record
from checklists.services.conclusion_notices import notify_implementation_report, notify_verdict
from checklists.uploads import UploadInvalid, UploadTooLarge, display_name
from checklists.uploads.evidence import CheckedEvidence, check_evidence

logger = logging.getLogger(__name__)

State = Recommendation.State
Verdict = ImplementationReport.Verdict


@dataclass(frozen=True)
class EvidenceUpload:
    """One file as it arrived: its content (seekable) and the name the client gave."""

    content: IO[bytes]
    filename: str


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}"


def _refuse_report_state(state: str) -> Conflict:
    if state == State.REPORTED:
        return Conflict(
            _(
                "A report on this recommendation is waiting for the team's verdict; send the "
                "next one after it."
            ),
            code="report_pending",
        )
    if state == State.DRAFT:
        return Conflict(
            _("The recommendation's conclusion is not issued; there is nothing to report on yet."),
            code="recommendation_not_open",
        )
    return Conflict(
        _("Only an open recommendation takes a report; this one is %(state)s.")
        % {"state": State(state).label},
        code="recommendation_not_open",
    )


def _check_input(text: str, progress: Any, count: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Say what has been done.")]
    elif len(text) > MAX_IMPLEMENTATION_REPORT_TEXT:
        errors["text"] = [
            _("Give at most %(limit)s characters.") % {"limit": MAX_IMPLEMENTATION_REPORT_TEXT}
        ]
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = [_("Give the progress as a whole number from 0 to 100.")]
    if count > MAX_EVIDENCE_FILES:
        errors["files"] = [
            _("Attach at most %(limit)s files to one report.") % {"limit": MAX_EVIDENCE_FILES}
        ]
    return errors


def _check_files(
    files: Sequence[EvidenceUpload], errors: dict[str, list[str]]
) -> list[tuple[EvidenceUpload, CheckedEvidence, str]]:
    """Each file through the upload checks, named in its refusal; the total size
    bounded. A file over the size limit is refused at once (413)."""
    checked: list[tuple[EvidenceUpload, CheckedEvidence, str]] = []
    seen: dict[str, str] = {}
    for upload in files:
        shown = (upload.filename or "")[:100]
        try:
            result = check_evidence(upload.content)
            name = display_name(upload.filename, extension=result.extension)
        except UploadTooLarge as refusal:
            raise TooLarge(f"{shown}: {refusal.message}", code=refusal.code) from None
        except UploadInvalid as refusal:
            errors.setdefault("files", []).append(f"{shown}: {refusal.message}")
            continue
        if result.sha256 in seen:
            errors.setdefault("files", []).append(
                _("%(name)s is the same file as %(other)s.")
                % {"name": name, "other": seen[result.sha256]}
            )
            continue
        seen[result.sha256] = name
        checked.append((upload, result, name))
    total = sum(result.size for _upload, result, _name in checked)
    if total > MAX_EVIDENCE_TOTAL_BYTES:
        raise TooLarge(
            _(
                "The files of one report may hold at most %(limit)s MB together; these hold "
                "%(total)s MB. Send fewer or smaller files."
            )
            % {"limit": _mb(MAX_EVIDENCE_TOTAL_BYTES), "total": _mb(total)},
            code="too_large",
        )
    return checked


def _store(checked: list[tuple[EvidenceUpload, CheckedEvidence, str]]) -> list[EvidenceFile]:
    """Write the files under names of their own, before any lock is taken (a slow
    storage then holds no row lock); the rows are saved by the caller."""
    rows = []
    for position, (upload, result, name) in enumerate(checked, start=1):
        row = EvidenceFile(
            position=position,
            original_name=name,
            size=result.size,
            sha256=result.sha256,
            content_type=result.content_type,
        )
        if result.data is not None:
            content: File = ContentFile(result.data)
        else:
            upload.content.seek(0)
            content = File(upload.content)
        row.file.save(uuid.uuid4().hex, content, save=False)
        rows.append(row)
    return rows


def _authorize_report(actor: Person | None, recommendation: Recommendation) -> None:
    if actor is None:
        return
    if not sees_recommendation(actor, recommendation):
        raise NotFound(_("There is no such recommendation."))
    if not may_report(actor, recommendation):
        raise NotAllowed(
            _(
                "Only the contacts of the unit the recommendation is addressed to (or of the "
                "host unit, when that unit has none) or a coordinator may report on it."
            )
        )


def implementation_report_submit(
    *,
    actor: Person | None,
    recommendation: Recommendation,
    text: str,
    progress: Any,
    files: Sequence[EvidenceUpload] = (),
) -> ImplementationReport:
    """Report on an open recommendation (see the module's docstring).

    1. Who may, and the state (a conflict before any file is read).
    2. The text, the progress and every file checked; nothing is written for a
       refused request.
    3. The files written under random names; then, in one transaction under the
       recommendation's row lock, the report and its files' rows, the
       recommendation `reported` with the report's progress, the audit event and
       the notifications. If that fails, the written files are deleted.
    """
    _authorize_report(actor, recommendation)
    if recommendation.state != State.OPEN:
        raise _refuse_report_state(recommendation.state)
    text = text or ""
    errors = _check_input(text, progress, len(files))
    checked = _check_files(files, errors) if "files" not in errors else []
    if errors:
        raise ValidationError(errors)
    stored = _store(checked)
    try:
        with transaction.atomic():
            report = _save_report(actor, recommendation, text.strip(), progress, stored)
    except BaseException:
        for row in stored:
            row.file.storage.delete(row.file.name or "")
        raise
    return report


def _save_report(
    actor: Person | None,
    recommendation: Recommendation,
    text: str,
    progress: int,
    stored: list[EvidenceFile],
) -> ImplementationReport:
    state = (
        Recommendation.objects.select_for_update()
        .values_list("state", flat=True)
        .get(pk=recommendation.pk)
    )
    if state != State.OPEN:
        raise _refuse_report_state(state)
    report = ImplementationReport(
        recommendation=recommendation, text=text, progress=progress, submitted_by=acting_user(actor)
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Another report won the race to wait for the verdict.
        raise _refuse_report_state(State.REPORTED) from None
    for row in stored:
        row.report = report
    EvidenceFile.objects.bulk_create(stored)
    before = recommendation.progress
    recommendation.state = State.REPORTED
    recommendation.progress = progress
    recommendation.save(update_fields=["state", "progress", "updated_at"])
    audit_record(
        actor=actor,
        action="report",
        obj=report,
        visit_id=recommendation.visit_id,
        changes={
            "recommendation": recommendation.code,
            "state": {"from": state, "to": State.REPORTED},
            "progress": {"from": before, "to": progress},
            "files": [
                {"filename": r.original_name, "size": r.size, "sha256": r.sha256} for r in stored
            ],
        },
    )
    notify_implementation_report(report=report, acted_by=acting_user(actor))
    return report


@transaction.atomic
def implementation_report_verdict(
    *, actor: Person | None, report: ImplementationReport, verdict: str, verdict_note: str = ""
) -> ImplementationReport:
    """Accept the report waiting for its verdict (the recommendation is `done`) or
    return it with a note (`open` again)."""
    recommendation = report.recommendation
    if actor is not None:
        if not sees_recommendation(actor, recommendation):
            raise NotFound(_("There is no such implementation report."))
        if not recommendation_access(actor, recommendation).allows(Capability.GIVE_VERDICT):
            raise NotAllowed(PERMISSION_MESSAGES[Capability.GIVE_VERDICT])
    verdict_note = (verdict_note or "").strip()
    errors: dict[str, list[str]] = {}
    if verdict not in (Verdict.ACCEPTED, Verdict.RETURNED):
        errors["verdict"] = [_("Choose accepted or returned.")]
    elif verdict == Verdict.RETURNED and not verdict_note:
        errors["verdict_note"] = [_("Say what is missing, so the unit can report again.")]
    if len(verdict_note) > MAX_COMMENT_TEXT:
        errors["verdict_note"] = [
            _("Give at most %(limit)s characters.") % {"limit": MAX_COMMENT_TEXT}
        ]
    if errors:
        raise ValidationError(errors)
    # The recommendation's lock first, as the report's submission takes it.
    state = (
        Recommendation.objects.select_for_update()
        .values_list("state", flat=True)
        .get(pk=recommendation.pk)
    )
    current = (
        ImplementationReport.objects.select_for_update()
        .values_list("verdict", flat=True)
        .get(pk=report.pk)
    )
    if current != Verdict.PENDING:
        raise Conflict(
            _("This report already has its verdict: %(verdict)s.")
            % {"verdict": Verdict(current).label},
            code="verdict_given",
        )
    if state != State.REPORTED:
        raise Conflict(
            _("The recommendation is %(state)s; its report can no longer be judged.")
            % {"state": State(state).label},
            code="recommendation_not_reported",
        )
    report.verdict = verdict
    report.verdict_note = verdict_note
    report.verdict_by = acting_user(actor)
    report.verdict_at = timezone.now()
    report.save(update_fields=["verdict", "verdict_note", "verdict_by", "verdict_at"])
    after = State.DONE if verdict == Verdict.ACCEPTED else State.OPEN
    recommendation.state = after
    recommendation.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="verdict",
        obj=report,
        visit_id=recommendation.visit_id,
        changes={
            "recommendation": recommendation.code,
            "verdict": verdict,
            "verdict_note": verdict_note,
            "state": {"from": state, "to": after},
        },
    )
    notify_verdict(report=report, acted_by=acting_user(actor))
    return report


def evidence_file_download(*, actor: Person | None, evidence: EvidenceFile) -> File:
    """Open an evidence file for reading, for whoever sees its recommendation; the
    download is audited. NotFound when the stored file is gone."""
    recommendation = evidence.report.recommendation
    if actor is not None and not sees_recommendation(actor, recommendation):
        raise NotFound(_("There is no such file."))
    try:
        handle = evidence.file.storage.open(evidence.file.name or "", "rb")
    except FileNotFoundError:
        logger.error("Evidence file missing: %s (%s)", evidence.pk, evidence.file.name)
        raise NotFound(
            _("The file %(name)s is missing from storage; tell a coordinator.")
            % {"name": evidence.original_name}
        ) from None
    audit_record(
        actor=actor,
        action="download",
        obj=evidence,
        visit_id=recommendation.visit_id,
        changes={
            "report": evidence.report_id,
            "recommendation": recommendation.code,
            "filename": evidence.original_name,
        },
    )
    return handle


__all__ = [
    "EvidenceUpload",
    "evidence_file_download",
    "implementation_report_submit",
    "implementation_report_verdict",
]
