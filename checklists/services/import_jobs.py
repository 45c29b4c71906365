"""Spreadsheet imports, answered at once or run by the worker (SPEC §5 "imports":
all rows or none, up to 20,000 rows).

A file is always read in the request first (read_table): the person's right to
import, then the hostile-file checks, the header row and the row limit, before
anything is stored. Up to IMPORT_INLINE_ROWS rows it is imported there and
then; a larger file is stored as an ImportJob and imported by the worker, which
calls the same import in one transaction, in the language of the person who
asked. A refused file leaves the job `failed` with the errors of the
synchronous 400 (`errors` its sentences, `rows` its {row, column, message});
nothing of it is saved. The set-password e-mails of imported people are
enqueued once the worker's transaction commits (services.invitations).

Who sees a job: the person who asked, and coordinators in scope: for a
programme's entries, who may read the programme; for units and people, a
coordinator whose scope holds the asker's (coordinators of everything see all).
Anyone else is told it does not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checklists.errors import DomainError, NotFound, StaleObjectError, refusal_messages
from checklists.imports import read_table
from checklists.imports.programme_entries import PROGRAMME_ENTRY_COLUMNS
from checklists.imports.table import Upload, read_bounded
from checklists.models import ImportJob, Programme, User
from checklists.policies import (
    Person,
    coordinates_everything,
    coordinates_unit,
    is_coordinator,
    require_coordinator,
)
from checklists.services.imports import (
    PEOPLE_REFUSAL,
    UNIT_COLUMNS,
    UNITS_REFUSAL,
    USER_COLUMNS,
    ImportResult,
    units_import_table,
    users_import_table,
)
from checklists.services.programme_imports import (
    programme_import_allowed,
    programme_import_table,
)
from checklists.services.programmes import programme_authorize

logger = logging.getLogger(__name__)

Kind = ImportJob.Kind
State = ImportJob.State
COLUMNS = {
    Kind.UNITS: UNIT_COLUMNS,
    Kind.USERS: USER_COLUMNS,
    Kind.PROGRAMME_ENTRIES: PROGRAMME_ENTRY_COLUMNS,
}


@dataclass(frozen=True)
class ImportOutcome:
    """Either `result` (imported at once) or `job` (the worker imports it)."""

    result: ImportResult | None = None
    job: ImportJob | None = None


def _enqueue(job_id: int) -> None:
    # The domain's one way into the worker (declared in .importlinter): imported
    # here, as the task module imports this one.
    from worker.import_tasks import import_job_run as import_job_run_task

    import_job_run_task.delay(job_id)


def _allowed(actor: Person | None, kind: str, programme: Programme | None) -> None:
    if kind == Kind.PROGRAMME_ENTRIES:
        if programme is None:
            raise NotFound(_("Name the programme whose entries are imported."))
        programme_import_allowed(actor=actor, programme=programme)  # type: ignore[arg-type]
    else:
        require_coordinator(actor, UNITS_REFUSAL if kind == Kind.UNITS else PEOPLE_REFUSAL)


def _run(
    actor: Any, kind: str, table: Any, programme: Programme | None, expected_version: int | None
) -> ImportResult:
    if kind == Kind.UNITS:
        return units_import_table(actor=actor, table=table)
    if kind == Kind.USERS:
        return users_import_table(actor=actor, table=table)
    assert programme is not None
    entries = programme_import_table(
        actor=actor, programme=programme, table=table, expected_version=expected_version
    )
    return ImportResult(created=[entry.pk for entry in entries])


def import_submit(
    *,
    actor: User | None,
    kind: str,
    upload: Upload,
    programme: Programme | None = None,
    expected_version: int | None = None,
    filename: str = "",
) -> ImportOutcome:
    """Import a file of `kind` ("units", "users", "programme_entries" with its
    `programme`): at once up to IMPORT_INLINE_ROWS rows (the refusals of the
    import itself), else as a job for the worker, queued once this commits."""
    if kind not in Kind.values:
        raise NotFound(_("There is no such import."))
    _allowed(actor, kind, programme)
    data = read_bounded(upload)
    table = read_table(data, COLUMNS[Kind(kind)])
    if len(table.rows) <= settings.IMPORT_INLINE_ROWS:
        return ImportOutcome(result=_run(actor, kind, table, programme, expected_version))
    if (
        programme is not None
        and expected_version is not None
        and programme.row_version != expected_version
    ):
        raise StaleObjectError(
            _("This programme was changed by someone else. Reload it and try again."),
            current_version=programme.row_version,
        )
    if not isinstance(actor, User):
        raise NotFound(_("Only a person can ask for an import to run later."))
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            programme=programme,
            requested_by=actor,
            original_name=filename[:255],
            rows_total=len(table.rows),
        )
        job.file.save("import", ContentFile(data), save=False)
        job.save()
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    return ImportOutcome(job=job)


def import_job_get(*, actor: Person | None, job_id: int) -> ImportJob:
    """The job, for who may see it (see the module's decisions); 404 otherwise."""
    job = (
        ImportJob.objects.select_related("requested_by__coordinator_scope", "programme")
        .filter(pk=job_id)
        .first()
    )
    if job is None or not _sees(actor, job):
        raise NotFound(_("There is no such import."))
    return job


def programme_import_job_latest(*, actor: Person | None, programme: Programme) -> ImportJob | None:
    """The programme's latest import job, for its page (who reads the programme
    sees its jobs): None when it has none."""
    programme_authorize(actor, programme, manage=False)
    return programme.import_jobs.order_by("-id").first()


def _sees(actor: Person | None, job: ImportJob) -> bool:
    if actor is None:
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.pk == job.requested_by_id:
        return True
    if not is_coordinator(actor):
        return False
    if job.programme is not None:
        try:
            programme_authorize(actor, job.programme, manage=False)
        except DomainError:
            return False
        return True
    if coordinates_everything(actor):
        return True
    scope = job.requested_by.coordinator_scope
    return scope is not None and coordinates_unit(actor, scope)


def import_job_run(*, job_id: int) -> str:
    """Run a queued job (the worker; no actor: it acts for the person who asked,
    under their rights as they are now): "succeeded", "failed" or "not-claimed"
    (gone, or already taken by another worker)."""
    claimed = ImportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "not-claimed"
    job = ImportJob.objects.select_related("requested_by", "programme").get(pk=job_id)
    actor = job.requested_by
    outcome: dict[str, Any] = {}
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        try:
            with job.file.open("rb") as stored:
                data = stored.read()
            table = read_table(data, COLUMNS[Kind(job.kind)])
            _allowed(actor, job.kind, job.programme)
            result = _run(actor, job.kind, table, job.programme, None)
        except (ValidationError, DomainError) as refusal:
            outcome = _failure(refusal)
        except Exception:
            logger.exception("import job %s failed", job_id)
            outcome = {
                "errors": [_("The import stopped on an unexpected error; nothing was saved.")],
                "rows": [],
            }
        else:
            outcome = {"created": len(result.created), "updated": len(result.updated)}
    state = State.FAILED if "errors" in outcome else State.SUCCEEDED
    ImportJob.objects.filter(pk=job_id).update(state=state, finished_at=timezone.now(), **outcome)
    # The file held the people and units of a confidential plan: kept no longer
    # than it is needed (the job keeps its counts and errors).
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job_id).update(file="")
    return str(state)


