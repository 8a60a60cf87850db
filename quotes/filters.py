import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from myproject.http.filters import FilterSet, IdFilter

from .models import Product, Quote


@extend_schema_field(OpenApiTypes.STR)
class ProductCodeFilter(django_filters.ModelChoiceFilter):
    """A product named by its code; an unknown code is an invalid value (400)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Product code.")
        super().__init__(to_field_name="code", queryset=Product.objects.all(), **kwargs)


class QuoteFilter(FilterSet):
    customer = IdFilter(field_name="customer_id", label="Customer id.")
    state = django_filters.ChoiceFilter(
        method="filter_state", choices=Quote.State.choices, label="Current state."
    )
    type = ProductCodeFilter(field_name="product")
    partner_reference = django_filters.CharFilter(label="Your reference, exactly.")

    class Meta:
        model = Quote
        fields = ["customer", "state", "type", "partner_reference"]

    def filter_state(self, queryset, name, value):
        return queryset.in_current_state(value)
