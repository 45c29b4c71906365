"""Serializers of the calendar: its query, its events (for the schema) and feeds."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import EARLIEST_DATETIME, LATEST_DATETIME
from api.serializers import MAX_ID
from checklists.calendar import MAX_WINDOW, EventFilters, EventKind, Window
from checklists.models import CalendarFeed, Milestone, Recommendation, Visit
from checklists.validators import one_line

# `+07:00` arrives as ` 07:00` when a client forgets to percent-encode the `+`.
_UNENCODED_PLUS = re.compile(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")


@extend_schema_field(
    {
        "type": "string",
        "description": "A date (`YYYY-MM-DD`, local midnight) or an ISO 8601 date-time; "
        "without an offset it is read in the server's time zone (Asia/Ho_Chi_Minh).",
        "example": "2024-05-01",
    }
)
class InstantField(serializers.Field):
    """A date or a date-time, as FullCalendar sends its window; an aware datetime."""

    default_error_messages = {
        "invalid": _("Give a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDThh:mm:ss+07:00)."),
        "range": _("Give a date between 1970 and 2199."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 64 or "\x00" in data:
            self.fail("invalid")
        text = _UNENCODED_PLUS.sub(r"\1+\2", data.strip())
        try:
            value = parse_datetime(text)
            if value is None:
                day = parse_date(text)
                value = dt.datetime.combine(day, dt.time(0)) if day is not None else None
        except (ValueError, OverflowError):
            self.fail("invalid")
        if value is None:
            self.fail("invalid")
        naive_bounds = (
            EARLIEST_DATETIME.replace(tzinfo=None),
            LATEST_DATETIME.replace(tzinfo=None),
        )
        if timezone.is_naive(value):
            if not naive_bounds[0] <= value <= naive_bounds[1]:
                self.fail("range")
            value = timezone.make_aware(value)
        try:
            in_range = EARLIEST_DATETIME <= value <= LATEST_DATETIME
        except OverflowError:
            in_range = False
        if not in_range:
            self.fail("range")
        return value

    def to_representation(self, value):
        return value.isoformat()


class CalendarQuerySerializer(serializers.Serializer):
    """The query string of `calendar/`."""

    start = InstantField(help_text=_("Start of the window (inclusive)."))
    end = InstantField(help_text=_("End of the window (exclusive); at most 400 days after start."))
    host_unit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("Only visits to this unit.")
    )
    team_member = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("Only visits with this person on the team."),
    )
    kind = serializers.ChoiceField(
        choices=EventKind.CHOICES,
        required=False,
        help_text=_("Only sessions, only milestones or only recommendations' deadlines."),
    )
    mine = serializers.BooleanField(
        required=False,
        # Not False: a form's missing checkbox is False for DRF, an absent filter is not.
        allow_null=True,
        default=None,
        help_text=_("true: only visits I am on the team of or host; false: all but those."),
    )

    def validate(self, attrs):
        # DRF reads an empty optional query parameter as absent; like the other
        # filters of this API (api.filters), `?kind=` is a client bug, not "all".
        empty = {
            name: [_("Give a value, or leave the parameter out.")]
            for name in ("host_unit", "team_member", "kind", "mine")
            if name in self.initial_data
            and all(value == "" for value in self.initial_data.getlist(name))
        }
        if empty:
            raise serializers.ValidationError(empty)
        start, end = attrs["start"], attrs["end"]
        if end <= start:
            raise serializers.ValidationError({"end": _("The end must come after the start.")})
        if end - start > MAX_WINDOW:
            raise serializers.ValidationError(
                {"end": _("The window may span at most 400 days; ask for a shorter one.")}
            )
        return attrs

    def window(self) -> Window:
        return Window(start=self.validated_data["start"], end=self.validated_data["end"])

    def filters(self) -> EventFilters:
        data = self.validated_data
        return EventFilters(
            host_unit=data.get("host_unit"),
            team_member=data.get("team_member"),
            kind=data.get("kind"),
            mine=data.get("mine"),
        )


EVENT_STATES = sorted(
    {*Visit.Status.values, *Milestone.State.values, *Recommendation.PENDING_STATES}
    | {Recommendation.State.DONE, Recommendation.State.CANCELLED}
)


class CalendarEventSerializer(serializers.Serializer):
    """One event of the calendar (documentation only: the view writes the events
    itself, since a serializer per event would cost more than the query)."""

    id = serializers.CharField(
        help_text=_("Stable: `session-<id>`, `milestone-<id>` or `recommendation-<id>`.")
    )
    kind = serializers.ChoiceField(choices=EventKind.CHOICES)
    title = serializers.CharField()
    start = serializers.CharField(
        help_text=_(
            "A session's start (date-time with offset), or a milestone's or "
            "recommendation's due date."
        )
    )
    end = serializers.CharField(
        help_text=_("A session's end, or the day after a due date (exclusive).")
    )
    all_day = serializers.BooleanField()
    visit = serializers.IntegerField()
    host_unit = serializers.IntegerField(
        help_text=_("The visit's host unit; for a recommendation, its addressee.")
    )
    state = serializers.ChoiceField(
        choices=EVENT_STATES,
        help_text=_(
            "A session: its visit's status. A milestone: upcoming, due soon, overdue or "
            "done; cancelled when its visit is. A recommendation: open, reported, done "
            "or cancelled."
        ),
    )
    overdue = serializers.BooleanField(
        required=False, help_text=_("Recommendations only: past its due date and not done.")
    )
    url = serializers.CharField(
        help_text=_("The event's visit (a session), milestone or recommendation.")
    )


class CalendarFeedSerializer(serializers.ModelSerializer):
    """A feed as listed: its URL is never shown again after creation."""

    class Meta:
        model = CalendarFeed
        fields = ["id", "name", "visit", "host_unit", "token_prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class CalendarFeedCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="", validators=[one_line]
    )
    visit = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("Only this visit's events."),
    )
    host_unit = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("Only the events of visits to this unit."),
    )

    def validate_name(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError(
                _("The name contains characters that are not allowed.")
            )
        return value

    def validate(self, attrs):
        if attrs.get("visit") is not None and attrs.get("host_unit") is not None:
            raise serializers.ValidationError(
                {"host_unit": _("Narrow a feed to a visit or to a unit, not both.")}
            )
        return attrs


class CalendarFeedCreatedSerializer(CalendarFeedSerializer):
    """A new feed, with its secret URL: shown this once, and never again."""

    url = serializers.SerializerMethodField(
        help_text=_("The feed's secret address (https). Shown only now.")
    )
    webcal_url = serializers.SerializerMethodField(
        help_text=_("The same address as webcal://, which calendar apps subscribe to on a click.")
    )

    class Meta(CalendarFeedSerializer.Meta):
        fields = [*CalendarFeedSerializer.Meta.fields, "url", "webcal_url"]
        read_only_fields = fields

    def get_url(self, feed) -> str:
        return self.context["feed_url"]

    def get_webcal_url(self, feed) -> str:
        url = self.context["feed_url"]
        return "webcal://" + url.split("://", 1)[1]
