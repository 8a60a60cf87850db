import base64
import secrets

from django.conf import settings
from django.db import connection, models


def event_uid() -> str:
    return f"evt_{secrets.token_hex(12)}"


class FeedPosition(models.Model):
    """The last position given to an owner's events. Taking the next one locks this row until
    the transaction ends, so that an owner's events take their positions in the order their
    transactions commit: a feed read in position order never passes an event still to
    come."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last = models.BigIntegerField(default=0)
    # Whether the owner ever registered a webhook endpoint: an owner that never did (most
    # partners) is not asked for its endpoints on every event. Set, never cleared.
    has_endpoints = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.last}"

    @classmethod
    def take_next(cls, owner_id: int, count: int = 1) -> tuple[int, bool]:
        """The last of the owner's next `count` feed positions, its row locked until this
        transaction ends, and whether it has ever had endpoints: one statement, PostgreSQL
        and SQLite alike."""
        update = f"last = {{table}}.last + {int(count)}"
        return cls._upsert(owner_id, first=(count, False), update=update, returning=True)

    @classmethod
    def note_endpoints(cls, owner_id: int) -> None:
        """The owner has a webhook endpoint: its events look for their endpoints from now."""
        cls._upsert(owner_id, first=(0, True), update="has_endpoints = TRUE")

    @classmethod
    def _upsert(cls, owner_id: int, *, first: tuple, update: str, returning: bool = False):
        table = connection.ops.quote_name(cls._meta.db_table)
        statement = (
            f"INSERT INTO {table} (owner_id, last, has_endpoints) VALUES (%s, %s, %s) "
            f"ON CONFLICT (owner_id) DO UPDATE SET {update.format(table=table)}"
        )
        with connection.cursor() as cursor:
            if returning:
                cursor.execute(statement + " RETURNING last, has_endpoints", [owner_id, *first])
                last, has_endpoints = cursor.fetchone()
                return last, bool(has_endpoints)
            cursor.execute(statement, [owner_id, *first])
            return None


class Event(models.Model):
    """Something that happened to a partner's quote, policy or payment, with the object as
    the API rendered it then. Written in the transaction of the change itself: an event
    exists exactly when its change was committed."""

    seq = models.BigAutoField(primary_key=True)  # the order of all events, for staff
    # The order of its owner's events, in the order their transactions committed: the
    # partner's feed (see FeedPosition).
    position = models.BigIntegerField(null=True, editable=False)
    uid = models.CharField(max_length=32, unique=True, default=event_uid, editable=False)
    type = models.CharField(max_length=40)
    # The partner's user: the platform knows users, not partners.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created = models.DateTimeField(auto_now_add=True)
    data = models.JSONField()

    class Meta:
        db_table = "myproject_event"  # where it was created, rows and all
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["owner", "seq"], name="event_owner_idx"),
            models.Index(fields=["owner", "type", "seq"], name="event_owner_type_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "position"], name="event_owner_position"),
        ]

    def __str__(self) -> str:
        return f"{self.uid} {self.type}"


def endpoint_secret() -> str:
    """Standard Webhooks' form: `whsec_` and 24 random bytes in base64."""
    return f"whsec_{base64.b64encode(secrets.token_bytes(24)).decode()}"


class WebhookEndpoint(models.Model):
    """A partner's URL that receives the events it subscribed to, signed with its secret."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    url = models.URLField(max_length=500)
    events = models.JSONField(help_text='Event types, or ["*"] for every one.')
    # Kept to sign deliveries, so stored as it is; shown to the partner once.
    secret = models.CharField(max_length=64, default=endpoint_secret)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="The first failure since the last success."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "myproject_webhookendpoint"  # where it was created, rows and all
        ordering = ["id"]
        indexes = [models.Index(fields=["owner", "id"], name="webhook_endpoint_owner_idx")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


class Delivery(models.Model):
    """One event on its way to one endpoint: retried on its schedule until a 2xx, or failed."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the next try is due (or the current one's lease ends).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "myproject_delivery"  # where it was created, rows and all
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["endpoint", "id"], name="delivery_endpoint_idx"),
            models.Index(fields=["status", "next_try_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event.uid} to {self.endpoint.url}"


class Attempt(models.Model):
    """One try of a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    response = models.CharField(max_length=200, blank=True, help_text="Its first bytes.")
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "myproject_attempt"  # where it was created, rows and all
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
