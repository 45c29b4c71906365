"""The words of the draft-report loop's notifications (SPEC §3, "Draft report"):
each event's title and body, shared by the in-app notification and its e-mail,
and the e-mails themselves (one by one, or the daily digest).

Every function renders in the active language; callers switch to the
recipient's with `translation.override` first. The in-app notification keeps
the title and body as written for its recipient, and the e-mail says the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.classification import Classification, marked
from checklists.models import Notification, ReportRevision, User, Visit
from checklists.validators import single_line

Kind = Notification.Kind
# The draft-report loop's own kinds: a digest of only these says so in its subject.
DRAFT_REPORT_KINDS = frozenset(
    {Kind.REVISION_UPLOADED, Kind.REVIEW, Kind.EXPLANATION, Kind.ACCEPTED}
)

# A review's comments listed in its notification; the rest are counted.
LISTED_COMMENTS = 10
# Quoted text (a comment, an explanation) is cut at this many characters.
QUOTE_CHARACTERS = 300
TITLE_CHARACTERS = 500


@dataclass(frozen=True)
class CommentLine:
    text: str
    section: str = ""  # the outline section's number ("III"), if any


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARACTERS else text[: QUOTE_CHARACTERS - 1] + "…"


def _names(revision: ReportRevision, visit: Visit, acted_by: User | None) -> dict[str, object]:
    return {
        "number": revision.number,
        "visit": str(visit),
        "person": str(acted_by) if acted_by is not None else _("The system"),
    }


def _title(kind: str, names: dict[str, object]) -> str:
    """Every loop notification's title: what happened (the kind's name, as the
    pages show it), which revision, which visit."""
    event = Kind(kind).label
    title = _("%(event)s: revision %(number)s (%(visit)s)") % {**names, "event": event}
    return title[:TITLE_CHARACTERS]


def revision_uploaded_text(
    revision: ReportRevision, visit: Visit, acted_by: User | None
) -> tuple[str, str]:
    names = {**_names(revision, visit, acted_by), "filename": revision.original_name}
    title = _title(Kind.REVISION_UPLOADED, names)
    body = _("%(person)s uploaded revision %(number)s of the draft report: %(filename)s.") % names
    return title, body


def review_text(
    revision: ReportRevision, visit: Visit, acted_by: User | None, comments: Sequence[CommentLine]
) -> tuple[str, str]:
    """A review asking for changes: one notification, its comments listed."""
    names = {**_names(revision, visit, acted_by), "n": len(comments)}
    title = _title(Kind.REVIEW, names)
    if not comments:
        return title, (_("%(person)s asked for changes to revision %(number)s.") % names)
    lines = [
        ngettext(
            "%(person)s asked for changes to revision %(number)s, with %(n)s comment:",
            "%(person)s asked for changes to revision %(number)s, with %(n)s comments:",
            len(comments),
        )
        % names
    ]
    for comment in comments[:LISTED_COMMENTS]:
        prefix = f"[{comment.section}] " if comment.section else ""
        lines.append(f"– {prefix}{_quote(comment.text)}")
    more = len(comments) - LISTED_COMMENTS
    if more > 0:
        lines.append(
            ngettext("… and %(n)s more comment.", "… and %(n)s more comments.", more) % {"n": more}
        )
    return title, "\n".join(lines)


def comment_added_text(
    revision: ReportRevision, visit: Visit, acted_by: User | None, comment: CommentLine
) -> tuple[str, str]:
    """A comment of the team outside a review round."""
    prefix = f"[{comment.section}] " if comment.section else ""
    names = {**_names(revision, visit, acted_by), "text": prefix + _quote(comment.text)}
    title = _title(Kind.REVIEW, names)
    body = _("%(person)s commented: %(text)s") % names
    return title, body


def explanation_text(
    revision: ReportRevision, visit: Visit, acted_by: User | None, comment: str, response: str
) -> tuple[str, str]:
    """The host's explanation (giải trình), to the comment's author."""
    names = {
        **_names(revision, visit, acted_by),
        "comment": _quote(comment),
        "response": _quote(response),
    }
    title = _title(Kind.EXPLANATION, names)
    body = _("%(person)s answered your comment “%(comment)s”: %(response)s") % names
    return title, body


def accepted_text(revision: ReportRevision, visit: Visit, acted_by: User | None) -> tuple[str, str]:
    names = _names(revision, visit, acted_by)
    title = _title(Kind.ACCEPTED, names)
    body = _("%(person)s accepted revision %(number)s of the draft report.") % names
    return title, body


# --- e-mails ------------------------------------------------------------------------------


def _greeting(recipient: User) -> str:
    return _("Hello %(name)s,") % {"name": recipient.full_name or recipient.username}


def notification_email(notification: Notification, *, message_id: str) -> EmailMessage:
    """One notification's e-mail to its recipient, in the active language; the
    subject carries the visit's classification mark (SPEC §14)."""
    recipient = notification.recipient
    visit = notification.visit
    text = render_to_string(
        "checklists/email/notification.txt",
        {
            "greeting": _greeting(recipient),
            "title": notification.title,
            "body": notification.body,
            "visit": visit,
            "url": settings.SITE_URL + notification.link if notification.link else "",
        },
    )
    subject = marked(visit.classification, notification.title) if visit else notification.title
    return EmailMessage(
        # A header is one line whatever the database holds.
        subject=single_line(subject),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Message-ID": message_id},
    )


def highest_classification(values: Sequence[str]) -> str:
    """The strictest of the classifications given (a digest's subject carries it)."""
    order = list(Classification.values)
    known = [value for value in values if value in order]
    return max(known, key=order.index) if known else Classification.NONE


def digest_email(
    recipient: User, notifications: Sequence[Notification], *, message_id: str
) -> EmailMessage:
    """The daily digest of the draft-report loop's notifications, in the active
    language; its subject carries the strictest mark of the visits it names."""
    count = len(notifications)
    if all(n.kind in DRAFT_REPORT_KINDS for n in notifications):
        subject = ngettext(
            "Draft reports: %(n)s notification", "Draft reports: %(n)s notifications", count
        ) % {"n": count}
    else:
        # Conclusions and their follow-up share the digest (SPEC §11).
        subject = ngettext(
            "Inspections: %(n)s notification", "Inspections: %(n)s notifications", count
        ) % {"n": count}
    classification = highest_classification(
        [n.visit.classification for n in notifications if n.visit is not None]
    )
    entries = [
        {
            "title": n.title,
            "body": n.body,
            "url": settings.SITE_URL + n.link if n.link else "",
        }
        for n in notifications
    ]
    text = render_to_string(
        "checklists/email/digest.txt",
        {"greeting": _greeting(recipient), "entries": entries, "count": count},
    )
    return EmailMessage(
        subject=single_line(marked(classification, subject)),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Message-ID": message_id},
    )
