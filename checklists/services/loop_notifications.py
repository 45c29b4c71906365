"""The draft-report loop tells the other side (SPEC §3, "Draft report"; §5,
notification): event → recipients → one notification each, exactly once.

| event | kind | recipients |
| --- | --- | --- |
| a revision uploaded | revision_uploaded | the visit's team, every role |
| a review asking for changes (one per review, its comments listed) | review | the host unit's contacts |
| a comment of the team outside a review round | review | the host unit's contacts |
| the host's explanation of a comment | explanation | the comment's author |
| an acceptance (`accepted` only, never `review` too) | accepted | the team, the host contacts, the coordinators in scope |

Never the person who acted; only active people; one row per person even when
they hold several roles. The services of the loop (checklists.services.reports,
report_reviews) call these functions inside the event's own transaction, so the
event and its notifications exist together or not at all. Each row carries the
event's key, unique with the recipient in the database (ON CONFLICT DO NOTHING):
running a step again for the same event, or two requests racing, never gives a
second row.

Each notification is written in its recipient's language and, for a recipient
with an e-mail address, is the outbox of its e-mail: `pending` (sent at once,
checklists.services.notification_delivery, enqueued after commit) or `digest`
(held for the recipient's daily digest), as their `notify` preference says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import translation

from checklists.models import (
    Notification,
    ReportRevision,
    Review,
    ReviewComment,
    TeamMembership,
    User,
    Visit,
)
from checklists.pages import revision_page
from checklists.services.loop_wording import (
    CommentLine,
    accepted_text,
    comment_added_text,
    explanation_text,
    review_text,
    revision_uploaded_text,
)
from checklists.services.notification_delivery import send_after_commit

Kind = Notification.Kind
Email = Notification.Email
# (title, body) in the active language.
Words = Callable[[], tuple[str, str]]

RECIPIENT_FIELDS = ("id", "language", "email", "notify", "host_unit_id")


# --- who ----------------------------------------------------------------------------------


def _team(visit: Visit) -> QuerySet[User]:
    return User.objects.filter(team_memberships__visit=visit)


def team_planners(visit: Visit) -> QuerySet[User]:
    """The team's lead and deputy (those who give verdicts)."""
    return User.objects.filter(
        team_memberships__visit=visit,
        team_memberships__role__in=[TeamMembership.Role.LEAD, TeamMembership.Role.DEPUTY],
    )


def _host_contacts(visit: Visit) -> QuerySet[User]:
    return User.objects.filter(host_unit_id=visit.host_unit_id)


def coordinators_in_scope(visit: Visit) -> QuerySet[User]:
    """Coordinators whose scope holds the host unit (everything, or a unit on its
    path). As for deadline escalations, a superuser is told only if they are a
    coordinator too, so an administrator's inbox is not every visit's."""
    path = visit.host_unit.path
    ancestors = ["/".join(path.split("/")[:n]) + "/" for n in range(2, path.count("/") + 1)]
    return User.objects.filter(is_coordinator=True).filter(
        Q(coordinator_scope__isnull=True) | Q(coordinator_scope__path__in=ancestors)
    )


def event_recipients(groups: Iterable[QuerySet[User]], acted_by: User | None) -> list[User]:
    """Everyone in the groups, once each, active, never the person who acted."""
    query = Q(pk__in=[])
    for group in groups:
        query |= Q(pk__in=group.values("pk"))
    people = User.objects.filter(query, is_active=True)
    if acted_by is not None:
        people = people.exclude(pk=acted_by.pk)
    return list(people.only(*RECIPIENT_FIELDS).order_by("pk"))


# --- the rows -----------------------------------------------------------------------------


def _email_state(person: User) -> str:
    if not person.email:
        return Email.NONE
    return Email.DIGEST if person.notify == User.Notify.DIGEST else Email.PENDING


def _notify(
    *,
    kind: str,
    key: str,
    revision: ReportRevision,
    recipients: Sequence[User],
    words: Words,
) -> list[int]:
    """A draft-report event: its notifications lead to the revision's page."""
    return notify_event(
        kind=kind,
        key=key,
        visit_id=revision.visit_id,
        url=revision_page(revision.visit_id, revision.pk),
        recipients=recipients,
        words=words,
    )


