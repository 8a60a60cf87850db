"""Reads: policies as the API renders them, and a contract's story from the history
django-simple-history records."""

from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from customers.access import partner_of
from myproject.sql import rows_of
from quotes.models import Quote

from .models import Endorsement, Payment, Policy

# The state a history entry shows for a change of cover; the policy itself stays active.
ENDORSED = "endorsed"


def policies_for_reading() -> QuerySet:
    """Policies with the customer and product rendering one needs; their payments,
    endorsements and current state come with `ready_to_render`, once the page is known."""
    return Policy.objects.select_related("customer", "product").order_by("quote")


def ready_to_render(policies: list[Policy]) -> list[Policy]:
    """Attach each policy's payments and endorsements, read in one query each, and the state
    it reads now (rendering asks for it three times).

    What `prefetch_related` and an annotation would do, without the queryset it builds for
    every policy and relation, or the SQL the ORM would compile for each read."""
    ids = [policy.pk for policy in policies]
    payments, endorsements, by_id = defaultdict(list), defaultdict(list), {}
    for payment in rows_of(Payment, policy_id=ids):
        payments[payment.policy_id].append(payment)
        by_id[payment.pk] = payment
    for change in rows_of(Endorsement, policy_id=ids):
        if change.payment_id is not None:
            change.payment = by_id[change.payment_id]  # one of the policy's own
        endorsements[change.policy_id].append(change)
    now = timezone.now()
    for policy in policies:
        policy.attach_related(payments=payments[policy.pk], endorsements=endorsements[policy.pk])
        policy.current_state = policy.state_at(now)
    return policies


def policies_for_documents() -> QuerySet:
    """As for reading, with the partner that a policy document names as the seller."""
    return policies_for_reading().select_related("partner")


# What a history entry shows, and who made the change (the fewer columns, the less SQL to
# build for a read that runs two such queries).
HISTORY_COLUMNS = (
    "history_id",
    "history_date",
    "history_change_reason",
    "state",
    "history_user__username",
    "history_user__is_staff",
    "history_user__is_active",
    "history_user__partner__name",
)


def actor_name(user, *, viewer) -> str | None:
    """The partner's name for a partner's user; for the insurer's staff, the username to
    other staff and just `staff` to partners."""
    if user is None:
        return None
    partner = partner_of(user)
    if partner is not None:
        return partner.name
    return user.get_username() if viewer.is_staff else "staff"


def _entry(record, *, viewer, state: str) -> dict:
    return {
        "state": state,
        "at": record.history_date,
        "by": actor_name(record.history_user, viewer=viewer),
        "reason": record.history_change_reason or None,
    }


def policy_history(policy: Policy, *, viewer) -> list[dict]:
    """The contract's states oldest first: the quote's, then the policy's.

    The quote's own `paid` state is left out: the policy's `active` entry stands for it.
    A change of cover shows as `endorsed`. Other consecutive entries in the same state (edits
    that changed no state) are collapsed.
    """
    quote_records = (
        Quote.history.filter(id=policy.pk)
        .exclude(state=Quote.State.PAID)
        .select_related("history_user__partner")
        .only(*HISTORY_COLUMNS)
        .order_by("history_date", "history_id")
    )
    policy_records = (
        policy.history.select_related("history_user__partner")
        .only(*HISTORY_COLUMNS, "cover")
        .order_by("history_date", "history_id")
    )
    entries: list[dict] = []
    for record in quote_records:
        if not entries or entries[-1]["state"] != record.state:
            entries.append(_entry(record, viewer=viewer, state=record.state))
    state = entries[-1]["state"] if entries else None
    cover = None
    for record in policy_records:
        if cover is not None and record.cover != cover:
            entries.append(_entry(record, viewer=viewer, state=ENDORSED))
        elif record.state != state:
            entries.append(_entry(record, viewer=viewer, state=record.state))
        state, cover = record.state, record.cover
    return entries


def policy_story(policy: Policy, *, viewer) -> list[str]:
    """The contract's story in words, oldest first, for staff on the phone: each state with
    its day and who, each payment with its method, and a cancellation with its reason."""
    lines = []
    for entry in policy_history(policy, viewer=viewer):
        who = f" by {entry['by']}" if entry["by"] else ""
        line = f"{entry['state'].capitalize()} on {entry['at']:%d-%m-%Y}{who}"
        if entry["state"] == Policy.State.CANCELLED and policy.cancellation_reason:
            reason = policy.get_cancellation_reason_display().lower()
            line += f', because "{reason}", from {policy.cancelled_on:%d-%m-%Y}'
        if entry["state"] == ENDORSED:
            line += f": {entry['reason']}"
        lines.append(line)
    for payment in policy.payments.order_by("id"):
        verb = "Refund" if payment.kind == Payment.Kind.REFUND else "Paid"
        lines.append(
            f"{verb} {payment.amount} {payment.currency} by {payment.get_method_display().lower()}"
            f" on {payment.created_at:%d-%m-%Y} ({payment.get_status_display().lower()})"
        )
    return lines
