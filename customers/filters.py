import django_filters
from django.db.models import Q

from myproject.http.filters import DateFilter, FilterSet, FreeTextFilter

from .models import Customer


class CustomerFilter(FilterSet):
    """Name filters are case-insensitive substrings; all filters combine with AND."""

    name = FreeTextFilter(
        method="filter_name", label="First or last name contains (case-insensitive)."
    )
    first_name = FreeTextFilter(
        lookup_expr="icontains", label="First name contains (case-insensitive)."
    )
    last_name = FreeTextFilter(
        lookup_expr="icontains", label="Last name contains (case-insensitive)."
    )
    dob = DateFilter(label="Exact date of birth, DD-MM-YYYY or YYYY-MM-DD.")
    external_ref = django_filters.CharFilter(label="Your reference for the customer, exactly.")

    class Meta:
        model = Customer
        fields = ["name", "first_name", "last_name", "dob", "external_ref"]

    def filter_name(self, queryset, name, value):
        return queryset.filter(Q(first_name__icontains=value) | Q(last_name__icontains=value))
