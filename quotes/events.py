"""What partners are told of their quotes (see myproject.webhooks): each event carries the
quote as the API renders it, written in the transaction of the change."""

from django.dispatch import receiver

from customers.events import tell_partner
from myproject.lifecycle import transitioned
from myproject.webhooks.registry import register

from .models import Quote
from .serializers import QuoteSerializer

# The changes of state partners hear of; `paid` is told as the policy's `policy.issued`.
ON_TRANSITION = {
    Quote.State.ACCEPTED: "quote.accepted",
    Quote.State.DECLINED: "quote.declined",
    Quote.State.EXPIRED: "quote.expired",
}
register("quote.created", QuoteSerializer, "A quote was priced (by quotes/ or offers/).")
register("quote.accepted", QuoteSerializer, "The customer accepted a quote.")
register("quote.declined", QuoteSerializer, "The customer declined a quote.")
register("quote.expired", QuoteSerializer, "A quote's validity ended before it was paid.")


def quote_event(event_type: str, quote: Quote) -> None:
    tell_partner(
        event_type,
        partner=quote.partner,
        data=QuoteSerializer(quote).data,
    )


@receiver(transitioned, sender=Quote, dispatch_uid="quote-events")
def on_quote_transition(sender, *, instance, target, **kwargs):
    if target in ON_TRANSITION:
        quote_event(ON_TRANSITION[target], instance)
