from django import forms
from django_filters import rest_framework as filters

from api.serializers import MAX_ID


class IdFilter(filters.NumberFilter):
    """An id: a positive integer that fits a bigint, else a 400 naming the parameter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
