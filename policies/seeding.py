"""Demo data at scale, for benchmarks and for trying the API on a realistic database.

Customers aged 18 to 80 spread over a few partners; a quote for each eligible one, in every
state (quoted, accepted, paid, declined, expired), priced by the real pricing functions; a
policy for each paid quote (active, cancelled with a refund, or ended); their payments; and the
history rows the services would have written. Rows are written with bulk inserts, in batches
(the services write one at a time), so it is for empty or demo databases only.
"""

import contextlib
import datetime as dt
import json
import random
import sys
from collections.abc import Callable, Iterator

from django.db import connection, models, transaction
from django.utils import timezone

from customers.models import Customer, Partner
from quotes import pricing
from quotes.models import Product, Quote, in_force
from quotes.pricing import PremiumParts
from quotes.services import commission_rate, price_at, version_bands

from . import payments
from .models import CancellationReason, Payment, Policy
from .services import policy_term

BATCH = 5000
FIRST_NAMES = (
    "Ben Joe Ana Maria Ahmed Fatima Li Wei Olga Ivan Priya Ravi Sara John Aisha Omar Lena "
    "Tom Nadia Yusuf Chen Emma Lucas Noor Hana Diego Sofia Karim Mei Ali Zara Leo Mira"
).split()
LAST_NAMES = (
    "Stokes Root Khan Ahmed Smith Garcia Wang Ivanova Patel Kumar Haddad Silva Novak Tanaka "
    "Brown Rossi Nasser Okafor Larsen Dubois Costa Kim Hassan Fischer Moreau Anand Sato Lopez"
).split()
# How quotes end up, out of 100: most are paid, as in a healthy funnel.
QUOTE_STATES = (
    [Quote.State.QUOTED] * 15
    + [Quote.State.ACCEPTED] * 10
    + [Quote.State.PAID] * 64
    + [Quote.State.DECLINED] * 6
    + [Quote.State.EXPIRED] * 5
)


class Progress:
    """A progress bar on stderr: `customers [##########..........] 50%`."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr

    def advance(self, count: int) -> None:
        self.done += count
        filled = 30 * self.done // self.total
        bar = "#" * filled + "." * (30 - filled)
        self.stream.write(f"\r{self.label:<10} [{bar}] {100 * self.done // self.total:3d}%")
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextlib.contextmanager
def given_times(model):
    """Keep the created/updated times the seeder chose (auto_now would set them to now)."""
    fields = [f for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    fields += [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def insert(model, rows: list, progress: Progress | None = None) -> list:
    """Insert rows in batches, with the times given; returns them with their ids. PostgreSQL
    takes them by COPY (compiling millions of INSERTs is most of bulk_create's time)."""
    with given_times(model):
        if connection.vendor == "postgresql":
            _copy(model, rows, progress)
            return rows
        for batch in batches(rows):
            model.objects.bulk_create(batch, batch_size=BATCH)
            if progress:
                progress.advance(len(batch))
    return rows


def _copy(model, rows: list, progress: Progress | None) -> None:
    table, pk = model._meta.db_table, model._meta.pk
    if rows and rows[0].pk is None:  # take ids from the table's own sequence
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(rows)],
            )
            for row, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
                row.pk = new_id
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    # COPY's text takes a JSON column's value as its JSON text (a partner's metadata).
    as_json = {field.name for field in fields if isinstance(field, models.JSONField)}

    def value(field, row):
        found = field.pre_save(row, add=True)
        return json.dumps(found) if field.name in as_json else found

    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for batch in batches(rows):
                for row in batch:
                    copy.write_row([value(field, row) for field in fields])
                if progress:
                    progress.advance(len(batch))


def history(model, rows: list, changes: Callable[[object], list[tuple[dt.datetime, str]]]):
    """History rows for each row: one per (time, state) that `changes` lists, oldest first."""
    historical = model.history.model
    fields = [field.attname for field in model._meta.concrete_fields]
    records = []
    for row in rows:
        values = {name: getattr(row, name) for name in fields}
        state_field = getattr(model, "STATE_FIELD", None)
        for index, (when, state) in enumerate(changes(row)):
            if state_field:
                values[state_field] = state
            records.append(
                historical(
                    **values,
                    history_date=when,
                    history_type="+" if index == 0 else "~",
                    history_change_reason=None,
                )
            )
    return records


def seed(*, customers: int, partners: list[Partner], seed_value: int = 7) -> dict[str, int]:
    """Write `customers` customers with their quotes, policies, payments and history."""
    rng = random.Random(seed_value)
    now = timezone.now()
    people = _seed_customers(rng, customers, partners, now=now)
    quotes = _seed_quotes(rng, people, partners, now=now)
    policies, money = _seed_policies(rng, quotes, now=now)
    return {
        "customers": len(people),
        "quotes": len(quotes),
        "policies": len(policies),
        "payments": len(money),
    }


def _seed_customers(rng, count: int, partners: list[Partner], *, now) -> list[Customer]:
    today = timezone.localdate(now)
    people = [
        Customer(
            partner=partners[index % len(partners)],
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            dob=today - dt.timedelta(days=rng.randint(18 * 366, 80 * 365)),
            created_at=now,
            updated_at=now,
        )
        for index in range(count)
    ]
    with transaction.atomic():
        insert(Customer, people, Progress("customers", count))
        insert(Customer.history.model, history(Customer, people, lambda c: [(now, None)]))
    return people


