from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from myproject.admin import StaffHistoryAdmin, run_action, shows_money, with_currency

from . import services
from .models import PART_NAMES, AgeBand, Commission, Product, Quote
from .pricing import PLAN_INSTALMENTS

# The money a priced row carries, shown with its currency in admin.
MONEY_FIELDS = ("cover", "premium", "amount", *PART_NAMES)


def parts_after_premium(names: list[str], total: str = "premium") -> list[str]:
    """Field names with a price's parts shown right after its total, as staff read them, and
    each money field with its currency (see myproject.admin.shows_money)."""
    rest = [name for name in names if name not in PART_NAMES]
    at = rest.index(total) + 1
    return with_currency([*rest[:at], *PART_NAMES, *rest[at:]], MONEY_FIELDS)


class AgeBandFormSet(BaseInlineFormSet):
    """Bands must not overlap and must lie within the product's ages."""

    def clean(self):
        super().clean()
        bands = sorted(
            (form.cleaned_data["min_age"], form.cleaned_data["max_age"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("min_age") is not None
            and form.cleaned_data.get("max_age") is not None
        )
        for (_, previous_max), (next_min, _) in zip(bands, bands[1:], strict=False):
            if next_min <= previous_max:
                raise ValidationError("Age bands overlap.")
        product = self.instance
        if bands and product.min_age is not None and product.max_age is not None:
            if bands[0][0] > product.min_age or bands[-1][1] < product.max_age:
                raise ValidationError("The bands must cover every age the product accepts.")
            if bands[0][0] < product.min_age or bands[-1][1] > product.max_age:
                raise ValidationError("The bands must lie within the product's ages.")
            for (_, previous_max), (next_min, _) in zip(bands, bands[1:], strict=False):
                if next_min != previous_max + 1:
                    raise ValidationError("The bands leave a gap between ages.")


class AgeBandInline(admin.TabularInline):
    model = AgeBand
    formset = AgeBandFormSet
    extra = 0


class CommissionInline(admin.TabularInline):
    """Partners paid a different commission on this product than their default."""

    model = Commission
    extra = 0


class PaymentPlansField(forms.TypedMultipleChoiceField):
    """The plans a product allows as boxes to tick, kept in the order they are offered."""

    def __init__(self, **kwargs):
        choices = [(plan, plan.capitalize()) for plan in PLAN_INSTALMENTS]
        super().__init__(choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs)

    def clean(self, value):
        chosen = super().clean(value)
        return [plan for plan in PLAN_INSTALMENTS if plan in chosen]


@admin.register(Product)
@shows_money("policy_fee", "minimum_premium")
class ProductAdmin(StaffHistoryAdmin):
    """A change of rates prices new quotes only: quotes and policies keep their price."""

    list_display = ("code", "name", "currency", "tax_rate", "policy_fee_money", "min_age")
    list_display += ("max_age",)
    list_display += ("is_active",)
    list_filter = ("is_active", "currency")
    search_fields = ("code", "name")
    inlines = [AgeBandInline, CommissionInline]
    readonly_fields = ("created_at", "updated_at")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "payment_plans":
            return PaymentPlansField(help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Quote)
@shows_money(*MONEY_FIELDS)
class QuoteAdmin(StaffHistoryAdmin):
    """Quotes are priced through the API; staff read them and may accept on request."""

    list_display = ("id", "customer", "product", "premium_money", "state", "valid_until")
    list_filter = ("state", "product")
    search_fields = ("id", "customer__first_name", "customer__last_name")
    list_select_related = ("customer", "product")
    show_full_result_count = False
    raw_id_fields = ("customer",)
    readonly_fields = parts_after_premium([field.name for field in Quote._meta.fields])
    actions = ["accept_quotes", "decline_quotes"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Accept the selected quotes")
    def accept_quotes(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            lambda quote: services.quote_accept(quote_id=quote.pk, by=request.user),
            "accepted",
        )

    @admin.action(description="Decline the selected quotes (the customer said no)")
    def decline_quotes(self, request, queryset):
        run_action(
            self,
            request,
            queryset,
            lambda quote: services.quote_decline(quote_id=quote.pk, by=request.user),
            "declined",
        )
