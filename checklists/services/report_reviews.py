"""Draft reports: the team's reviews, their comments and the host's explanations
(SPEC §3, §7). Re-exported by checklists.services.reports, the reports' one door.

Who does what (SPEC §4), checked here before anything is read for writing:
the team and coordinators review, comment and settle comments (REVIEW); the host
unit's contacts and coordinators answer them (ANSWER_COMMENTS).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import TransitionNotAllowed
from checklists.limits import MAX_COMMENT_TEXT, MAX_COMMENTS_PER_REVIEW
from checklists.models import Milestone, OutlineSection, User, Visit
from checklists.models.reports import ReportRevision, Review, ReviewComment
from checklists.policies import Capability, Person, authorize
from checklists.services.audit import audit_record
from checklists.services.checklist import milestone_meet
from checklists.services.loop_notifications import (
    CommentLine,
    notify_comment_added,
    notify_explanation,
    notify_reviewed,
)

DRAFT_MILESTONE = "draft_report_due"
FINAL_MILESTONE = "final_report_due"


@dataclass(frozen=True)
class CommentInput:
    text: str
    section: int | str | None = None


def person(actor: Person | None) -> User | None:
    """The actor as a row's author: None for the system."""
    return actor if isinstance(actor, User) and actor.pk else None


def meet_milestone(*, actor: Person | None, visit: Visit, key: str) -> None:
    """Meet the visit's deadline `key` as a consequence of the actor's act (the
    first upload meets the draft's, an acceptance the final report's)."""
    milestone = (
        Milestone.objects.select_for_update().filter(visit=visit, key=key, done_at=None).first()
    )
    if milestone is not None:
        # The actor's own act (an upload, an acceptance) was checked; meeting the
        # deadline is its consequence, not a mark of their own.
        milestone_meet(actor=person(actor), milestone=milestone)


def carry_open_comments(*, source: ReportRevision, target: ReportRevision) -> int:
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


def _clean_text(value: str, field: str, *, empty: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > MAX_COMMENT_TEXT:
        # The API's wording of the same limit (api.fields, api.filters).
        raise ValidationError(
            {field: _("Give at most %(limit)s characters.") % {"limit": MAX_COMMENT_TEXT}}
        )
    return text


def _clean_comments(
    visit: Visit, comments: list[CommentInput]
) -> list[tuple[str, OutlineSection | None]]:
    if len(comments) > MAX_COMMENTS_PER_REVIEW:
        raise ValidationError(
            {"comments": _("Give at most %(maximum)s.") % {"maximum": MAX_COMMENTS_PER_REVIEW}}
        )
    cleaned = []
    for index, comment in enumerate(comments):
        text = _clean_text(comment.text, f"comments[{index}].text", empty=_("Write the comment."))
        cleaned.append((text, _section_for(visit, comment.section, f"comments[{index}].section")))
    return cleaned


@transaction.atomic
def report_revision_review(
    *,
    actor: Person | None,
    revision: ReportRevision,
    decision: str,
    comments: list[CommentInput] | None = None,
) -> Review:
    """The team's decision on a revision: accept it (meets the final-report
    deadline) or request changes, with comments optionally tied to sections."""
    # Checked on the caller's instance, whose visit may carry the team role
    # (selectors.with_team_role), before the row is read again under lock.
    authorize(actor, revision.visit, Capability.REVIEW)
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
    review = Review.objects.create(revision=revision, reviewer=person(actor), decision=decision)
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
        actor=person(actor),
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
        meet_milestone(actor=actor, visit=revision.visit, key=FINAL_MILESTONE)
    # One notification per review (its comments listed), in the review's transaction.
    notify_reviewed(
        review=review,
        comments=[CommentLine(t, s.number if s is not None else "") for t, s in cleaned],
        acted_by=person(actor),
    )
    return review


@transaction.atomic
def report_comment_add(
    *,
    actor: Person | None,
    revision: ReportRevision,
    text: str,
    section: int | str | None = None,
) -> ReviewComment:
    """A comment of the team outside a review round."""
    authorize(actor, revision.visit, Capability.REVIEW)
    revision = ReportRevision.objects.select_related("visit").get(pk=revision.pk)
    _require_current(revision)
    [(clean_text, clean_section)] = _clean_comments(
        revision.visit, [CommentInput(text=text, section=section)]
    )
    comment = ReviewComment.objects.create(
        revision=revision, author=person(actor), section=clean_section, text=clean_text
    )
    audit_record(
        actor=person(actor),
        action="comment",
        obj=comment,
        visit_id=revision.visit_id,
        changes={"revision": revision.number, "text": clean_text},
    )
    notify_comment_added(comment=comment, acted_by=person(actor))
    return comment


# What each change of a comment asks of the person (SPEC §4): the host answers,
# the team judges.
COMMENT_CHANGES = {"response": Capability.ANSWER_COMMENTS, "state": Capability.REVIEW}


@transaction.atomic
def report_comment_update(
    *,
    actor: Person | None,
    comment: ReviewComment,
    response: str | None = None,
    state: str | None = None,
) -> ReviewComment:
    """Answer a comment (`response`) and/or settle it (`state`), all or nothing:
    every change sent is authorised before any is made."""
    changes = {"response": response, "state": state}
    for name, capability in COMMENT_CHANGES.items():
        if changes[name] is not None:
            authorize(actor, comment.revision.visit, capability)
    if response is not None:
        comment = _comment_answer(actor=actor, comment=comment, response=response)
    if state is not None:
        comment = _comment_set_state(actor=actor, comment=comment, state=state)
    return comment


def report_comment_answer(
    *, actor: Person | None, comment: ReviewComment, response: str
) -> ReviewComment:
    """The host's explanation (giải trình) of one comment."""
    return report_comment_update(actor=actor, comment=comment, response=response)


def report_comment_set_state(
    *, actor: Person | None, comment: ReviewComment, state: str
) -> ReviewComment:
    """The team marks a comment resolved or not accepted (or open again)."""
    return report_comment_update(actor=actor, comment=comment, state=state)


def _locked_comment(comment: ReviewComment) -> ReviewComment:
    return (
        ReviewComment.objects.select_for_update()
        .select_related("revision__visit")
        .get(pk=comment.pk)
    )


def _comment_answer(
    *, actor: Person | None, comment: ReviewComment, response: str
) -> ReviewComment:
    comment = _locked_comment(comment)
    _require_current(comment.revision)
    response = _clean_text(response, "response", empty=_("Write the explanation."))
    before = comment.response
    comment.response = response
    comment.responded_by = person(actor)
    comment.responded_at = timezone.now()
    comment.save(update_fields=["response", "responded_by", "responded_at", "updated_at"])
    event = audit_record(
        actor=person(actor),
        action="answer",
        obj=comment,
        visit_id=comment.revision.visit_id,
        changes={"response": {"from": before, "to": response}},
    )
    if response != before:
        # The same words sent again (a double submit) are no news to the author.
        notify_explanation(comment=comment, answer_event_id=event.pk, acted_by=person(actor))
    return comment


def _comment_set_state(
    *, actor: Person | None, comment: ReviewComment, state: str
) -> ReviewComment:
    comment = _locked_comment(comment)
    _require_current(comment.revision)
    if state not in ReviewComment.State.values:
        raise ValidationError({"state": _("Choose open, resolved or not_accepted.")})
    before = comment.state
    if before == state:
        return comment
    comment.state = state
    comment.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=person(actor),
        action="comment_state",
        obj=comment,
        visit_id=comment.revision.visit_id,
        changes={"state": {"from": before, "to": state}},
    )
    return comment
