"""The words of a deadline reminder (SPEC §8, §11): its title and one-line body,
shared by the in-app notification and the e-mail, and the e-mail itself, for a
milestone or a recommendation's deadline alike.

Every function renders in the active language; callers switch to the recipient's
with `translation.override` first.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.classification import marked
from checklists.models import Milestone, Recommendation, Reminder, Visit
from checklists.pages import recommendation_page, visit_page
from checklists.reminder_plan import ESCALATION
from checklists.validators import single_line
from checklists.wording import localised

# The words of a recommendation's text that a reminder quotes: enough to know
# which one it is, without its whole paragraph in a subject line.
RECOMMENDATION_WORDS = 20


def obligation_label(obligation: Milestone | Recommendation) -> str:
    """What a reminder names: a milestone's title, or a recommendation's code and
    the start of its text, in the active language."""
    if isinstance(obligation, Recommendation):
        text = Truncator(" ".join(obligation.text.split())).words(RECOMMENDATION_WORDS)
        return _("Recommendation %(code)s: %(text)s") % {"code": obligation.code, "text": text}
    return localised(obligation.title, obligation.title_en)


def reminder_text(
    obligation: Milestone | Recommendation, offset: str, *, today: dt.date | None = None
) -> tuple[str, str]:
    """(title, one-line body) of a reminder, in the active language.

    The days left or overdue are counted as the pages count them, from `today`: the
    local day the reminder is for (its `due_at`), so that its e-mail and its in-app
    notification say the same, whenever each is written."""
    visit: Visit = obligation.visit
    due_date = obligation.due_date
    assert due_date is not None  # only dated obligations are reminded
    names = {
        "milestone": obligation_label(obligation),
        "visit": str(visit),
        # A date inside a sentence ("due on 13/05/2024"): the short form, since the
        # long one starts with the weekday.
        "date": date_format(due_date, "SHORT_DATE_FORMAT"),
    }
    if offset == ESCALATION:
        title = _("Overdue: %(milestone)s (%(visit)s)") % names
        body = (
            _("“%(milestone)s” of the visit %(visit)s was due on %(date)s and is not met yet.")
            % names
        )
        return title, body
    # The offset chose the moment; the words follow the real date.
    days = ((today or timezone.localdate()) - due_date).days
    title = _("Deadline: %(milestone)s (%(visit)s)") % names
    if days == -1:
        # Its own message, not ngettext's singular: languages with one plural form
        # use that form for every count, so it must carry %(n)s.
        body = _("“%(milestone)s” is due tomorrow, %(date)s.") % names
    elif days < 0:
        body = ngettext(
            "“%(milestone)s” is due in %(n)s day, on %(date)s.",
            "“%(milestone)s” is due in %(n)s days, on %(date)s.",
            -days,
        ) % {**names, "n": -days}
    elif days == 0:
        body = _("“%(milestone)s” is due today, %(date)s.") % names
    else:
        body = ngettext(
            "“%(milestone)s” is %(n)s day overdue: it was due on %(date)s.",
            "“%(milestone)s” is %(n)s days overdue: it was due on %(date)s.",
            days,
        ) % {**names, "n": days}
    return title, body


def reminder_page(obligation: Milestone | Recommendation) -> str:
    """The page a reminder links to, relative to the site: a recommendation's own
    page, a milestone's visit."""
    if isinstance(obligation, Recommendation):
        return recommendation_page(obligation.pk)
    return visit_page(obligation.visit_id)


def reminder_email(reminder: Reminder, *, message_id: str) -> EmailMessage:
    """The reminder's e-mail to its recipient, in the active language. The
    Message-ID is the caller's: it stays the same for every try of one reminder."""
    obligation, recipient = reminder.obligation, reminder.recipient
    assert obligation.due_date is not None
    title, body = reminder_text(
        obligation, reminder.offset, today=timezone.localdate(reminder.due_at)
    )
    context = {
        "recipient": recipient,
        "title": title,
        "body": body,
        "visit": obligation.visit,
        "milestone_title": obligation_label(obligation),
        "due_date": date_format(obligation.due_date, "DATE_FORMAT"),  # a day shown alone
        "url": settings.SITE_URL + reminder_page(obligation),
        "link_label": (
            _("Open the recommendation")
            if isinstance(obligation, Recommendation)
            else _("Open the visit")
        ),
    }
    text = render_to_string("checklists/email/reminder.txt", context)
    # The official mark leads the subject of a classified visit's mail (SPEC §14).
    title = marked(obligation.visit.classification, title)
    return EmailMessage(
        # A header is one line whatever the database holds (a row written before
        # the one-line rule, or straight into the table).
        subject=single_line(title),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Message-ID": message_id},
    )
