import django_filters

from customers.filters import CustomerFilter
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


class CustomerSearchFilter(CustomerFilter):
    """The seed contract's search: customer filters plus the products they hold policies of."""

    policy_type = ProductCodeFilter(
        method="filter_policy_type", label="Customers holding a policy of this product code."
    )

    class Meta(CustomerFilter.Meta):
        fields = [*CustomerFilter.Meta.fields, "policy_type"]

    def filter_policy_type(self, queryset, name, value):
        # A subquery, not a join: each customer appears once however many policies they hold.
        holders = Policy.objects.filter(product=value).values("customer_id")
        return queryset.filter(pk__in=holders)
