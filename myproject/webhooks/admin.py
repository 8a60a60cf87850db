from django.contrib import admin

from ..admin import ReadOnlyInline, run_action
from . import outbox
from .models import Attempt, Delivery, Event, WebhookEndpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the services only: staff read, and act through the actions."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("uid", "type", "owner", "created")
    list_filter = ("type",)
    search_fields = ("=uid",)
    list_select_related = ("owner",)
    show_full_result_count = False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "owner", "is_active", "failing_since", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "owner__username")
    list_select_related = ("owner",)
    exclude = ("secret",)

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "secret"]


class AttemptInline(ReadOnlyInline):
    model = Attempt
    show_change_link = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Every try of an event to an endpoint; redeliver tries again now."""

    list_display = ("event", "endpoint", "status", "tries", "next_try_at", "created_at")
    list_filter = ("status",)
    search_fields = ("=event__uid", "endpoint__url")
    list_select_related = ("event", "endpoint")
    show_full_result_count = False
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.action(description="Redeliver now")
    def redeliver(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            lambda delivery: outbox.redeliver(delivery_id=delivery.pk),
            "queued to be sent again",
        )
