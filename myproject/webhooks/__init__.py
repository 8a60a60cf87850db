"""Telling partners what happened: events written in the same transaction as each change (a
transactional outbox), an events feed, and webhooks signed to the Standard Webhooks
specification, delivered by background tasks (Django's Tasks API)."""
