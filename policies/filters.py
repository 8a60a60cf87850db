import django_filters

from myproject.http.filters import FilterSet, IdFilter
from quotes.filters import ProductCodeFilter

from .models import Policy


class PolicyFilter(FilterSet):
    customer_id = IdFilter(field_name="customer_id", label="Customer id.")
    type = ProductCodeFilter(field_name="product")
    state = django_filters.ChoiceFilter(
        method="filter_state", choices=Policy.State.choices, label="Current state."
    )

    class Meta:
        model = Policy
        fields = ["customer_id", "type", "state"]

    def filter_state(self, queryset, name, value):
        return queryset.in_current_state(value)
