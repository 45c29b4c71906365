"""A visit's conclusion (SPEC §11): the draft, its issue and its withdrawal.

Who does what (SPEC §4), checked here before anything is written:
- the draft is the team's and the coordinators'; the lead, deputy and secretary
  and the coordinators edit it (DRAFT_CONCLUSION); host contacts are told it does
  not exist (404) until it is issued;
- the lead, deputy and coordinators issue it (ISSUE_CONCLUSION); coordinators
  withdraw it (WITHDRAW_CONCLUSION);
- an issued conclusion is read by the host unit's contacts, and by the contacts of
  a unit below the host that a recommendation is addressed to.

Issuing is the only way a visit becomes `concluded` (visit_transition refuses it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import Conflict, NotAllowed, NotFound, StaleObjectError
from checklists.limits import (
    MAX_CONCLUSION_SECTION_TEXT,
    MAX_CONCLUSION_SUMMARY,
    MAX_REASON_TEXT,
)
from checklists.models import (
    ChecklistItem,
    Conclusion,
    ConclusionSection,
    User,
    Visit,
)
from checklists.policies import (
    FULL_ACCESS,
    PERMISSION_MESSAGES,
    Capability,
    Person,
    VisitAccess,
    visit_access,
)
from checklists.selectors.conclusions import addresses_unit_of, current_conclusion
from checklists.services.audit import acting_user, audit_record
from checklists.services.conclusion_notices import notify_conclusion_issued
from checklists.services.document_copies import conclusion_document_store
from checklists.services.recommendations import (
    RecommendationInput,
    recommendations_open,
    recommendations_replace,
    recommendations_to_draft,
)
from checklists.services.registers import register_take_number
from checklists.services.visit_setup import work_calendar

Status = Visit.Status

# The visit's statuses in which its conclusion may be drafted (before it is over).
DRAFTING_STATUSES = (Status.PLANNED, Status.ANNOUNCED, Status.IN_PROGRESS, Status.REPORTING)


@dataclass(frozen=True)
class SectionInput:
    """A section's text, named by its number (sections follow the outline; they are
    neither added nor removed)."""

    number: str
    strengths: str = ""
    shortcomings: str = ""


def _no_such_visit() -> NotFound:
    return NotFound(_("There is no such visit."))


def _no_conclusion() -> NotFound:
    return NotFound(_("This visit has no conclusion you may see yet."))


def _standing(actor: Person | None, visit: Visit, conclusion: Conclusion | None) -> VisitAccess:
    """The person's standing towards the visit, once they may see this conclusion;
    NotFound otherwise (a draft is hidden from host contacts, SPEC §4)."""
    if actor is None:
        return FULL_ACCESS
    access = visit_access(actor, visit)
    if conclusion is not None:
        if access.sees_conclusion_drafts:
            return access
        if conclusion.state == Conclusion.State.ISSUED and (
            access.host or addresses_unit_of(actor, visit)
        ):
            return access
    if not access.can_see and not addresses_unit_of(actor, visit):
        raise _no_such_visit()
    raise _no_conclusion()


def _require(access: VisitAccess, capability: Capability) -> None:
    if not access.allows(capability):
        raise NotAllowed(PERMISSION_MESSAGES[capability])


def _lock_visit(visit: Visit) -> str:
    """Lock the visit's row and read its status: issuing, withdrawing and closing
    one visit take turns."""
    return Visit.objects.select_for_update().values_list("status", flat=True).get(pk=visit.pk)


def _bump(conclusion: Conclusion) -> None:
    Conclusion.objects.filter(pk=conclusion.pk).update(
        row_version=F("row_version") + 1, updated_at=timezone.now()
    )
    conclusion.refresh_from_db(fields=["row_version", "updated_at"])


def _bump_visit(visit: Visit, status: str) -> None:
    Visit.objects.filter(pk=visit.pk).update(
        status=status, row_version=F("row_version") + 1, updated_at=timezone.now()
    )
    visit.refresh_from_db(fields=["status", "row_version", "updated_at"])


def _prefill_sections(conclusion: Conclusion) -> None:
    """One section per section of the visit's checklist, in its order, with the
    findings of its items written into `shortcomings`, one line per item
    ("2.3. <finding>"), and `strengths` left empty.

    Why all findings go to shortcomings: a checklist item has no sign telling a
    praise from a fault, and in practice the team writes a finding where something
    needs correcting (what went well is the report's own text). The team moves
    what is a strength by hand; nothing is guessed into the wrong column."""
    items = (
        ChecklistItem.objects.filter(visit_id=conclusion.visit_id)
        .order_by("section_position", "position", "id")
        .values_list("section_number", "section_title", "number", "finding")
    )
    sections: dict[str, tuple[str, list[str]]] = {}
    for section_number, section_title, number, finding in items:
        _title, lines = sections.setdefault(section_number, (section_title, []))
        if finding.strip():
            lines.append(f"{section_number}.{number}. {finding.strip()}")
    ConclusionSection.objects.bulk_create(
        ConclusionSection(
            conclusion=conclusion,
            number=number,
            title=title,
            position=position,
            shortcomings="\n".join(lines)[:MAX_CONCLUSION_SECTION_TEXT],
        )
        for position, (number, (title, lines)) in enumerate(sections.items(), start=1)
    )


def _draft_create(*, actor: Person | None, visit: Visit) -> Conclusion:
    conclusion = Conclusion.objects.create(visit=visit)
    _prefill_sections(conclusion)
    audit_record(
        actor=actor,
        action="create",
        obj=conclusion,
        visit_id=visit.pk,
        changes={"sections": conclusion.sections.count()},
    )
    return conclusion


def conclusion_for(*, actor: Person | None, visit: Visit) -> Conclusion:
    """The visit's conclusion as the person may see it: the issued one, or the
    draft for the team and the coordinators.

    The first time someone who may edit it asks, the draft is made, prefilled
    from the checklist (_prefill_sections); anyone else is told there is none yet.
    """
    conclusion = current_conclusion(visit)
    if conclusion is not None:
        _standing(actor, visit, conclusion)
        return conclusion
    access = FULL_ACCESS if actor is None else visit_access(actor, visit)
    if not access.can_see:
        _standing(actor, visit, None)  # raises: an addressee of a withdrawn one, or nobody
    if not access.can_draft_conclusion or visit.status not in DRAFTING_STATUSES:
        raise _no_conclusion()
    try:
        with transaction.atomic():
            _lock_visit(visit)
            return current_conclusion(visit) or _draft_create(actor=actor, visit=visit)
    except IntegrityError:
        # Another first reader made it at the same instant (the one-current rule).
        existing = current_conclusion(visit)
        if existing is None:
            raise
        return existing


def _current_for_acting(
    actor: Person | None, visit: Visit, capability: Capability, statuses: Sequence[str]
) -> Conclusion:
    """The current conclusion a person is about to act on, made (prefilled) when
    there is none yet and they may act. Refusals in SPEC §4's order: 404 for those
    who do not see the visit (or, as host contacts, the draft), 403 for the team
    members who see it without the right, 409 when the visit's status forbids it."""
    access = FULL_ACCESS if actor is None else visit_access(actor, visit)
    conclusion = current_conclusion(visit)
    if conclusion is None or conclusion.state == Conclusion.State.DRAFT:
        if access.sees_conclusion_drafts:
            _require(access, capability)
        else:
            _standing(actor, visit, None)  # raises NotFound
    if conclusion is None:
        if visit.status not in statuses:
            raise Conflict(
                _("This visit is %(status)s: its conclusion cannot be drafted or issued now.")
                % {"status": Status(visit.status).label},
                code="visit_status",
            )
        conclusion = conclusion_for(actor=actor, visit=visit)
    return conclusion


def _check_version(conclusion: Conclusion, expected_version: int | None) -> None:
    current = (
        Conclusion.objects.select_for_update()
        .values_list("row_version", flat=True)
        .get(pk=conclusion.pk)
    )
    if expected_version is not None and current != expected_version:
        raise StaleObjectError(
            _("This conclusion was changed by someone else. Reload it and try again."),
            current_version=current,
        )


def _check_text(errors: dict[str, list[str]], field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.setdefault(field, []).append(
            _("Give at most %(limit)s characters.") % {"limit": limit}
        )


def _update_sections(
    conclusion: Conclusion, sections: Sequence[SectionInput]
) -> dict[str, dict[str, str]]:
    existing = {s.number: s for s in conclusion.sections.all()}
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, given in enumerate(sections):
        if given.number not in existing:
            errors[f"sections[{index}].number"] = [
                _("This conclusion has no section “%(number)s”; its sections are %(known)s.")
                % {"number": given.number, "known": ", ".join(existing) or "—"}
            ]
        elif given.number in seen:
            errors[f"sections[{index}].number"] = [_("This section is given twice.")]
        seen.add(given.number)
        for field in ("strengths", "shortcomings"):
            _check_text(
                errors,
                f"sections[{index}].{field}",
                getattr(given, field),
                MAX_CONCLUSION_SECTION_TEXT,
            )
    if errors:
        raise ValidationError(errors)
    changed: dict[str, dict[str, str]] = {}
    for given in sections:
        section = existing[given.number]
        if (section.strengths, section.shortcomings) != (given.strengths, given.shortcomings):
            section.strengths, section.shortcomings = given.strengths, given.shortcomings
            section.save(update_fields=["strengths", "shortcomings"])
            changed[given.number] = {
                "strengths": given.strengths,
                "shortcomings": given.shortcomings,
            }
    return changed


@transaction.atomic
def conclusion_update(
    *,
    actor: Person | None,
    visit: Visit,
    expected_version: int | None = None,
    summary: str | None = None,
    sections: Sequence[SectionInput] | None = None,
    recommendations: Sequence[RecommendationInput] | None = None,
) -> Conclusion:
    """Save the draft (the API's PUT): its summary, its sections' text and, when
    given, its whole list of recommendations (created, edited, removed: matched by
    id; coded KN-01 … in the order given). What is left out stays as it is.
    All or nothing; a stale `expected_version` changes nothing (412)."""
    conclusion = _current_for_acting(actor, visit, Capability.DRAFT_CONCLUSION, DRAFTING_STATUSES)
    access = _standing(actor, visit, conclusion)
    _require(access, Capability.DRAFT_CONCLUSION)
    # Locks in one order everywhere (visit, conclusion, recommendations), so that a
    # save and an issue at once wait for each other instead of deadlocking.
    status = _lock_visit(visit)
    _check_version(conclusion, expected_version)
    conclusion.refresh_from_db()
    if conclusion.state != Conclusion.State.DRAFT:
        raise Conflict(
            _("The conclusion is issued and can no longer be changed; withdraw it first."),
            code="conclusion_issued",
        )
    if status not in DRAFTING_STATUSES:
        raise Conflict(
            _("This visit is %(status)s: its conclusion can no longer be drafted.")
            % {"status": Status(status).label},
            code="visit_not_drafting",
        )
    errors: dict[str, list[str]] = {}
    if summary is not None:
        _check_text(errors, "summary", summary, MAX_CONCLUSION_SUMMARY)
    if errors:
        raise ValidationError(errors)
    changes: dict[str, object] = {}
    if summary is not None and summary != conclusion.summary:
        changes["summary"] = {"from": conclusion.summary, "to": summary}
        conclusion.summary = summary
        conclusion.save(update_fields=["summary", "updated_at"])
    if sections is not None and (changed := _update_sections(conclusion, sections)):
        changes["sections"] = changed
    if recommendations is not None and (
        replaced := recommendations_replace(conclusion=conclusion, items=recommendations)
    ):
        changes["recommendations"] = replaced
    if changes:
        _bump(conclusion)
        audit_record(
            actor=actor, action="update", obj=conclusion, visit_id=visit.pk, changes=changes
        )
    return conclusion


def _require_content(conclusion: Conclusion) -> None:
    """An empty conclusion is not issued: it needs a summary or a section's text."""
    has_text = conclusion.summary.strip() or any(
        (s.strengths + s.shortcomings).strip() for s in conclusion.sections.all()
    )
    if not has_text:
        raise ValidationError(
            {
                "summary": _(
                    "The conclusion is empty: write its summary or a section's strengths "
                    "or shortcomings before issuing it."
                )
            }
        )


@transaction.atomic
def conclusion_issue(
    *,
    actor: Person | None,
    visit: Visit,
    signer: User | None = None,
    issued_on: dt.date | None = None,
    expected_version: int | None = None,
) -> Conclusion:
    """Issue the draft: the next number of the visit issuer's "KL" register (of the
    issue date's year), the recommendations opened with their due dates, the visit
    `concluded`, the people concerned told, the act audited.

    Two issues at once: the visit's row lock makes the second wait; it then finds
    the visit concluded and is refused (409), so a number is never taken twice."""
    conclusion = _current_for_acting(actor, visit, Capability.ISSUE_CONCLUSION, (Status.REPORTING,))
    access = _standing(actor, visit, conclusion)
    _require(access, Capability.ISSUE_CONCLUSION)
    status = _lock_visit(visit)
    conclusion.refresh_from_db()
    if conclusion.state != Conclusion.State.DRAFT:
        raise Conflict(_("This conclusion is already issued."), code="conclusion_issued")
    if status != Status.REPORTING:
        raise Conflict(
            _("A conclusion is issued while its visit is reporting; this visit is %(status)s.")
            % {"status": Status(status).label},
            code="visit_not_reporting",
        )
    _check_version(conclusion, expected_version)
    _require_content(conclusion)
    issued_on = issued_on or timezone.localdate()
    signer = signer if signer is not None else (actor if isinstance(actor, User) else None)
    if signer is not None and not signer.is_active:
        raise ValidationError({"signer": _("The signer's account is deactivated.")})
    # Due dates first: a refusal there must not have taken a number.
    opened = recommendations_open(
        conclusion=conclusion, issued_on=issued_on, calendar=work_calendar()
    )
    issuer = visit.issuer or visit.host_unit
    number = register_take_number(
        unit=issuer, type_code=Conclusion.REGISTER_TYPE, year=issued_on.year
    )
    Conclusion.objects.filter(pk=conclusion.pk).update(
        state=Conclusion.State.ISSUED,
        issuer=issuer,
        register_year=issued_on.year,
        number=number,
        issued_on=issued_on,
        issued_at=timezone.now(),
        issued_by=actor if isinstance(actor, User) else None,
        signer=signer,
        issued_recommendations=opened,
    )
    _bump(conclusion)
    conclusion.refresh_from_db()
    _bump_visit(visit, Status.CONCLUDED)
    # Its official copy, frozen now with its number (SPEC §12).
    document = conclusion_document_store(conclusion=conclusion, issued_by=acting_user(actor))
    audit_record(
        actor=actor,
        action="issue",
        obj=conclusion,
        visit_id=visit.pk,
        changes={
            "number": number,
            "issuer": issuer.code,
            "issued_on": issued_on.isoformat(),
            "signer": signer.get_username() if signer is not None else None,
            "recommendations": opened,
            "visit_status": {"from": status, "to": Status.CONCLUDED},
            "document": {"id": document.pk, "sha256": document.sha256},
        },
    )
    notify_conclusion_issued(conclusion=conclusion, acted_by=acting_user(actor))
    return conclusion


@transaction.atomic
def conclusion_withdraw(*, actor: Person | None, visit: Visit, reason: str) -> Conclusion:
    """Withdraw the issued conclusion (coordinators): it stays on record as
    `withdrawn` with its number; a draft copy of it takes its place, the
    recommendations move to that copy as drafts (their reports stay theirs), and
    the visit goes back to `reporting`. Returns the new draft."""
    conclusion = current_conclusion(visit)
    access = _standing(actor, visit, conclusion)
    _require(access, Capability.WITHDRAW_CONCLUSION)
    assert conclusion is not None
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the conclusion is withdrawn.")})
    if len(reason) > MAX_REASON_TEXT:
        raise ValidationError(
            {"reason": _("Give at most %(limit)s characters.") % {"limit": MAX_REASON_TEXT}}
        )
    status = _lock_visit(visit)
    conclusion.refresh_from_db()
    if conclusion.state != Conclusion.State.ISSUED:
        raise Conflict(_("Only an issued conclusion can be withdrawn."), code="not_issued")
    if status != Status.CONCLUDED:
        raise Conflict(
            _("This visit is %(status)s: its conclusion can no longer be withdrawn.")
            % {"status": Status(status).label},
            code="visit_not_concluded",
        )
    Conclusion.objects.filter(pk=conclusion.pk).update(
        state=Conclusion.State.WITHDRAWN,
        withdrawn_at=timezone.now(),
        withdrawn_by=actor if isinstance(actor, User) else None,
        withdraw_reason=reason,
    )
    _bump(conclusion)
    draft = Conclusion.objects.create(
        visit=visit, summary=conclusion.summary, copied_from=conclusion
    )
    ConclusionSection.objects.bulk_create(
        ConclusionSection(
            conclusion=draft,
            number=s.number,
            title=s.title,
            position=s.position,
            strengths=s.strengths,
            shortcomings=s.shortcomings,
        )
        for s in conclusion.sections.all()
    )
    moved = recommendations_to_draft(source=conclusion, target=draft)
    _bump_visit(visit, Status.REPORTING)
    audit_record(
        actor=actor,
        action="withdraw",
        obj=conclusion,
        visit_id=visit.pk,
        changes={
            "number": conclusion.number,
            "reason": reason,
            "draft": draft.pk,
            "recommendations": moved,
            "visit_status": {"from": status, "to": Status.REPORTING},
        },
    )
    return draft