# The states a quote passed through to reach each state, as the services move it.
QUOTE_STEPS = {
    Quote.State.QUOTED: [Quote.State.QUOTED],
    Quote.State.ACCEPTED: [Quote.State.QUOTED, Quote.State.ACCEPTED],
    Quote.State.PAID: [Quote.State.QUOTED, Quote.State.ACCEPTED, Quote.State.PAID],
    Quote.State.DECLINED: [Quote.State.QUOTED, Quote.State.DECLINED],
    Quote.State.EXPIRED: [Quote.State.QUOTED, Quote.State.EXPIRED],
}


def _seed_quotes(rng, people: list[Customer], partners: list[Partner], *, now) -> list[Quote]:
    """A quote for each customer a product covers, priced as quote_create prices it (the
    same function and inputs, the rate versions and commission rates read once), by the
    rate version in force on the day it was made."""
    products = list(Product.objects.active())
    versions = {
        product.pk: list(product.rate_versions.prefetch_related("bands")) for product in products
    }
    bands = {v.pk: version_bands(v) for listed in versions.values() for v in listed}
    commissions = {
        (partner.pk, product.pk): commission_rate(partner_id=partner.pk, product=product)
        for partner in partners
        for product in products
    }
    quotes = []
    for person in people:
        product = rng.choice(products)
        created = now - dt.timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86399))
        age = pricing.age_on(person.dob, timezone.localdate(created))
        if not product.min_age <= age <= product.max_age:
            continue  # not eligible, as the API would have said
        state = rng.choice(QUOTE_STATES)
        validity = product.quote_validity_days
        if state in (Quote.State.QUOTED, Quote.State.ACCEPTED):
            created = now - dt.timedelta(days=rng.randint(0, validity - 1))
        elif state == Quote.State.EXPIRED:
            created = now - dt.timedelta(days=rng.randint(validity + 1, 700))
        day = timezone.localdate(created)
        version = in_force(versions[product.pk], day)
        band = version and pricing.band_for_age(bands[version.pk], age)
        if not band:
            continue  # not on sale that day, as the API would have said
        parts = price_at(
            version,
            cover=version.default_cover,
            rate_per_mille=band.rate_per_mille,
            commission_rate=commissions[person.partner_id, product.pk],
        )
        quotes.append(
            Quote.priced(
                person,
                version,
                cover=version.default_cover,
                band=band,
                age=age,
                parts=parts,
                valid_until=created + dt.timedelta(days=validity),
                state=state,
                created_at=created,
                updated_at=created,
            )
        )

    def quote_changes(quote):
        return [
            (quote.created_at + dt.timedelta(minutes=index), state)
            for index, state in enumerate(QUOTE_STEPS[quote.state])
        ]

    with transaction.atomic():
        insert(Quote, quotes, Progress("quotes", len(quotes)))
        insert(Quote.history.model, history(Quote, quotes, quote_changes))
    return quotes


def _seed_policies(rng, quotes: list[Quote], *, now) -> tuple[list[Policy], list[Payment]]:
    """A policy for each paid quote, paid by card; some cancelled at the customer's request,
    refunded by the rules the cancellation service applies (policies.payments)."""
    today = timezone.localdate(now)
    policies, moved = [], []
    for quote in quotes:
        if quote.state != Quote.State.PAID:
            continue
        start, end = policy_term(timezone.localdate(quote.created_at))
        state = Policy.State.EXPIRED if end < today else Policy.State.ACTIVE
        policy = Policy.from_quote(
            quote,
            start=start,
            end=end,
            state=state,
            created_at=quote.created_at,
            updated_at=quote.created_at,
        )
        policies.append(policy)
        charge = Payment.charge(policy, PremiumParts.of(policy), method=Payment.Method.CARD)
        charge.created_at = policy.created_at
        moved.append(charge)
        if state == Policy.State.ACTIVE and rng.random() < 0.06:
            moved += _cancel(policy, charge, rng=rng, today=today)

    def policy_changes(policy):
        issued = policy.created_at + dt.timedelta(minutes=3)
        if policy.state == Policy.State.ACTIVE:
            return [(issued, Policy.State.ACTIVE)]
        return [(issued, Policy.State.ACTIVE), (issued + dt.timedelta(days=1), policy.state)]

    with transaction.atomic():
        insert(Policy, policies, Progress("policies", len(policies)))
        insert(Policy.history.model, history(Policy, policies, policy_changes))
        for payment in moved:
            payment.policy_id = payment.policy.pk
        insert(Payment, moved, Progress("payments", len(moved)))
        insert(
            Payment.history.model,
            history(Payment, moved, lambda p: [(p.created_at, p.status)]),
        )
    return policies, moved


def _cancel(policy: Policy, charge: Payment, *, rng, today: dt.date) -> list[Payment]:
    """Cancel an active policy at the customer's request on a day of its term so far, asked
    that day: its refund, if any, as policy_cancel would make it."""
    policy.state = Policy.State.CANCELLED
    policy.cancellation_reason = CancellationReason.CUSTOMER_REQUEST
    policy.cancelled_on = policy.start_date + dt.timedelta(
        days=rng.randint(0, (today - policy.start_date).days)
    )
    asked = timezone.make_aware(dt.datetime.combine(policy.cancelled_on, dt.time(12)))
    refund = payments.cancellation_refund(
        policy, payments=[charge], endorsements=[], effective=policy.cancelled_on, now=asked
    )
    if refund.amount <= 0:
        return []
    repaid = Payment.refund(policy, refund.parts, method=charge.method)
    repaid.created_at = asked
    for paid, status in payments.repaid_charges([charge, repaid]):
        paid.status = status
    return [repaid]
