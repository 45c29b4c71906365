"""Two revisions of a draft report compared (SPEC §3, §5 `diff`), kept.

The comparison itself is checklists.comparison (pure); here it is kept in
RevisionComparison and read:

- the worker computes a revision against the previous one as soon as both texts
  are ready (revision_comparisons_after_text, from the text extraction), and the
  text sweep fills in any it missed (revision_comparisons_missing);
- report_revision_diff, for a person, reads the kept result, computing and keeping
  it first for a pair nobody asked for before (any two revisions of a visit).

Keeping is race-safe: the pair is unique in the database, and a computation that
loses the race to insert reads the winner's row (get_or_create), so two requests
for the same new pair both answer. checklists.services.reports re-exports the
door (report_revision_diff, TextNotReady).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.comparison import ALGORITHM, compare_texts, unified_diff
from checklists.coverage import SectionRef
from checklists.errors import Conflict
from checklists.models import OutlineSection, Visit
from checklists.models.reports import ReportRevision, RevisionComparison
from checklists.policies import Capability, Person, authorize

__all__ = [
    "RevisionDiff",
    "TextNotReady",
    "report_revision_diff",
    "require_ready",
    "require_text",
    "revision_comparison_keep",
    "revision_comparisons_after_text",
    "revision_comparisons_missing",
]

READY = ReportRevision.TextStatus.READY


class TextNotReady(Conflict):
    """The revision's text is not extracted (yet, or at all): no diff or coverage
    (409, until the extraction ends or a readable revision arrives)."""

    slug = "text-not-ready"

    def __init__(self, revision: ReportRevision) -> None:
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
        self.revision = revision


def require_ready(revision: ReportRevision) -> None:
    if revision.text_status != READY:
        raise TextNotReady(revision)


def require_text(revision: ReportRevision) -> str:
    require_ready(revision)
    return revision.text


@dataclass(frozen=True)
class RevisionDiff:
    """A kept comparison as the doors show it (SPEC §5 `diff`)."""

    revision: ReportRevision
    against: ReportRevision
    unified_diff: str
    sections: list[dict[str, Any]]
    inserted: int
    deleted: int


def _outline_sections(visit_id: int) -> list[SectionRef]:
    # One query: the visit's outline by subquery, whether or not the visit is loaded.
    rows = OutlineSection.objects.filter(
        outline_id=Visit.objects.filter(pk=visit_id).values("outline_id")[:1]
    ).order_by("position", "id")
    return [SectionRef(s.number, s.title) for s in rows]


def revision_comparison_keep(
    *, revision: ReportRevision, against: ReportRevision, unified: bool = True
) -> RevisionComparison:
    """The kept comparison of `revision` with `against` (two revisions of one visit,
    both texts ready: raises TextNotReady otherwise), computed and kept when there
    is none yet or it was computed by an older algorithm. The system's act: the
    callers check who asks. Without `unified`, the unified diff is not read.

    The texts are read only to compute: a kept comparison needs neither, so the
    callers may pass revisions loaded without them (a 30-page text is some
    100 KB a revision)."""
    require_ready(revision)
    require_ready(against)
    kept_rows = RevisionComparison.objects.filter(revision=revision, against=against)
    kept = (kept_rows if unified else kept_rows.defer("unified_diff")).first()
    if kept is not None and kept.algorithm == ALGORITHM:
        return kept
    comparison = compare_texts(against.text, revision.text, _outline_sections(revision.visit_id))
    values = {
        "result": {"sections": comparison.sections},
        "unified_diff": comparison.unified_body,
        "inserted": comparison.inserted,
        "deleted": comparison.deleted,
        "algorithm": ALGORITHM,
        "computed_at": timezone.now(),
    }
    if kept is not None:
        # Computed again with the current algorithm; the same answer whoever writes last.
        RevisionComparison.objects.filter(pk=kept.pk).update(**values)
        kept.refresh_from_db()
        return kept
    kept, _created = RevisionComparison.objects.get_or_create(
        revision=revision, against=against, defaults=values
    )
    return kept


def report_revision_diff(
    *,
    actor: Person | None,
    revision: ReportRevision,
    against: ReportRevision,
    unified: bool = True,
) -> RevisionDiff:
    """The comparison of `revision` with `against`, another revision of the same
    visit, for whoever sees the visit: the kept result (raises TextNotReady while
    a text is not extracted). Without `unified` (a page that shows the sections
    only), `unified_diff` is empty and not read."""
    authorize(actor, revision.visit, Capability.SEE)
    if against.visit_id != revision.visit_id:
        raise ValidationError({"against": _("This visit has no revision with that id.")})
    kept = revision_comparison_keep(revision=revision, against=against, unified=unified)
    return RevisionDiff(
        revision=revision,
        against=against,
        unified_diff=unified_diff(
            kept.unified_diff,
            old_label=_("revision %(number)d") % {"number": against.number},
            new_label=_("revision %(number)d") % {"number": revision.number},
        )
        if unified
        else "",
        sections=kept.result["sections"],
        inserted=kept.inserted,
        deleted=kept.deleted,
    )


def revision_comparisons_after_text(*, revision_id: int) -> list[RevisionComparison]:
    """Once a revision's text is ready (the extraction just wrote it): keep its
    comparison with the previous revision, and the next revision's with it, for
    each whose other text is ready too. A no-op for a revision not ready or gone."""
    revision = ReportRevision.objects.filter(pk=revision_id, text_status=READY).first()
    if revision is None:
        return []
    neighbours = {
        r.number: r
        for r in ReportRevision.objects.filter(
            visit_id=revision.visit_id,
            number__in=[revision.number - 1, revision.number + 1],
            text_status=READY,
        )
    }
    kept = []
    if (previous := neighbours.get(revision.number - 1)) is not None:
        kept.append(revision_comparison_keep(revision=revision, against=previous))
    if (following := neighbours.get(revision.number + 1)) is not None:
        kept.append(revision_comparison_keep(revision=following, against=revision))
    return kept


def revision_comparisons_missing(*, limit: int = 50) -> list[RevisionComparison]:
    """For the text sweep: keep the comparisons with the previous revision that the
    worker missed (it stopped between writing a text and comparing), newest first,
    at most `limit` a pass. A pair is missing when both texts are ready and no
    comparison of the pair is kept; the NOT EXISTS uses the pair's unique index."""
    previous = ReportRevision.objects.filter(
        visit_id=OuterRef("visit_id"), number=OuterRef("number") - 1, text_status=READY
    )
    kept = RevisionComparison.objects.filter(
        revision_id=OuterRef("pk"), against__visit_id=OuterRef("visit_id")
    ).filter(against__number=OuterRef("number") - 1)
    missing = (
        ReportRevision.objects.filter(Q(number__gt=1), text_status=READY)
        .filter(Exists(previous), ~Exists(kept))
        .order_by(F("text_extracted_at").desc(nulls_last=True), "-pk")[:limit]
    )
    done = []
    for revision in missing:
        against = ReportRevision.objects.get(visit_id=revision.visit_id, number=revision.number - 1)
        done.append(revision_comparison_keep(revision=revision, against=against))
    return done
