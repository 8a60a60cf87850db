"""Events belong to the partner whose objects changed (see myproject.webhooks)."""

from myproject.webhooks.models import Event
from myproject.webhooks.outbox import record

from .models import Partner


def tell_partner(event_type: str, *, partner: Partner, data: dict) -> Event:
    """Record an event for a partner, in the current transaction; the platform knows the
    partner's user, which owns its events and webhook endpoints."""
    return record(event_type, owner_id=partner.user_id, data=data)