def import_job_sweep() -> dict[str, list[int]]:
    """The periodic pass (Celery beat): enqueue again the jobs queued longer than
    IMPORT_JOB_REQUEUE_AFTER_SECONDS (Redis lost their task; claiming is by
    state, so a second task for one job does nothing), and fail those running
    longer than IMPORT_JOB_STALE_AFTER_SECONDS (their worker died mid-import, its
    transaction rolled back). No actor: only the system sweeps."""
    now = timezone.now()
    queued_before = now - dt.timedelta(seconds=settings.IMPORT_JOB_REQUEUE_AFTER_SECONDS)
    running_before = now - dt.timedelta(seconds=settings.IMPORT_JOB_STALE_AFTER_SECONDS)
    requeued = list(
        ImportJob.objects.filter(state=State.QUEUED, created_at__lt=queued_before).values_list(
            "pk", flat=True
        )
    )
    stale = list(
        ImportJob.objects.filter(state=State.RUNNING, started_at__lt=running_before).values_list(
            "pk", flat=True
        )
    )
    if stale:
        # The person's language is not known here; the sentence is the system's.
        ImportJob.objects.filter(pk__in=stale, state=State.RUNNING).update(
            state=State.FAILED,
            finished_at=now,
            errors=[_("The import was interrupted; nothing was saved. Import the file again.")],
        )
        for job in ImportJob.objects.filter(pk__in=stale):
            job.file.delete(save=False)
        ImportJob.objects.filter(pk__in=stale).update(file="")
    for pk in requeued:
        _enqueue(pk)
    return {"requeued": requeued, "failed": stale}


def _failure(refusal: ValidationError | DomainError) -> dict[str, Any]:
    """The refusal as the job keeps it: the sentences and rows of the 400."""
    sentences = refusal_messages(refusal)
    if isinstance(refusal, ValidationError) and hasattr(refusal, "error_dict"):
        sentences = refusal.message_dict.get("file", sentences)
    rows = list(getattr(refusal, "extra", {}).get("rows") or [])
    return {"errors": [str(sentence) for sentence in sentences], "rows": rows}
