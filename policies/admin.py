import csv

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery, Sum
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from customers.admin import CustomerAdmin, dob_from_search
from customers.models import Customer
from myproject.admin import (
    ReadOnlyInline,
    StaffHistoryAdmin,
    run_action,
    shows_money,
    with_currency,
)
from myproject.history import REASON_MAX_LENGTH
from myproject.text import Echo, spreadsheet_safe
from quotes.admin import MONEY_FIELDS, parts_after_premium
from quotes.models import Quote

from . import documents, services
from .documents import policy_document
from .models import CancellationReason, Endorsement, Instalment, Payment, Policy
from .selectors import policies_for_documents, policy_story


@shows_money(*MONEY_FIELDS)
class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = parts_after_premium(
        ["reference", "kind", "amount", "method", "status", "created_at"], "amount"
    )
    show_change_link = False


@shows_money(*MONEY_FIELDS)
class InstalmentInline(ReadOnlyInline):
    model = Instalment
    fields = parts_after_premium(
        ["number", "due_date", "amount", "status", "payment", "failure_reason", "note"], "amount"
    )
    ordering = ("number",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment")


ENDORSEMENT_MONEY = ("old_cover", "new_cover", "old_premium", "new_premium", "premium_change")


@shows_money(*ENDORSEMENT_MONEY)
class EndorsementInline(ReadOnlyInline):
    model = Endorsement
    fields = with_currency(
        ["effective_date", *ENDORSEMENT_MONEY, "payment", "created_at"], ENDORSEMENT_MONEY
    )
    show_change_link = False

    def get_queryset(self, request):
        # Each row's money shows in its policy's currency (Endorsement.currency).
        return super().get_queryset(request).select_related("policy", "payment")


@admin.register(Policy)
@shows_money(*MONEY_FIELDS)
class PolicyAdmin(StaffHistoryAdmin):
    """Policies are issued by paying a quote; their money and state are read-only here.
    Search by policy number, name or date of birth (DD-MM-YYYY)."""

    list_display = ("number", "customer", "product_code", "premium_money", "state_now")
    list_display += ("starts", "ends", "paid_on")
    list_filter = ("state", "product", ("start_date", admin.DateFieldListFilter), "end_date")
    search_fields = ("=number", "customer__first_name", "customer__last_name")
    search_help_text = "A policy number, a first or last name, or a date of birth (DD-MM-YYYY)."
    list_select_related = ("customer", "product")
    show_full_result_count = False
    readonly_fields = [
        "story",
        "schedule",
        "verification_code",
        *parts_after_premium([f.name for f in Policy._meta.fields]),
    ]
    inlines = [InstalmentInline, PaymentInline, EndorsementInline]
    actions = ["cancel_at_customer_request", "quote_renewal", "export_csv"]

    def get_queryset(self, request):
        charges = Payment.objects.filter(policy=OuterRef("pk"), kind=Payment.Kind.CHARGE)
        return (
            super()
            .get_queryset(request)
            .with_current_state()
            .annotate(paid_at=Subquery(charges.values("created_at")[:1]))
        )

    def get_search_results(self, request, queryset, search_term):
        dob = dob_from_search(search_term)
        if dob is not None:
            return queryset.filter(customer__dob=dob), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="product", ordering="product__code")
    def product_code(self, policy):
        return policy.product.code

    # Dates as DD-MM-YYYY, as staff read and type them, and narrow enough for the list to fit.
    @admin.display(description="paid on", ordering="paid_at")
    def paid_on(self, policy):
        return f"{policy.paid_at:%d-%m-%Y}" if policy.paid_at else "-"

    @admin.display(description="start", ordering="start_date")
    def starts(self, policy):
        return f"{policy.start_date:%d-%m-%Y}"

    @admin.display(description="end", ordering="end_date")
    def ends(self, policy):
        return f"{policy.end_date:%d-%m-%Y}"

    @admin.display(description="state", ordering="state")
    def state_now(self, policy):
        return Policy.State(policy.current_state).label

    @admin.display(description="policy schedule")
    def schedule(self, policy):
        url = reverse("admin:policies_policy_document", args=[policy.pk])
        return format_html('<a href="{}">The PDF the customer gets</a>', url)

    @admin.display(description="verification code")
    def verification_code(self, policy):
        """What a genuine schedule of the policy as it reads now carries: a customer reading
        out another code has an older or an edited one."""
        return documents.verification_code(policies_for_documents().get(pk=policy.pk))

    def get_urls(self):
        document = path(
            "<int:policy_id>/document/",
            self.admin_site.admin_view(self.document),
            name="policies_policy_document",
        )
        return [document, *super().get_urls()]

    def document(self, request, policy_id: int):
        """The same schedule the API gives the partner."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        policy = get_object_or_404(policies_for_documents(), pk=policy_id)
        return HttpResponse(
            policy_document(policy),
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{policy.number}.pdf"'},
        )

    @admin.display(description="the contract's story")
    def story(self, policy):
        return format_html_join(
            "", "<div>{}</div>", ((line,) for line in policy_story(policy, viewer=self._viewer))
        )

    def get_readonly_fields(self, request, obj=None):
        self._viewer = request.user  # whose eyes the story's names are for
        return super().get_readonly_fields(request, obj)

    @admin.action(description="Export the selected policies as CSV")
    def export_csv(self, request, queryset):
        header = ["number", "customer", "date of birth", "product", "cover", "premium"]
        header += ["currency", "state", "start", "end", "paid on", "refunded"]
        header += ["cancellation reason", "cancelled on"]
        refunds = Payment.objects.filter(policy=OuterRef("pk"), kind=Payment.Kind.REFUND)
        # Live business only: a sandbox partner's policies are never exported.
        policies = (
            queryset.filter(partner__is_sandbox=False)
            .select_related("customer", "product")
            .annotate(
                refunded=Subquery(
                    refunds.values("policy").annotate(total=Sum("amount")).values("total")
                )
            )
        )
        rows = (
            [
                policy.number,
                str(policy.customer),
                f"{policy.customer.dob:%d-%m-%Y}",
                policy.product.code,
                policy.cover,
                policy.premium,
                policy.currency,
                policy.current_state,
                f"{policy.start_date:%d-%m-%Y}",
                f"{policy.end_date:%d-%m-%Y}",
                f"{policy.paid_at:%d-%m-%Y}" if policy.paid_at else "",
                f"{policy.refunded or 0:.2f}",
                policy.get_cancellation_reason_display() if policy.cancellation_reason else "",
                f"{policy.cancelled_on:%d-%m-%Y}" if policy.cancelled_on else "",
            ]
            for policy in policies.order_by("pk").iterator(chunk_size=2000)
        )
        writer = csv.writer(Echo())  # each row written is returned, and streamed
        response = StreamingHttpResponse(
            (
                writer.writerow([spreadsheet_safe(cell) for cell in row])
                for row in _prepend(header, rows)
            ),
            content_type="text/csv",
        )
        response["Content-Disposition"] = 'attachment; filename="policies.csv"'
        return response

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
@shows_money(*MONEY_FIELDS)
class PaymentAdmin(StaffHistoryAdmin):
    list_display = ("reference", "policy", "kind", "amount_money", "method", "status")
    list_filter = ("kind", "method", "status")
    search_fields = ("reference", "policy__number")
    list_select_related = ("policy",)
    show_full_result_count = False
    readonly_fields = parts_after_premium([f.name for f in Payment._meta.fields], "amount")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WaiverForm(ActionForm):
    note = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        label="Note (to waive)",
        help_text="Why the instalments are waived; required to waive.",
    )


@admin.register(Instalment)
@shows_money(*MONEY_FIELDS)
class InstalmentAdmin(StaffHistoryAdmin):
    """A policy's instalments as the partner reports their collection; staff may waive one
    (saying why), which is then no longer owed."""

    list_display = ("__str__", "policy", "number", "due_date", "amount_money", "status")
    list_filter = ("status", ("due_date", admin.DateFieldListFilter))
    search_fields = ("=policy__number",)
    search_help_text = "A policy number."
    list_select_related = ("policy",)
    show_full_result_count = False
    readonly_fields = parts_after_premium([f.name for f in Instalment._meta.fields], "amount")
    action_form = WaiverForm
    actions = ["waive"]

    @admin.action(description="Waive (no longer owed), with the note given")
    def waive(self, request, queryset):
        note = request.POST.get("note", "")
        run_action(
            self,
            request,
            queryset,
            lambda instalment: services.instalment_waive(
                instalment_id=instalment.pk, note=note, by=request.user
            ),
            "waived",
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _prepend(first, rest):
    yield first
    yield from rest


@shows_money("premium")
class QuoteInline(ReadOnlyInline):
    model = Quote
    fk_name = "customer"
    fields = ("id", "product", "premium_money", "state", "valid_until", "created_at")
    ordering = ("-id",)


@shows_money("premium")
class PolicyInline(ReadOnlyInline):
    model = Policy
    fk_name = "customer"
    fields = ("number", "product", "premium_money", "state", "start_date", "end_date")
    ordering = ("-quote",)


# The customer's page shows its quotes and policies; they live in apps customers cannot import.
admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerWithContractsAdmin(CustomerAdmin):
    inlines = [QuoteInline, PolicyInline]
