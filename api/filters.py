"""Query filters that refuse what they cannot understand.

django-filter is lenient: `?mine=banana` and `?is_active=` filter nothing,
`?visit=2.0` reads as 2, and a model's foreign key becomes a choice over every
row (so `?host_unit=<id>` answers "not a valid choice" for a unit the person may
not see, telling them it does not exist, and sends a 20-digit id to the
database). Here every filter value either means what the schema says or the
answer is a 400 naming the parameter.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError as DRFValidationError

from api.fields import EARLIEST_DATETIME, LATEST_DATETIME
from api.serializers import MAX_ID
from checklists.limits import MAX_QUERY_TEXT

# PostgreSQL's `integer`: the widest value an IntegerField column compares with
# without "integer out of range".
MAX_INT32 = 2**31 - 1
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,32}")


class WholeNumberField(forms.IntegerField):
    """Digits only: no "2.0", "1e3", " 7 " or empty value."""

    default_error_messages = {"invalid": _("Give a whole number.")}

    def to_python(self, value):
        if value is None:
            return None
        if not isinstance(value, str) or not WHOLE_NUMBER.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


class TrueFalseField(forms.Field):
    """`true` or `false`, as JSON spells them (an absent parameter filters nothing)."""

    default_error_messages = {"invalid": _("Give true or false.")}
    VALUES = {"true": True, "false": False}

    def to_python(self, value):
        if value is None:
            return None
        try:
            return self.VALUES[value]
        except (KeyError, TypeError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        pass


class IntegerFilter(filters.Filter):
    """A whole number within [min_value, max_value] (a 32-bit column by default)."""

    field_class = WholeNumberField
    minimum = -MAX_INT32 - 1
    maximum = MAX_INT32

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", self.minimum)
        kwargs.setdefault("max_value", self.maximum)
        super().__init__(*args, **kwargs)
        # Per instance, so that the bounds and the label reach the schema.
        schema = {
            "type": "integer",
            "minimum": kwargs["min_value"],
            "maximum": kwargs["max_value"],
        }
        if kwargs.get("label"):
            schema["description"] = str(kwargs["label"])
        extend_schema_field(schema)(self)


class IdFilter(IntegerFilter):
    """An id: a positive integer that fits a bigint, else a 400 naming the parameter.

    It filters by the id alone, so an object the person may not see is
    indistinguishable from one that does not exist: both match nothing."""

    minimum = 1
    maximum = MAX_ID


class WindowedDateTimeField(IsoDateTimeField):
    """An ISO 8601 time within api.fields' window: beyond it, converting the time
    to UTC for the database (SQLite) overflows."""

    default_error_messages = {"out_of_range": _("Give a time between %(earliest)s and %(latest)s.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not EARLIEST_DATETIME <= value <= LATEST_DATETIME:
            raise ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"earliest": EARLIEST_DATETIME.year, "latest": LATEST_DATETIME.year},
            )
        return value


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = WindowedDateTimeField


class BooleanFilter(django_filters.BooleanFilter):
    # Not the REST framework variant: its widget turns anything but true/false
    # into "no filter" before the field could refuse it.
    field_class = TrueFalseField


class FilterSet(filters.FilterSet):
    """Model fields filtered with the strict filters above, and an empty value
    (`?status=`) refused unless the filter takes text: an empty date, number or
    choice is a client bug, not a request to filter nothing."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.AutoField: {"filter_class": IdFilter},
        models.BigAutoField: {"filter_class": IdFilter},
        models.BigIntegerField: {
            "filter_class": IntegerFilter,
            "extra": lambda f: {"min_value": -MAX_ID - 1, "max_value": MAX_ID},
        },
        models.IntegerField: {"filter_class": IntegerFilter},
        models.PositiveIntegerField: {
            "filter_class": IntegerFilter,
            "extra": lambda f: {"min_value": 0},
        },
        models.BooleanField: {"filter_class": BooleanFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
    }

    @classmethod
    def get_filters(cls):
        filters_ = super().get_filters()
        for filter_ in filters_.values():
            if isinstance(filter_, django_filters.CharFilter) and not filter_.method:
                filter_.extra.setdefault("max_length", MAX_QUERY_TEXT)
                extend_schema_field({"type": "string", "maxLength": MAX_QUERY_TEXT})(filter_)
        return filters_

    def get_form_class(self):
        form_class = super().get_form_class()

        def clean(form):
            cleaned = super(form_class, form).clean()
            for name, field in form.fields.items():
                if isinstance(field, forms.CharField) or name not in form.data:
                    continue
                values = form.data.getlist(name) if hasattr(form.data, "getlist") else []
                if values and all(value == "" for value in values):
                    form.add_error(name, _("Give a value, or leave the parameter out."))
            return cleaned

        return type(form_class.__name__, (form_class,), {"clean": clean})


class SearchFilter(drf_filters.SearchFilter):
    """DRF's search, with the length of the search text bounded (see
    MAX_QUERY_TEXT) and no `search` parameter documented where nothing is searched."""

    def get_search_terms(self, request):
        text = request.query_params.get(self.search_param, "")
        if len(text) > MAX_QUERY_TEXT:
            raise DRFValidationError(
                {
                    self.search_param: [
                        _("Give at most %(limit)s characters.") % {"limit": MAX_QUERY_TEXT}
                    ]
                }
            )
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = MAX_QUERY_TEXT
        return parameters


class OrderingFilter(drf_filters.OrderingFilter):
    """DRF's ordering, except that an unknown field is a 400 listing the ones there
    are (DRF drops it and answers some other order), and the schema lists them.
    An empty `?ordering=` (a form's empty select) means the default order."""

    def get_ordering(self, request, queryset, view):
        ordering = self._asked_ordering(request, queryset, view)
        if ordering and not any(str(term).lstrip("-") in ("id", "pk") for term in ordering):
            # Rows that tie on the asked order (two visits without a code) would come
            # back in any order, so paging through the list could skip one and give
            # another twice, and an export would differ from the pages: the id last.
            last = str(ordering[-1])
            ordering = [*ordering, "-id" if last.startswith("-") else "id"]
        return ordering

    def _asked_ordering(self, request, queryset, view):
        text = request.query_params.get(self.ordering_param)
        if text is None or not text.strip():
            return self.get_default_ordering(view)
        terms = [term.strip() for term in text.split(",")]
        ordering = self.remove_invalid_fields(queryset, terms, view, request)
        if len(ordering) != len(terms):
            context = {"request": request}
            valid = [name for name, _label in self.get_valid_fields(queryset, view, context)]
            raise DRFValidationError(
                {
                    self.ordering_param: [
                        _("Order by one or more of %(fields)s, each optionally preceded by -.")
                        % {"fields": ", ".join(valid)}
                    ]
                }
            )
        return ordering

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None)
        if not isinstance(fields, list | tuple):
            return super().get_schema_operation_parameters(view)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Fields to order by, comma-separated; - before a field reverses it.")
                ),
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": [term for name in fields for term in (name, f"-{name}")],
                    },
                },
                "style": "form",
                "explode": False,
            }
        ]
