"""One shape for every stateful model: states, allowed transitions, and the states time
brings.

A stateful model (see `Stateful`) declares:
- `STATE_FIELD`, the column holding its stored state, and `TRANSITIONS`, each state and the
  states it may become;
- `timed_states(now)`, the conditions under which the state it reads differs from the stored one
  because time has passed (a quote past its validity reads `expired`), as `(state, Q)` pairs,
  the first that holds winning.

Everything else derives from that declaration: the state a row reads at any moment, in Python
(`state_at`) and in SQL (`with_current_state`, `in_current_state`), the one `transition` that
checks and records every change, and `expire_due`, the job that records in history what time
has changed.
"""

import datetime as dt
import logging
import operator
from collections.abc import Iterable

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.dispatch import Signal
from django.utils import timezone

from .metrics import CREATED, STATE_CHANGES_TOTAL
from .problems import Conflict

log = logging.getLogger("myproject.lifecycle")

# Sent after every change of state is saved, in its transaction, with `instance`, `source`,
# `target`, `by` and `by_time` (whether time made it, through expire_due): how apps write the
# events partners are told of (myproject.webhooks) whoever made the change.
transitioned = Signal()

# The lookups a timed state's condition may use, with SQL's meaning (a comparison with NULL fails).
_LOOKUPS = {
    "exact": operator.eq,
    "in": lambda actual, allowed: actual in allowed,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def matches(obj: models.Model, condition: Q) -> bool:
    """Whether `obj`, as it is in memory, meets `condition` (a Q of plain field lookups)."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(matches(obj, child))
            continue
        lookup, expected = child
        name, _, kind = lookup.partition("__")
        actual = getattr(obj, name)
        if kind == "isnull":
            results.append((actual is None) == expected)
        else:
            results.append(actual is not None and _LOOKUPS[kind or "exact"](actual, expected))
    met = all(results) if condition.connector == Q.AND else any(results)
    return not met if condition.negated else met


class LifecycleQuerySet(models.QuerySet):
    def with_current_state(self, now: dt.datetime | None = None):
        """Annotate `current_state`, the state each row reads at `now` (default: now)."""
        timed = self.model.timed_states(now or timezone.now())
        return self.annotate(
            current_state=Case(
                *[When(condition, then=Value(state)) for state, condition in timed],
                default=F(self.model.STATE_FIELD),
                output_field=models.CharField(),
            )
        )

    def in_current_state(self, state: str, now: dt.datetime | None = None):
        """Rows whose current state is `state`, as conditions on indexed columns."""
        timed = Q()
        reads = Q()
        for target, condition in self.model.timed_states(now or timezone.now()):
            if target == state:
                reads |= condition & ~timed if timed else condition
            timed |= condition
        stored = Q(**{self.model.STATE_FIELD: state})
        return self.filter((stored & ~timed if timed else stored) | reads)


class Stateful(models.Model):
    """What every stateful model shares; each declares its own state column and rules."""

    STATE_FIELD = "state"
    TRANSITIONS: dict[str, set[str]] = {}
    # The rows the periodic jobs look after at the real time (a model whose rows may live at
    # another time, a test clock's, leaves those out: that clock moves them).
    REAL_TIME = Q()
    # What telling partners of a change time made reads of each row (its event renders the
    # row): read with the rows the jobs lock, not once per row.
    TIMED_RELATED: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def now(self) -> dt.datetime:
        """The time this row lives at: the real time, unless the model says otherwise."""
        return timezone.now()

    @classmethod
    def timed_states(cls, now: dt.datetime) -> list[tuple[str, Q]]:
        return []

    @property
    def label(self) -> str:
        return f"{self._meta.verbose_name.capitalize()} {self.pk}"

    @property
    def stored_state(self) -> str:
        return getattr(self, self.STATE_FIELD)

    def can_become(self, state: str) -> bool:
        return state in self.TRANSITIONS.get(self.stored_state, set())

    def state_at(self, now: dt.datetime) -> str:
        for state, condition in self.timed_states(now):
            if matches(self, condition):
                return state
        return self.stored_state

    @property
    def current_state(self) -> str:
        """The state clients see: annotated by `with_current_state()`, or computed now."""
        return self.__dict__.get("current_state") or self.state_at(self.now())

    @current_state.setter
    def current_state(self, value: str) -> None:
        self.__dict__["current_state"] = value

    def timed_conflict(self, state: str) -> Conflict:
        """The 409 for asking a row that time has changed anything but the record of it."""
        return Conflict(f"{self.label} is {state}.", code="invalid_transition", state=state)

    def timed_reason(self, state: str) -> str:
        """What history says when `expire_due` records that time made the row `state`."""
        return f"{state} by date"


def check_transition(obj: Stateful, to: str, *, now: dt.datetime | None = None) -> None:
    """Refuse (409) a move TRANSITIONS does not allow from the state `obj` reads at `now`
    (its own time by default)."""
    now = now or obj.now()
    current = obj.state_at(now)
    # Changed by time, whether or not a job has recorded it yet: only the record of it may
    # follow, or a move allowed from the state time brought (a policy in grace is cancelled).
    timed = {state for state, _ in obj.timed_states(now)}
    if to != current and current in timed and to not in obj.TRANSITIONS.get(current, ()):
        raise obj.timed_conflict(current)
    if not obj.can_become(to):
        raise Conflict(
            f"{obj.label} is {obj.stored_state} and cannot become {to}.",
            code="invalid_transition",
            state=obj.stored_state,
        )


def transition(
    obj: Stateful,
    to: str,
    *,
    by=None,
    reason: str | None = None,
    fields: Iterable[str] = (),
    now: dt.datetime | None = None,
    by_time: bool = False,
) -> Stateful:
    """Move a locked row to `to` if allowed, saving the state and `fields` (other columns the
    caller changed with it) and recording who and why in its history."""
    check_transition(obj, to, now=now)
    source = obj.stored_state
    if log.isEnabledFor(logging.INFO):  # no line built that no one reads
        log.info(
            "transition",
            extra={
                "model": obj._meta.label,
                "object_id": obj.pk,
                "from": obj.stored_state,
                "to": to,
                "partner_id": getattr(obj, "partner_id", None),
                "by_user_id": getattr(by, "pk", None),
            },
        )
    STATE_CHANGES_TOTAL.labels(obj._meta.label, to).inc()
    setattr(obj, obj.STATE_FIELD, to)
    obj.__dict__.pop("current_state", None)  # read before the change
    obj._history_user = by
    obj._change_reason = reason
    update_fields = [obj.STATE_FIELD, *fields]
    if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    transitioned.send(type(obj), instance=obj, source=source, target=to, by=by, by_time=by_time)
    return obj


def expire_due(
    model: type[Stateful],
    *,
    batch_size: int = 500,
    now: dt.datetime | None = None,
    among: Q | None = None,
) -> int:
    """Record every change time has brought (`expired`, a scheduled `cancelled`) to the rows
    `among` (those living at the real time by default); returns how many rows changed.

    Each batch is one transaction whose rows are locked and re-checked, skipping rows another
    worker holds: safe from cron on several machines at once, and a second run does nothing.
    """
    now = now or timezone.now()
    rows = model.REAL_TIME if among is None else among
    due = model.objects.select_for_update(skip_locked=True, of=("self",))
    if model.TIMED_RELATED:  # select_related() with none would follow every foreign key
        due = due.select_related(*model.TIMED_RELATED)
    recorded = 0
    for state, condition in model.timed_states(now):
        while True:
            with transaction.atomic():
                batch = list(due.filter(rows, condition).order_by("pk")[:batch_size])
                for obj in batch:
                    transition(obj, state, reason=obj.timed_reason(state), now=now, by_time=True)
            recorded += len(batch)
            if len(batch) < batch_size:
                break
    return recorded


def count_created(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save receiver: a new row of a stateful model (quotes, policies, payments), counted
    by the state it was made in and its product."""
    if created and not raw and isinstance(instance, Stateful):
        product = getattr(instance, "product_id", None)
        CREATED.labels(
            instance._meta.label, instance.stored_state, str(product) if product else "-"
        ).inc()


class ExpireCommand(BaseCommand):
    """`manage.py expire_<things>`: record what time has changed of `model`
    ("app_label.Model"). Safe from cron on several machines at once; a second run finds
    nothing."""

    model: str

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        model = apps.get_model(self.model)
        count = expire_due(model, batch_size=batch_size)
        self.stdout.write(f"Recorded {count} {model._meta.verbose_name_plural} as changed by time.")
