"""Events belong to the partner whose objects changed (see myproject.webhooks)."""

from myproject.webhooks.models import Event
from myproject.webhooks.services import record

from .access import partner_user_id


def tell_partner(event_type: str, *, partner_id: int, data: dict) -> Event:
    """Record an event for a partner, in the current transaction; the platform knows the
    partner's user, which owns its events and webhook endpoints."""
    return record(event_type, owner_id=partner_user_id(partner_id), data=data)
