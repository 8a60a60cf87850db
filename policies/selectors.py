"""Reads: policies as the API renders them, and a contract's story from the history
django-simple-history records."""

from collections import defaultdict

from django.db.models import QuerySet

from myproject.sql import prepared, rows_of
from quotes.models import Quote

from .models import Endorsement, Instalment, Payment, Policy

# The state a history entry shows for a change of cover; the policy itself stays active.
ENDORSED = "endorsed"
# ... and for a lapsed policy made active again.
REINSTATED = "reinstated"


def policies_for_reading() -> QuerySet:
    """Policies with the customer and product rendering one needs; their payments,
    endorsements and current state come with `ready_to_render`, once the page is known."""
    return Policy.objects.select_related("customer", "product", "rate_version").order_by("quote")


def ready_to_render(policies: list[Policy]) -> list[Policy]:
    """Attach each policy's payments and endorsements, read in one query each, and the state
    it reads now (rendering asks for it three times).

    What `prefetch_related` and an annotation would do, without the queryset it builds for
    every policy and relation, or the SQL the ORM would compile for each read."""
    ids = [policy.pk for policy in policies]
    payments, endorsements, by_id = defaultdict(list), defaultdict(list), {}
    instalments = defaultdict(list)
    for payment in rows_of(Payment, policy_id=ids):
        payments[payment.policy_id].append(payment)
        by_id[payment.pk] = payment
    for change in rows_of(Endorsement, policy_id=ids):
        if change.payment_id is not None:
            change.payment = by_id[change.payment_id]  # one of the policy's own
        endorsements[change.policy_id].append(change)
    # Only policies paid by instalments have any: a page of annual ones reads none.
    by_plan = [policy.pk for policy in policies if policy.by_instalments]
    for instalment in rows_of(Instalment, policy_id=by_plan):
        if instalment.payment_id is not None:
            instalment.payment = by_id[instalment.payment_id]
        instalments[instalment.policy_id].append(instalment)
    for policy in policies:
        policy.attach_related(
            payments=payments[policy.pk],
            endorsements=endorsements[policy.pk],
            instalments=instalments[policy.pk],
        )
        policy.current_state = policy.state_at(policy.now())  # its test clock's, if it has one
    return policies


def policies_for_documents() -> QuerySet:
    """As for reading, with the partner that a policy document names as the seller."""
    return policies_for_reading().select_related("partner")


# What a history entry shows, and who made the change.
HISTORY_VALUES = (
    "history_date",
    "history_change_reason",
    "state",
    "history_user_id",
    "history_user__username",
    "history_user__partner__name",
)

# The contract's records oldest first, each compiled once (a history read ran two querysets,
# and building their SQL cost more than running it): the quote's, without its own `paid`
# state, which the policy's `active` entry stands for; then the policy's, with its cover.
_QUOTE_RECORDS = prepared(
    lambda quote_id: (
        Quote.history.filter(id=quote_id)
        .exclude(state=Quote.State.PAID)
        .order_by("history_date", "history_id")
        .values_list(*HISTORY_VALUES)
    )
)
_POLICY_RECORDS = prepared(
    lambda policy_id: (
        Policy.history.filter(quote_id=policy_id)
        .order_by("history_date", "history_id")
        .values_list(*HISTORY_VALUES, "cover")
    )
)


def _entry(record: tuple, *, viewer, state: str) -> dict:
    at, reason, _, user_id, username, partner_name = record[:6]
    if user_id is None:
        by = None  # a scheduled job
    elif partner_name is not None:
        by = partner_name
    else:
        by = username if viewer.is_staff else "staff"
    return {"state": state, "at": at, "by": by, "reason": reason or None}


def policy_history(policy: Policy, *, viewer) -> list[dict]:
    """The contract's states oldest first: the quote's, then the policy's.

    The quote's own `paid` state is left out: the policy's `active` entry stands for it.
    A change of cover shows as `endorsed` (the policy itself stays active), a lapsed policy
    made active again as `reinstated`. Each entry names
    who made it: the partner's name for a partner's user; for the insurer's staff, the
    username to other staff and just `staff` to partners; null for a scheduled job.
    Other consecutive entries in the same state (edits that changed no state) are collapsed.
    """
    entries: list[dict] = []
    for record in _QUOTE_RECORDS(policy.pk):
        if not entries or entries[-1]["state"] != record[2]:
            entries.append(_entry(record, viewer=viewer, state=record[2]))
    state = entries[-1]["state"] if entries else None
    cover = None
    for record in _POLICY_RECORDS(policy.pk):
        record_state, record_cover = record[2], record[6]
        if cover is not None and record_cover != cover:
            entries.append(_entry(record, viewer=viewer, state=ENDORSED))
        elif record_state == Policy.State.ACTIVE and state == Policy.State.CANCELLED:
            entries.append(_entry(record, viewer=viewer, state=REINSTATED))
        elif record_state != state:
            entries.append(_entry(record, viewer=viewer, state=record_state))
        state, cover = record_state, record_cover
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
