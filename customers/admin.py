import datetime as dt

from django import forms
from django.contrib import admin
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.models import AuthToken

from myproject.admin import StaffHistoryAdmin

from . import services
from .models import SCOPES, Customer, Partner, TestClock, TokenGrant


@admin.register(Partner)
class PartnerAdmin(StaffHistoryAdmin):
    """Partners sign in as their own user, with API tokens (listed under Knox)."""

    list_display = ("name", "is_sandbox", "commission_rate", "user", "created_at")
    list_filter = ("is_sandbox",)
    search_fields = ("name", "user__username")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "is_sandbox", "commission_rate")
        return ("name", "commission_rate", "is_sandbox", "user", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # Live or sandbox for good: its data was made as one or the other.
        return () if obj is None else ("is_sandbox", "user", "created_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # and its user
        created = services.partner_create(
            name=obj.name, commission_rate=obj.commission_rate, is_sandbox=obj.is_sandbox
        )
        obj.pk, obj.user, obj.created_at = created.pk, created.user, created.created_at


@admin.register(TestClock)
class TestClockAdmin(admin.ModelAdmin):
    """Sandbox partners' test clocks, as they stand; they move only through the API."""

    list_display = ("id", "partner", "now", "created_at")
    list_select_related = ("partner",)
    readonly_fields = ("partner", "now", "created_at")

    def has_add_permission(self, request):
        return False


def dob_from_search(term: str) -> dt.date | None:
    """A date of birth typed as staff read it, DD-MM-YYYY."""
    try:
        return dt.datetime.strptime(term.strip(), "%d-%m-%Y").date()
    except ValueError:
        return None


@admin.register(Customer)
class CustomerAdmin(StaffHistoryAdmin):
    """Search by name or date of birth (DD-MM-YYYY)."""

    list_display = ("id", "first_name", "last_name", "dob", "partner", "created_at")
    search_fields = ("first_name", "last_name")
    search_help_text = "A first or last name, or a date of birth as DD-MM-YYYY."
    list_filter = ("partner",)
    list_select_related = ("partner",)
    readonly_fields = ("created_at", "updated_at")
    ordering = ("id",)
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        dob = dob_from_search(search_term)
        if dob is not None:
            return queryset.filter(dob=dob), False
        return super().get_search_results(request, queryset, search_term)


admin.site.unregister(AuthToken)


class ScopesField(forms.TypedMultipleChoiceField):
    """A key's scopes as boxes to tick, kept in the order they are listed."""

    def __init__(self, **kwargs):
        choices = [(scope, f"{scope}: {what}") for scope, what in SCOPES.items()]
        super().__init__(choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs)

    def clean(self, value):
        chosen = super().clean(value)
        return [scope for scope in SCOPES if scope in chosen]


class TokenGrantInline(admin.StackedInline):
    """Limits the key to the scopes ticked; without one (or deleted) it has every scope."""

    model = TokenGrant
    max_num = 1
    verbose_name = "scopes (none: every scope)"
    verbose_name_plural = verbose_name

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "scopes":
            return ScopesField(help_text="What this key may do; untick all by deleting this.")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(AuthToken)
class AuthTokenAdmin(KnoxAuthTokenAdmin):
    """Tokens by owner, with the first characters of the key (the rest is never stored)."""

    list_display = ("key_prefix", "user", "partner", "scopes", "created", "expiry")
    list_select_related = ("user__partner", "grant")
    inlines = [TokenGrantInline]
    search_fields = ("token_key", "user__username", "user__partner__name")

    @admin.display(description="key starts", ordering="token_key")
    def key_prefix(self, token):
        return f"{token.token_key[:8]}…"

    @admin.display(description="scopes")
    def scopes(self, token):
        try:
            return str(token.grant)
        except TokenGrant.DoesNotExist:
            return "all"

    @admin.display(description="partner")
    def partner(self, token):
        return getattr(getattr(token.user, "partner", None), "name", "-")
