import django_filters
from rest_framework import serializers

from ..http.filters import FilterSet
from .models import Event


class EventFilter(FilterSet):
    type = django_filters.CharFilter(help_text="One event type, e.g. policy.issued.")
    after = django_filters.CharFilter(
        method="filter_after", help_text="An event id (evt_...): only the events after it."
    )

    class Meta:
        model = Event
        fields = ["type", "after"]

    def filter_after(self, queryset, name, value):
        # The queryset is the caller's own events: another partner's id is not found either.
        position = queryset.filter(uid=value).values_list("seq", flat=True).first()
        if position is None:
            raise serializers.ValidationError({"after": ["Not one of your events."]})
        return queryset.filter(seq__gt=position)
