"""One shape for every stateful model: states, allowed transitions, and lapses.

A stateful model (see `Stateful`) declares:
- `STATE_FIELD`, the column holding its stored state, and `TRANSITIONS`, each state and the
  states it may become;
- `lapses(now)`, the conditions under which the state it reads differs from the stored one
  because time has passed (a quote past its validity reads `expired`), as `(state, Q)` pairs,
  the first that holds winning.

Everything else derives from that declaration: the state a row reads at any moment, in Python
(`state_at`) and in SQL (`with_current_state`, `in_current_state`), the one `transition` that
checks and records every change, and `expire_due`, the job that records lapses in history.
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

from .metrics import TRANSITIONS
from .problems import Conflict

log = logging.getLogger("myproject.lifecycle")

# Sent after every change of state is saved, in its transaction, with `instance`, `source`,
# `target`, `by` and `lapse` (whether time made it, through expire_due): how apps write the
# events partners are told of (myproject.webhooks) whoever made the change.
transitioned = Signal()

# The lookups a lapse condition may use, with SQL's meaning (a comparison with NULL fails).
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
        lapses = self.model.lapses(now or timezone.now())
        return self.annotate(
            current_state=Case(
                *[When(condition, then=Value(state)) for state, condition in lapses],
                default=F(self.model.STATE_FIELD),
                output_field=models.CharField(),
            )
        )

    def in_current_state(self, state: str, now: dt.datetime | None = None):
        """Rows whose current state is `state`, as conditions on indexed columns."""
        lapsed = Q()
        reads = Q()
        for target, condition in self.model.lapses(now or timezone.now()):
            if target == state:
                reads |= condition & ~lapsed if lapsed else condition
            lapsed |= condition
        stored = Q(**{self.model.STATE_FIELD: state})
        return self.filter((stored & ~lapsed if lapsed else stored) | reads)


class Stateful(models.Model):
    """What every stateful model shares; each declares its own state column and rules."""

    STATE_FIELD = "state"
    TRANSITIONS: dict[str, set[str]] = {}

    class Meta:
        abstract = True

    @classmethod
    def lapses(cls, now: dt.datetime) -> list[tuple[str, Q]]:
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
        for state, condition in self.lapses(now):
            if matches(self, condition):
                return state
        return self.stored_state

    @property
    def current_state(self) -> str:
        """The state clients see: annotated by `with_current_state()`, or computed now."""
        return self.__dict__.get("current_state") or self.state_at(timezone.now())

    @current_state.setter
    def current_state(self, value: str) -> None:
        self.__dict__["current_state"] = value

    def lapsed_conflict(self, state: str) -> Conflict:
        """The 409 for asking anything but the record of a lapse of a lapsed row."""
        return Conflict(f"{self.label} is {state}.", code="invalid_transition", state=state)

    def lapse_reason(self, state: str) -> str:
        """What history says when `expire_due` records a lapse to `state`."""
        return f"{state} by date"


def check_transition(obj: Stateful, to: str, *, now: dt.datetime | None = None) -> None:
    """Refuse (409) a move TRANSITIONS does not allow from the state `obj` reads at `now`."""
    now = now or timezone.now()
    current = obj.state_at(now)
    # Lapsed, whether or not a job has recorded it yet: only the record of it may follow.
    if to != current and current in {state for state, _ in obj.lapses(now)}:
        raise obj.lapsed_conflict(current)
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
    lapse: bool = False,
) -> Stateful:
    """Move a locked row to `to` if allowed, saving the state and `fields` (other columns the
    caller changed with it) and recording who and why in its history."""
    check_transition(obj, to, now=now)
    source = obj.stored_state
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
    TRANSITIONS.labels(obj._meta.label, to).inc()
    setattr(obj, obj.STATE_FIELD, to)
    obj.__dict__.pop("current_state", None)  # read before the change
    obj._history_user = by
    obj._change_reason = reason
    update_fields = [obj.STATE_FIELD, *fields]
    if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    transitioned.send(type(obj), instance=obj, source=source, target=to, by=by, lapse=lapse)
    return obj


def expire_due(
    model: type[Stateful], *, batch_size: int = 500, now: dt.datetime | None = None
) -> int:
    """Record every lapse that has come due (`expired`, a scheduled `cancelled`); returns how
    many rows changed.

    Each batch is one transaction whose rows are locked and re-checked, skipping rows another
    worker holds: safe from cron on several machines at once, and a second run does nothing.
    """
    now = now or timezone.now()
    recorded = 0
    for state, condition in model.lapses(now):
        while True:
            with transaction.atomic():
                batch = list(
                    model.objects.select_for_update(skip_locked=True)
                    .filter(condition)
                    .order_by("pk")[:batch_size]
                )
                for obj in batch:
                    transition(obj, state, reason=obj.lapse_reason(state), now=now, lapse=True)
            recorded += len(batch)
            if len(batch) < batch_size:
                break
    return recorded


class ExpireCommand(BaseCommand):
    """`manage.py expire_<things>`: record the lapses of `model` ("app_label.Model") that have
    come due. Safe from cron on several machines at once; a second run finds nothing."""

    model: str

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        model = apps.get_model(self.model)
        count = expire_due(model, batch_size=batch_size)
        self.stdout.write(f"Recorded {count} {model._meta.verbose_name_plural} as lapsed.")
