from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "first_name", "last_name", "dob", "created_at")
    search_fields = ("first_name", "last_name")
    list_filter = ("dob",)
    date_hierarchy = "dob"
    readonly_fields = ("created_at", "updated_at")
    ordering = ("id",)
