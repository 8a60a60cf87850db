from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Customer, Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """Partners sign in as their user; their tokens are listed and revoked under Knox."""

    list_display = ("name", "user", "created_at")
    search_fields = ("name", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("id", "first_name", "last_name", "dob", "partner", "created_at")
    search_fields = ("first_name", "last_name")
    list_filter = ("partner", "dob")
    list_select_related = ("partner",)
    date_hierarchy = "dob"
    readonly_fields = ("created_at", "updated_at")
    ordering = ("id",)
