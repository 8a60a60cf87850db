from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from myproject.admin import (
    ReadOnlyInline,
    StaffHistoryAdmin,
    run_action,
    shows_money,
    with_currency,
)

from . import services
from .models import PART_NAMES, AgeBand, Commission, Product, Quote, RateVersion
from .pricing import PLAN_INSTALMENTS

# A rate version's prices and terms, as staff set them.
RATE_TERMS = (
    "min_cover",
    "max_cover",
    "default_cover",
    "minimum_premium",
    "tax_rate",
    "policy_fee",
    "instalment_fee",
    "cooling_off_days",
)

# The money a priced row carries, shown with its currency in admin.
MONEY_FIELDS = ("cover", "premium", "amount", *PART_NAMES)


def parts_after_premium(names: list[str], total: str = "premium") -> list[str]:
    """Field names with a price's parts shown right after its total, as staff read them, and
    each money field with its currency (see myproject.admin.shows_money)."""
    rest = [name for name in names if name not in PART_NAMES]
    at = rest.index(total) + 1
    return with_currency([*rest[:at], *PART_NAMES, *rest[at:]], MONEY_FIELDS)


class AgeBandFormSet(BaseInlineFormSet):
    """Bands must not overlap and must cover exactly the product's ages (a version that has
    priced quotes keeps them: its form refuses any change, see RateVersionForm)."""

    def clean(self):
        super().clean()
        version = self.instance
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
        product = version.product if version.product_id else None
        if not bands:
            raise ValidationError("A rate version needs its age bands.")
        if product is not None:
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


class RateVersionInline(ReadOnlyInline):
    """A product's rate versions, each changed (or copied to the next) on its own page."""

    model = RateVersion
    fields = ("number", "effective_from", "minimum_premium", "tax_rate", "cooling_off_days")
    ordering = ("effective_from",)


class PaymentPlansField(forms.TypedMultipleChoiceField):
    """The plans a product allows as boxes to tick, kept in the order they are offered."""

    def __init__(self, **kwargs):
        choices = [(plan, plan.capitalize()) for plan in PLAN_INSTALMENTS]
        super().__init__(choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs)

    def clean(self, value):
        chosen = super().clean(value)
        return [plan for plan in PLAN_INSTALMENTS if plan in chosen]


@admin.register(Product)
class ProductAdmin(StaffHistoryAdmin):
    """Who a product covers and how it is paid; its prices are in its rate versions."""

    list_display = ("code", "name", "currency", "min_age", "max_age", "is_active")
    list_filter = ("is_active", "currency")
    search_fields = ("code", "name")
    inlines = [RateVersionInline, CommissionInline]
    readonly_fields = ("created_at", "updated_at")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "payment_plans":
            return PaymentPlansField(help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class RateVersionForm(forms.ModelForm):
    """The rules of quotes.services.check_rate_version, as errors on the form."""

    class Meta:
        model = RateVersion
        fields = ["product", "effective_from", *RATE_TERMS, "cover_summary", "exclusions"]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:  # the rules need a whole version
            return
        try:
            services.check_rate_version(self.instance)
        except ValidationError as refused:
            self.add_error(None, refused)


@admin.register(RateVersion)
@shows_money("policy_fee", "minimum_premium")
class RateVersionAdmin(StaffHistoryAdmin):
    """A change of rates is a new version ("Save as new" copies this one and its bands): it
    prices quotes from its day, never the quotes and policies priced before."""

    form = RateVersionForm
    list_display = ("product", "number", "effective_from", "tax_rate", "policy_fee_money")
    list_display += ("cooling_off_days",)
    list_filter = ("product",)
    list_select_related = ("product",)
    inlines = [AgeBandInline]
    readonly_fields = ("number", "created_at")
    save_as = True
    save_as_continue = True

    def has_delete_permission(self, request, obj=None):
        # Only a version that has priced nothing; its product keeps at least one.
        return obj is not None and not obj.quotes.exists()

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        services.rate_version_save(version=obj)


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
