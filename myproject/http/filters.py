"""Query-string filters: dates, ids and an empty value are checked as strictly as bodies."""

import re

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from .fields import DATE_PATTERN, DATE_SCHEMA

# The largest id a query string takes: the largest integer a JavaScript client (Swagger UI
# among them) holds exactly. 2^63-1, the column's own bound, reads there as
# 9223372036854776000, a number the server would refuse; no id comes near either.
MAX_QUERY_ID = 2**53 - 1

# What a list takes besides its filters (see pagination.py); `format` is DRF's own.
PAGE_PARAMETERS = {"cursor", "page", "page_size", "format"}


class _StrictDateField(forms.DateField):
    input_formats = ["%d-%m-%Y", "%Y-%m-%d"]

    def to_python(self, value):
        # An empty `?dob=` is a malformed date, not a missing filter.
        if value is not None and not re.match(DATE_PATTERN, str(value)):
            raise forms.ValidationError("Enter a date as DD-MM-YYYY or YYYY-MM-DD.")
        return super().to_python(value)


class _StrictIdField(forms.IntegerField):
    def to_python(self, value):
        if value not in self.empty_values and not (str(value).isascii() and str(value).isdigit()):
            raise forms.ValidationError("Send a whole number.")
        return super().to_python(value)


@extend_schema_field(DATE_SCHEMA)
class DateFilter(django_filters.DateFilter):
    """A date in a query string, DD-MM-YYYY or YYYY-MM-DD, exactly."""

    field_class = _StrictDateField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_QUERY_ID})
class IdFilter(django_filters.NumberFilter):
    """An object id in a query string: digits only, from 1 to MAX_QUERY_ID."""

    field_class = _StrictIdField

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_QUERY_ID, **kwargs)


class FreeTextFilter(django_filters.CharFilter):
    """Text a person types to search (a name, part of one): sent empty, it filters nothing.
    Every other filter sent empty is an error."""


class FilterSet(django_filters.FilterSet):
    """Filters combine with AND. A parameter sent empty (`?state=`) is an error unless it is
    free text: an empty date, id, choice or exact reference is a malformed request, not a
    missing filter."""

    def is_valid(self):
        valid = super().is_valid()
        for name, declared in self.filters.items():
            if self.data.get(name) == "" and not isinstance(declared, FreeTextFilter):
                self.form.add_error(name, "This parameter needs a value.")
                valid = False
        # A misspelt filter (`?customer_idd=1`) must not quietly return everything.
        for name in sorted(set(self.data) - set(self.filters) - PAGE_PARAMETERS):
            # django-filter %-formats each message: a `%` in the name must not read as one.
            shown = name[:64].replace("%", "%%")
            self.form.add_error(None, f"`{shown}` is not a parameter of this list.")
            valid = False
        return valid


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds no FilterSet (a form and a copy of every filter)
    for a list asked for with no filter: there is nothing to check or to apply."""

    def filter_queryset(self, request, queryset, view):
        if set(request.query_params) <= PAGE_PARAMETERS:
            return queryset
        return super().filter_queryset(request, queryset, view)
