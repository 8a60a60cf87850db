from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from myproject.admin import run_action

from . import services
from .models import CancellationReason, Payment, Policy


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    readonly_fields = [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    """Policies are issued by paying a quote; their money and state are read-only here."""

    list_display = ("number", "customer", "product", "premium", "currency", "state", "end_date")
    list_filter = ("state", "product")
    search_fields = ("number", "customer__first_name", "customer__last_name")
    list_select_related = ("customer", "product")
    readonly_fields = [field.name for field in Policy._meta.fields]
    inlines = [PaymentInline]
    actions = ["cancel_at_customer_request", "quote_renewal"]

    @admin.action(description="Cancel today at the customer's request (refund by the rules)")
    def cancel_at_customer_request(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            lambda policy: services.policy_cancel(
                policy_id=policy.pk, reason=CancellationReason.CUSTOMER_REQUEST, by=request.user
            ),
            "cancelled",
        )

    @admin.action(description="Quote the renewal")
    def quote_renewal(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            lambda policy: services.policy_renew(policy_id=policy.pk, by=request.user),
            "renewal quoted",
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "policy", "kind", "amount", "currency", "method", "status")
    list_filter = ("kind", "method", "status")
    search_fields = ("reference", "policy__number")
    list_select_related = ("policy",)
    readonly_fields = [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
