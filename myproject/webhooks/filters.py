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
        # A partner's feed is in the order of its own positions, staff's in the order of all.
        order = "seq" if self.request.user.is_staff else "position"
        position = queryset.filter(uid=value).values_list(order, flat=True).first()
        if position is None:
            raise serializers.ValidationError({"after": ["Not one of your events."]})
        return queryset.filter(**{f"{order}__gt": position})
