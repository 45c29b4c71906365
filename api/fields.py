"""Serializer fields that take JSON at its word, and dates within a sane window.

DRF is lenient by default: `0` becomes the text "0", "12" becomes the number 12
and "yes" becomes true. A client that sends the wrong type then gets a silently
different value instead of an error, and the schema (which says "string") no
longer describes what the API accepts. These fields refuse a JSON value of the
wrong type with a 400 that names the type expected. Form and multipart input
(where every value is text) keeps DRF's conversions.

Dates and times are limited to 1970–2199: outside it, arithmetic on deadlines
overflows, and a local time before the zone's standard offset existed is
rendered with a seconds offset (`+07:06:40`) that is not a valid RFC 3339 time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # For the type checker the mixin is a Field, so that `fail`, `root` and the
    # `super().to_internal_value` it extends are known; at run time it stays a
    # plain mixin and each field's MRO is unchanged.
    _FieldBase = serializers.Field[Any, Any, Any, Any]
else:
    _FieldBase = object

EARLIEST_DATE = dt.date(1970, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
EARLIEST_DATETIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST_DATETIME = dt.datetime(2200, 1, 1, tzinfo=dt.UTC) - dt.timedelta(microseconds=1)

JSON_TYPE_NAMES = {
    bool: _("true or false"),
    int: _("a number"),
    float: _("a number"),
    str: _("text"),
    list: _("a list"),
    dict: _("an object"),
    type(None): _("null"),
}


def json_type_name(value) -> str:
    for kind, name in JSON_TYPE_NAMES.items():
        if isinstance(value, kind):
            return str(name)
    return type(value).__name__


def from_form(field: serializers.Field) -> bool:
    """True when the input came from a form or multipart body, where every value is text."""
    return isinstance(getattr(field.root, "initial_data", None), QueryDict)


class JSONTypeMixin(_FieldBase):
    """Refuses a JSON value whose type is not one of `json_types`."""

    json_types: tuple[type, ...] = ()
    expected: StrOrPromise = ""
    default_error_messages = {"wrong_type": _("Give {expected}, not {given}.")}

    def to_internal_value(self, data: Any) -> Any:
        wrong = not isinstance(data, self.json_types) or (
            isinstance(data, bool) and bool not in self.json_types
        )
        if wrong and not from_form(self):
            self.fail("wrong_type", expected=self.expected, given=json_type_name(data))
        return super().to_internal_value(data)


class CharField(JSONTypeMixin, serializers.CharField):
    json_types = (str,)
    expected = _("text")


class SlugField(JSONTypeMixin, serializers.SlugField):
    json_types = (str,)
    expected = _("text")


class EmailField(JSONTypeMixin, serializers.EmailField):
    json_types = (str,)
    expected = _("text")


class IntegerField(JSONTypeMixin, serializers.IntegerField):
    # A float such as 3.0 is still a JSON integer; 3.5 fails DRF's own check.
    json_types = (int, float)
    expected = _("a whole number")


class BooleanField(JSONTypeMixin, serializers.BooleanField):
    json_types = (bool,)
    expected = _("true or false")


class DateField(JSONTypeMixin, serializers.DateField):
    json_types = (str,)
    expected = _("a date (YYYY-MM-DD)")
    default_error_messages = {
        "out_of_range": _("Give a date between {earliest} and {latest}."),
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            self.fail("out_of_range", earliest=EARLIEST_DATE, latest=LATEST_DATE)
        return value


class DateTimeField(JSONTypeMixin, serializers.DateTimeField):
    json_types = (str,)
    expected = _("a time (ISO 8601 with offset)")
    default_error_messages = {
        "out_of_range": _("Give a time between {earliest} and {latest}."),
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not EARLIEST_DATETIME <= value <= LATEST_DATETIME:
            self.fail("out_of_range", earliest=EARLIEST_DATE.year, latest=LATEST_DATE.year)
        return value
