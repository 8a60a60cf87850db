from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Payment, Policy


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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("reference", "policy", "kind", "amount", "currency", "method", "status")
    list_filter = ("kind", "method", "status")
    search_fields = ("reference", "policy__number")
    list_select_related = ("policy",)
    readonly_fields = [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
