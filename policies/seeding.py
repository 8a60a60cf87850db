"""Demo data at scale, for benchmarks and for trying the API on a realistic database.

Customers aged 18 to 80 spread over a few partners; a quote for each eligible one, in every
state (quoted, accepted, paid, declined, expired), priced by the real pricing functions; a
policy for each paid quote (active, cancelled with a refund, or ended); their payments; and the
history rows the services would have written. Rows are written with bulk inserts, in batches
(the services write one at a time), so it is for empty or demo databases only.
"""

import contextlib
import datetime as dt
import random
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer, Partner
from quotes import pricing
from quotes.models import Product, Quote
from quotes.services import commission_rate, product_bands

from .models import Payment, Policy
from .refunds import cancellation_refund
from .services import payment_reference, policy_term

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
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for batch in batches(rows):
                for row in batch:
                    copy.write_row([field.pre_save(row, add=True) for field in fields])
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
    today = timezone.localdate(now)
    products = list(Product.objects.active())
    bands = {product.pk: product_bands(product) for product in products}
    commissions = {
        (partner.pk, product.pk): commission_rate(partner_id=partner.pk, product=product)
        for partner in partners
        for product in products
    }
    counts = {}

    people = [
        Customer(
            partner=partners[index % len(partners)],
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            dob=today - dt.timedelta(days=rng.randint(18 * 366, 80 * 365)),
            created_at=now,
            updated_at=now,
        )
        for index in range(customers)
    ]
    with transaction.atomic():
        insert(Customer, people, Progress("customers", customers))
        insert(Customer.history.model, history(Customer, people, lambda c: [(now, None)]))
    counts["customers"] = customers

    quotes = []
    for person in people:
        product = rng.choice(products)
        created = now - dt.timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86399))
        age = pricing.age_on(person.dob, timezone.localdate(created))
        band = pricing.band_for_age(bands[product.pk], age)
        if band is None or not product.min_age <= age <= product.max_age:
            continue  # not eligible, as the API would have said
        state = rng.choice(QUOTE_STATES)
        validity = product.quote_validity_days
        if state in (Quote.State.QUOTED, Quote.State.ACCEPTED):
            created = now - dt.timedelta(days=rng.randint(0, validity - 1))
        elif state == Quote.State.EXPIRED:
            created = now - dt.timedelta(days=rng.randint(validity + 1, 700))
        parts = pricing.premium_parts(
            cover=product.default_cover,
            rate_per_mille=band.rate_per_mille,
            minimum_premium=product.minimum_premium,
            tax_rate=product.tax_rate,
            policy_fee=product.policy_fee,
            commission_rate=commissions[person.partner_id, product.pk],
            currency=product.currency,
        )
        quote = Quote(
            partner=person.partner,
            customer=person,
            product=product,
            cover=product.default_cover,
            premium=parts.premium,
            currency=product.currency,
            age_band=band.label,
            rated_age=age,
            rate_per_mille=band.rate_per_mille,
            valid_until=created + dt.timedelta(days=product.quote_validity_days),
            state=state,
            created_at=created,
            updated_at=created,
        )
        quote.set_parts(parts)
        quotes.append(quote)
    steps = {
        Quote.State.QUOTED: [Quote.State.QUOTED],
        Quote.State.ACCEPTED: [Quote.State.QUOTED, Quote.State.ACCEPTED],
        Quote.State.PAID: [Quote.State.QUOTED, Quote.State.ACCEPTED, Quote.State.PAID],
        Quote.State.DECLINED: [Quote.State.QUOTED, Quote.State.DECLINED],
        Quote.State.EXPIRED: [Quote.State.QUOTED, Quote.State.EXPIRED],
    }

    def quote_changes(quote):
        return [
            (quote.created_at + dt.timedelta(minutes=index), state)
            for index, state in enumerate(steps[quote.state])
        ]

    with transaction.atomic():
        insert(Quote, quotes, Progress("quotes", len(quotes)))
        insert(Quote.history.model, history(Quote, quotes, quote_changes))
    counts["quotes"] = len(quotes)

    policies, payments, cooling_off = [], [], {p.pk: p.cooling_off_days for p in products}
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
        if state == Policy.State.ACTIVE and rng.random() < 0.06:
            policy.state = Policy.State.CANCELLED
            policy.cancellation_reason = "customer_request"
            policy.cancelled_on = start + dt.timedelta(days=rng.randint(0, (today - start).days))
        policies.append(policy)
        charge = Payment(
            policy=policy,
            partner_id=policy.partner_id,
            kind=Payment.Kind.CHARGE,
            amount=policy.premium,
            currency=policy.currency,
            method=Payment.Method.CARD,
            status=Payment.Status.SUCCEEDED,
            reference=payment_reference(),
            created_at=policy.created_at,
        )
        charge.set_parts(policy)
        payments.append(charge)
        if policy.state == Policy.State.CANCELLED:
            paid = pricing.PremiumParts.of(policy)
            refund = cancellation_refund(
                paid=paid,
                annual=paid,
                start=start,
                end=end,
                effective=policy.cancelled_on,
                requested_on=policy.cancelled_on,
                cooling_off_days=cooling_off[policy.product_id],
                currency=policy.currency,
            )
            if refund.amount > Decimal(0):
                whole = refund.amount == charge.amount
                charge.status = (
                    Payment.Status.REFUNDED if whole else Payment.Status.PARTIALLY_REFUNDED
                )
                repaid = Payment(
                    policy=policy,
                    partner_id=policy.partner_id,
                    kind=Payment.Kind.REFUND,
                    amount=refund.amount,
                    currency=policy.currency,
                    method=Payment.Method.CARD,
                    status=Payment.Status.SUCCEEDED,
                    reference=payment_reference(),
                    created_at=now,
                )
                repaid.set_parts(refund.parts)
                payments.append(repaid)

    def policy_changes(policy):
        issued = policy.created_at + dt.timedelta(minutes=3)
        if policy.state == Policy.State.ACTIVE:
            return [(issued, Policy.State.ACTIVE)]
        return [(issued, Policy.State.ACTIVE), (issued + dt.timedelta(days=1), policy.state)]

    with transaction.atomic():
        insert(Policy, policies, Progress("policies", len(policies)))
        insert(Policy.history.model, history(Policy, policies, policy_changes))
        for payment in payments:
            payment.policy_id = payment.policy.pk
        insert(Payment, payments, Progress("payments", len(payments)))
        insert(
            Payment.history.model,
            history(Payment, payments, lambda p: [(now, p.status)]),
        )
    counts["policies"], counts["payments"] = len(policies), len(payments)
    return counts
