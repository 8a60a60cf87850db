"""What partners are told of their policies and payments (see myproject.webhooks): each
event carries the object as the API renders it, written in the transaction of the change."""

from django.dispatch import receiver

from customers.events import tell_partner
from myproject.lifecycle import transitioned
from myproject.webhooks.registry import register
from quotes.models import Quote
from quotes.serializers import QuoteSerializer

from .models import Instalment, Payment, Policy
from .serializers import InstalmentSerializer, PaymentEventSerializer, PolicySerializer

register("policy.issued", PolicySerializer, "A quote was paid and its policy issued.")
register("policy.endorsed", PolicySerializer, "A policy's cover changed (an endorsement).")
register(
    "policy.cancelled",
    PolicySerializer,
    "A policy was cancelled (a scheduled cancellation on the day it takes effect).",
)
register("policy.expired", PolicySerializer, "A policy's term ended.")
register(
    "policy.in_grace",
    PolicySerializer,
    "An instalment is unpaid past its due date: the policy is in grace (still covered).",
)
register(
    "policy.lapsed",
    PolicySerializer,
    "Grace ended unpaid: the policy is cancelled for non-payment from the unpaid due date.",
)
register("policy.reinstated", PolicySerializer, "A lapsed policy's arrears were paid.")
register("instalment.due", InstalmentSerializer, "An instalment falls due in a few days.")
register("instalment.paid", InstalmentSerializer, "An instalment's collection was reported.")
register("instalment.failed", InstalmentSerializer, "An instalment's collection failed.")
register("instalment.waived", InstalmentSerializer, "The insurer waived an instalment.")
register(
    "policy.renewal_quoted",
    QuoteSerializer,
    "Next year's cover was quoted for a policy (the data is the renewal quote).",
)
register("payment.succeeded", PaymentEventSerializer, "A charge was paid.")
register("payment.pending", PaymentEventSerializer, "A charge awaits its invoice's payment.")
register("payment.refunded", PaymentEventSerializer, "Money went back: the data is the refund.")
register("payment.cancelled", PaymentEventSerializer, "A pending charge was cancelled.")


def policy_event(event_type: str, policy: Policy) -> None:
    tell_partner(
        event_type,
        partner=policy.partner,
        data=PolicySerializer(policy).data,
    )


def payment_event(payment: Payment) -> None:
    """payment.succeeded, .pending, .refunded or .cancelled, by what the payment is now."""
    if payment.kind == Payment.Kind.REFUND:
        event_type = "payment.refunded"
    else:
        event_type = f"payment.{payment.status}"
    tell_partner(
        event_type,
        partner=payment.policy.partner,  # loaded with the policy
        data=PaymentEventSerializer(payment).data,
    )


def instalment_event(event_type: str, instalment: Instalment) -> None:
    tell_partner(
        event_type,
        partner=instalment.policy.partner,  # loaded with the policy
        data=InstalmentSerializer(instalment).data,
    )


def renewal_event(policy: Policy, quote: Quote) -> None:
    tell_partner(
        "policy.renewal_quoted",
        partner=policy.partner,
        data=QuoteSerializer(quote).data,
    )


@receiver(transitioned, sender=Policy, dispatch_uid="policy-events")
def on_policy_transition(sender, *, instance, target, by_time, **kwargs):
    # A cancellation asked for now is told by policy_cancel once its refund is made; one
    # that was scheduled is told here, on the day it takes effect.
    # Grace is told when the job records it, as a scheduled cancellation is.
    timed = (Policy.State.CANCELLED, Policy.State.IN_GRACE)
    if target == Policy.State.EXPIRED or (target in timed and by_time):
        policy_event(f"policy.{target}", instance)


@receiver(transitioned, sender=Instalment, dispatch_uid="instalment-events")
def on_instalment_transition(sender, *, instance, target, by_time, **kwargs):
    if target == Instalment.Status.DUE and by_time:
        instalment_event("instalment.due", instance)


@receiver(transitioned, sender=Payment, dispatch_uid="payment-events")
def on_payment_transition(sender, *, instance, target, **kwargs):
    # A charge refunded is told by the refund's own payment.refunded.
    if target == Payment.Status.CANCELLED:
        payment_event(instance)