def notify_event(
    *,
    kind: str,
    key: str,
    visit_id: int | None,
    url: str,
    recipients: Sequence[User],
    words: Words,
    recommendation_id: int | None = None,
) -> list[int]:
    """Insert one notification per recipient for the event `key` (once: a row
    already there is left alone) and send the e-mails of those that go out one by
    one after commit. Returns the ids of the event's notifications. Every event
    that tells people something (the draft-report loop's, and the conclusion's and
    its recommendations', checklists.services.conclusion_notices) comes here."""
    if not recipients:
        return []
    rows = []
    for person in recipients:
        with translation.override(person.language or settings.LANGUAGE_CODE):
            title, body = words()
        rows.append(
            Notification(
                recipient_id=person.pk,
                kind=kind,
                title=title,
                body=body,
                visit_id=visit_id,
                recommendation_id=recommendation_id,
                url=url,
                event_key=key,
                email_state=_email_state(person),
            )
        )
    # ON CONFLICT DO NOTHING: the unique (recipient, event_key) is the last word,
    # whichever request inserts first.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    mine = Notification.objects.filter(
        event_key=key, recipient_id__in=[p.pk for p in recipients]
    ).values_list("pk", "email_state")
    ids = [pk for pk, _state in mine]
    send_after_commit([pk for pk, state in mine if state == Email.PENDING])
    return ids


def _visit_of(revision: ReportRevision) -> Visit:
    visit: Visit = revision.visit
    return visit


def notify_revision_uploaded(*, revision: ReportRevision, acted_by: User | None) -> list[int]:
    """A new revision reaches the visit's team."""
    visit = _visit_of(revision)
    return _notify(
        kind=Kind.REVISION_UPLOADED,
        key=f"revision:{revision.pk}",
        revision=revision,
        recipients=event_recipients([_team(visit)], acted_by),
        words=lambda: revision_uploaded_text(revision, visit, acted_by),
    )


def notify_reviewed(
    *, review: Review, comments: Sequence[CommentLine], acted_by: User | None
) -> list[int]:
    """A review: asking for changes reaches the host contacts (one notification,
    its comments listed); an acceptance reaches both sides and the coordinators
    in scope, as `accepted` only."""
    revision = review.revision
    visit = _visit_of(revision)
    key = f"review:{review.pk}"
    if review.decision == Review.Decision.ACCEPT:
        return _notify(
            kind=Kind.ACCEPTED,
            key=key,
            revision=revision,
            recipients=event_recipients(
                [_team(visit), _host_contacts(visit), coordinators_in_scope(visit)], acted_by
            ),
            words=lambda: accepted_text(revision, visit, acted_by),
        )
    return _notify(
        kind=Kind.REVIEW,
        key=key,
        revision=revision,
        recipients=event_recipients([_host_contacts(visit)], acted_by),
        words=lambda: review_text(revision, visit, acted_by, comments),
    )


def notify_comment_added(*, comment: ReviewComment, acted_by: User | None) -> list[int]:
    """A comment of the team outside a review round reaches the host contacts."""
    revision = comment.revision
    visit = _visit_of(revision)
    line = comment_line(comment)
    return _notify(
        kind=Kind.REVIEW,
        key=f"comment:{comment.pk}",
        revision=revision,
        recipients=event_recipients([_host_contacts(visit)], acted_by),
        words=lambda: comment_added_text(revision, visit, acted_by, line),
    )


def notify_explanation(
    *, comment: ReviewComment, answer_event_id: int, acted_by: User | None
) -> list[int]:
    """The host's explanation reaches the comment's author. Each answer is its own
    event (`answer_event_id`: the answer's audit event): a changed explanation is
    news again; running the step twice for one answer is not."""
    revision = comment.revision
    visit = _visit_of(revision)
    if comment.author_id is None:
        return []
    return _notify(
        kind=Kind.EXPLANATION,
        key=f"explanation:{comment.pk}:{answer_event_id}",
        revision=revision,
        recipients=event_recipients([User.objects.filter(pk=comment.author_id)], acted_by),
        words=lambda: explanation_text(revision, visit, acted_by, comment.text, comment.response),
    )


def comment_line(comment: ReviewComment) -> CommentLine:
    section = comment.section
    return CommentLine(text=comment.text, section=section.number if section is not None else "")
