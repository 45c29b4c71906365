"""The filters of the dashboard pages (GET forms: they work without JavaScript).

A value a filter cannot understand is left out and named in a message on the
page; the other filters still apply. Nothing here decides who sees what: the
views start from checklists.selectors and only narrow it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from checklists.limits import MAX_SEARCH_TEXT
from checklists.models import CalendarFeed, Unit, User, Visit
from checklists.selectors.feeds import feed_units_named, feed_visits_named
from checklists.selectors.overview import DEFAULT_SORT, RUNNING, OverviewFilters
from checklists.validators import one_line
from web.forms_units import UnitFilterForm
from web.widgets import LongSelect


class DeadlineFilterForm(forms.Form):
    """ "My deadlines": how far ahead to look, and, for coordinators, whether to see
    every visit of their scope or only those they are on the team of or host."""

    SCOPE_ALL, SCOPE_MINE = "all", "mine"
    HORIZONS = {"7": 7, "30": 30, "90": 90, "all": None}
    DEFAULT_HORIZON = "30"

    horizon = forms.ChoiceField(
        label=_("Upcoming within"),
        required=False,
        widget=LongSelect,
        choices=[
            ("7", _("7 days")),
            ("30", _("30 days")),
            ("90", _("90 days")),
            ("all", _("any time")),
        ],
    )
    scope = forms.ChoiceField(
        label=_("Visits"),
        required=False,
        widget=LongSelect,
        choices=[
            (SCOPE_ALL, _("All visits I coordinate or see")),
            (SCOPE_MINE, _("Only visits I am on the team of or host")),
        ],
    )

    def __init__(self, data=None, *, coordinator: bool, **kwargs):
        if data is not None and not data.get("horizon"):
            # Absent (a page link, say): the default, shown as chosen.
            data = data.copy()
            data["horizon"] = self.DEFAULT_HORIZON
        super().__init__(data, **kwargs)
        self.fields["horizon"].initial = self.DEFAULT_HORIZON
        if not coordinator:
            # For anyone else, everything they see is "theirs": nothing to choose.
            del self.fields["scope"]

    def value(self, name: str, default: str) -> str:
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get(name) or default

    def until(self, today: dt.date) -> dt.date | None:
        days = self.HORIZONS[self.value("horizon", self.DEFAULT_HORIZON)]
        return None if days is None else today + dt.timedelta(days=days)

    @property
    def mine(self) -> bool:
        return "scope" not in self.fields or self.value("scope", self.SCOPE_ALL) == self.SCOPE_MINE


class OverviewFilterForm(UnitFilterForm):
    """The overview's filters and sort order."""

    DEFAULT_SORT = DEFAULT_SORT

    q = forms.CharField(
        label=_("Search code or title"), required=False, max_length=MAX_SEARCH_TEXT, strip=True
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=LongSelect,
        choices=[
            ("", _("Any status")),
            (RUNNING, _("Running (not closed or cancelled)")),
            *Visit.Status.choices,
        ],
    )
    session_from = forms.DateField(
        label=_("Sessions from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    session_to = forms.DateField(
        label=_("Sessions until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("Only visits with overdue deadlines"), required=False)
    sort = forms.ChoiceField(
        label=_("Order by"),
        required=False,
        widget=LongSelect,
        choices=[
            ("-overdue", _("Most overdue first")),
            ("-first_session", _("Latest session first")),
            ("first_session", _("Earliest session first")),
            ("code", _("Code")),
            ("title", _("Title")),
            ("status", _("Status")),
        ],
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("session_from"), cleaned.get("session_to")
        if start and end and end < start:
            self.add_error("session_to", _("The end of the period must not be before its start."))
            cleaned.pop("session_to", None)
        return cleaned

    def filters(self) -> OverviewFilters:
        """Every filter that was understood, and the order."""
        data = getattr(self, "cleaned_data", {})
        unit = data.get("unit")
        return OverviewFilters(
            text=data.get("q") or None,
            status=data.get("status") or None,
            unit_path=unit.path if unit else None,
            session_from=data.get("session_from"),
            session_to=data.get("session_to"),
            overdue=bool(data.get("overdue")),
            sort=self.active_sort,
        )

    @property
    def active_sort(self) -> str:
        return getattr(self, "cleaned_data", {}).get("sort") or self.DEFAULT_SORT


class FeedCreateForm(forms.Form):
    """A new calendar subscription of everything the person may see, or of one
    visit or one host unit of it, named by code (the page suggests them as the
    person types: web.views.calendar.feed_suggestions).

    The text is turned into the visit or unit among those the person sees
    (checklists.selectors.feeds), so one out of their sight reads "There is no
    such visit" like one that does not exist; the service checks it again."""

    name = forms.CharField(
        label=_("Name (optional)"),
        required=False,
        max_length=CalendarFeed._meta.get_field("name").max_length,
        help_text=_("For example the calendar program you will paste it into."),
        validators=[one_line],
    )
    visit = forms.CharField(
        label=_("Only this visit"),
        required=False,
        max_length=MAX_SEARCH_TEXT,
        help_text=_("Type its code or part of its title and choose a suggestion."),
        validators=[one_line],
    )
    host_unit = forms.CharField(
        label=_("Only this host unit"),
        required=False,
        max_length=MAX_SEARCH_TEXT,
        help_text=_("Type its code or part of its name and choose a suggestion."),
        validators=[one_line],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_visit(self) -> Visit | None:
        text = self.cleaned_data["visit"].strip()
        if not text:
            return None
        found = feed_visits_named(self.user, text)
        if not found:
            raise forms.ValidationError(_("There is no such visit."), code="not_found")
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several visits match “%(text)s”: type the code of one of them.")
                % {"text": text},
                code="ambiguous",
            )
        return found[0]

    def clean_host_unit(self) -> Unit | None:
        text = self.cleaned_data["host_unit"].strip()
        if not text:
            return None
        found = feed_units_named(self.user, text)
        if not found:
            raise forms.ValidationError(_("There is no such unit."), code="not_found")
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several units match “%(text)s”: type the code of one of them.") % {"text": text},
                code="ambiguous",
            )
        return found[0]


class SuggestionForm(forms.Form):
    """The search of a subscription's visit or unit field, as it is being typed
    (sent under the field's own name)."""

    visit = forms.CharField(required=False, max_length=MAX_SEARCH_TEXT, strip=True)
    host_unit = forms.CharField(required=False, max_length=MAX_SEARCH_TEXT, strip=True)


class NotifyPreferenceForm(forms.Form):
    """How the draft-report loop's e-mails reach the signed-in person."""

    notify = forms.ChoiceField(
        label=_("E-mails about draft reports"),
        choices=User.Notify.choices,
        widget=forms.RadioSelect,
        help_text=_("Deadline reminders always go out at once."),
    )
