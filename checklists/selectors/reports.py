"""Reads of draft reports: the revisions and comments a person sees, shaped for
the API and the pages alike (one query each)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from checklists.models import OutlineSection, ReportRevision, ReviewComment, User, Visit
from checklists.selectors import visits_visible_to, with_team_role
from checklists.statements import KeyedStatement


def with_open_comment_count(queryset: QuerySet[ReportRevision]) -> QuerySet[ReportRevision]:
    """Annotate `open_comment_count`, the revision's comments still open (the
    serializer's `open_comments` and the pages' badge)."""
    return queryset.annotate(
        open_comment_count=Count("comments", filter=Q(comments__state=ReviewComment.State.OPEN))
    )


@dataclass(frozen=True)
class CommentCounts:
    """A revision's comments still open, and of those the ones the host has not
    explained yet (the pages' counters)."""

    open: int
    unanswered: int


def revision_comment_counts(revision: ReportRevision | int) -> CommentCounts:
    """The counters of one revision's comments, in one query: read again after each
    change of a comment, so a page's counters never lag behind its list."""
    revision_id = revision if isinstance(revision, int) else revision.pk
    still_open = Q(state=ReviewComment.State.OPEN)
    counts = ReviewComment.objects.filter(revision_id=revision_id).aggregate(
        open=Count("id", filter=still_open),
        unanswered=Count("id", filter=still_open & Q(response="")),
    )
    return CommentCounts(open=counts["open"], unanswered=counts["unanswered"])


def revisions_visible_to(user: User) -> QuerySet[ReportRevision]:
    """Revisions of the visits a person sees (a subquery: no duplicate rows)."""
    return ReportRevision.objects.filter(visit__in=visits_visible_to(user).values("pk"))


def revision_visible_to(user: User | AnonymousUser, revision_id: int) -> ReportRevision | None:
    """One revision the person sees, with its visit loaded with the person's team
    role (checklists.policies.authorize then asks nothing more); None when they
    may not see it."""
    if not isinstance(user, User):
        return None
    revision = revisions_visible_to(user).filter(pk=revision_id).first()
    if revision is None:
        return None
    visit = (
        with_team_role(visits_visible_to(user), user)
        .select_related("host_unit")
        .filter(pk=revision.visit_id)
        .first()
    )
    if visit is None:  # the visit went out of sight between the two reads
        return None
    revision.visit = visit
    return revision


def visit_revisions(visit: Visit | int) -> QuerySet[ReportRevision]:
    """A visit's revisions with their open-comment count (the API's list)."""
    visit_id = visit if isinstance(visit, int) else visit.pk
    return with_open_comment_count(ReportRevision.objects.filter(visit_id=visit_id))


def visit_report_revisions(visit_id: int) -> QuerySet[ReportRevision]:
    """A visit's draft-report revisions, newest first, with the uploader and the
    number of comments still open (one query); without their texts, which the
    pages listing them do not show (a 30-page text is some 100 KB)."""
    return (
        visit_revisions(visit_id)
        .select_related("uploaded_by")
        .defer("text", "text_error")
        .order_by("-number")
    )


# The visit page's list and the revision page's, compiled once per connection
# (checklists.statements): their SQL depends on the visit's id alone.
VISIT_REPORT_REVISIONS: KeyedStatement[ReportRevision] = KeyedStatement(visit_report_revisions)


def revision_with_open_count(revision_id: int) -> ReportRevision:
    """One revision as the API shows it, with its open-comment count."""
    return with_open_comment_count(ReportRevision.objects.filter(pk=revision_id)).get()


def revision_comments(revision: ReportRevision | int) -> QuerySet[ReviewComment]:
    """A revision's comments in the order they were written, each with its author,
    section, the person who answered it and, for a carried-over comment, the
    revision it came from (one query).

    Given the revision itself, every comment read comes back pointing at that same
    instance (and so at its visit, as loaded): the services' permission check on
    a comment then costs no query."""
    comments = (
        revision.comments.all()
        if isinstance(revision, ReportRevision)
        else ReviewComment.objects.filter(revision_id=revision)
    )
    # The revision a comment came from is shown by its number: its text (some
    # 100 KB for a 30-page report, once per carried comment) is left unread.
    return (
        comments.select_related("author", "section", "responded_by", "carried_from__revision")
        .defer("carried_from__revision__text", "carried_from__revision__text_error")
        .order_by("created_at", "id")
    )


def outline_sections_of(visit: Visit) -> list[OutlineSection]:
    """The sections of the visit's outline, in outline order (the review forms'
    choices)."""
    return list(
        OutlineSection.objects.filter(outline_id=visit.outline_id).order_by("position", "id")
    )
