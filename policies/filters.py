import django_filters

from myproject.http.filters import DateFilter, FilterSet, IdFilter
from quotes.filters import ProductCodeFilter

from .models import Instalment, Policy


class PolicyFilter(FilterSet):
    customer_id = IdFilter(field_name="customer_id", label="Customer id.")
    type = ProductCodeFilter(field_name="product")
    state = django_filters.ChoiceFilter(
        method="filter_state", choices=Policy.State.choices, label="Current state."
    )

    partner_reference = django_filters.CharFilter(label="Your reference, exactly.")

    class Meta:
        model = Policy
        fields = ["customer_id", "type", "state", "partner_reference"]

    def filter_state(self, queryset, name, value):
        return queryset.in_current_state(value)


class InstalmentFilter(FilterSet):
    policy = IdFilter(field_name="policy_id", label="Policy id.")
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=Instalment.Status.choices,
        label="Current status (`due` from a few days before the due date until paid).",
    )
    due_before = DateFilter(
        field_name="due_date", lookup_expr="lt", label="Due before this day, DD-MM-YYYY."
    )

    class Meta:
        model = Instalment
        fields = ["policy", "status", "due_before"]

    def filter_status(self, queryset, name, value):
        return queryset.in_current_state(value)
