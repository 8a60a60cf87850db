"""Reads the ORM need not build and compile on every request: the hottest queries' SQL,
written once per shape from the models' own table and column names.

Building and compiling a queryset costs more than running it for a read by key (about half
a millisecond against a tenth, bench/RESULTS.md). These two give the same model instances
as the ORM would (each value through the same database and field converters), on the
database the router picks, so that replicas and tests behave as with querysets:
- `fetch_one`: one row by primary key, optionally only if a column has a value (the owner),
  with the rows its foreign keys point to, in one statement;
- `rows_of`: the rows whose one column is among some values, in primary key order;
- `prepared`: any queryset of `values_list` rows, compiled once and run with new values.
"""

import inspect
from collections.abc import Callable
from functools import cache

from django.db import connections, models, router
from django.db.models import QuerySet


def _columns(model, alias: str, table: str) -> tuple[list[str], list[tuple]]:
    """The select list of a model's concrete fields, and each field with its converters."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    selected = [f"{table}.{quote(field.column)}" for field in fields]
    converters = []
    for field in fields:
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        converters.append((field, column, tuple(found)))
    return selected, converters


def _converted(value, converters, expression, connection):
    """A value as read, through the database's and the field's converters, as the ORM does."""
    for converter in converters:
        value = converter(value, expression, connection)
    return value


def _instance(model, alias: str, converters, values, connection):
    row = [
        _converted(value, found, column, connection)
        for (_field, column, found), value in zip(converters, values, strict=True)
    ]
    return model.from_db(alias, [field.attname for field, _, _ in converters], row)


@cache
def _one_statement(model, related: tuple[str, ...], where: str | None, alias: str):
    quote = connections[alias].ops.quote_name
    meta = model._meta
    selected, converters = _columns(model, alias, "t0")
    parts = [(model, None, converters)]
    joins = []
    for index, name in enumerate(related, start=1):
        field = meta.get_field(name)
        table = f"t{index}"
        target = field.related_model
        columns, target_converters = _columns(target, alias, table)
        selected += columns
        parts.append((target, field, target_converters))
        joins.append(
            f"INNER JOIN {quote(target._meta.db_table)} {table} "
            f"ON {table}.{quote(target._meta.pk.column)} = t0.{quote(field.column)}"
        )
    condition = f"t0.{quote(meta.pk.column)} = %s"
    if where is not None:
        condition += f" AND t0.{quote(meta.get_field(where).column)} = %s"
    sql = (
        f"SELECT {', '.join(selected)} FROM {quote(meta.db_table)} t0 {' '.join(joins)} "
        f"WHERE {condition}"
    )
    return sql, parts


def fetch_one(model, pk, *, related: tuple[str, ...] = (), where: dict | None = None):
    """The `model` row with primary key `pk` (and, with `where`, that one column's value),
    with the objects its non-null foreign keys in `related` point to; None if there is none.
    `fetch_one(Policy, 7, related=("customer",), where={"partner_id": 3})`."""
    alias = router.db_for_read(model)
    (column, value), *rest = (where or {None: None}).items()
    assert not rest, "one condition besides the key"
    sql, parts = _one_statement(model, related, column, alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk] if column is None else [pk, value])
        row = cursor.fetchone()
    if row is None:
        return None
    start, objects = 0, []
    for part_model, field, converters in parts:
        values = row[start : start + len(converters)]
        start += len(converters)
        objects.append((_instance(part_model, alias, converters, values, connection), field))
    found = objects[0][0]
    for related_object, field in objects[1:]:
        field.set_cached_value(found, related_object)
    return found


@cache
def _rows_statement(model, column: str, count: int, alias: str) -> str:
    meta, quote = model._meta, connections[alias].ops.quote_name
    names = ", ".join(quote(field.column) for field in meta.concrete_fields)
    return (
        f"SELECT {names} FROM {quote(meta.db_table)} "
        f"WHERE {quote(meta.get_field(column).column)} IN ({', '.join(['%s'] * count)}) "
        f"ORDER BY {quote(meta.pk.column)}"
    )


def rows_of(model, **by_column) -> list[models.Model]:
    """The rows of `model` whose one named column is among the values, in primary key order:
    `rows_of(Payment, policy_id=[1, 2])`."""
    ((column, values),) = by_column.items()
    if not values:
        return []
    alias = router.db_for_read(model)
    statement = _rows_statement(model, column, len(values), alias)
    return list(model.objects.db_manager(alias).raw(statement, list(values)))


# Stand-ins for a prepared queryset's arguments while it is compiled: integers no id takes.
_MARKERS = tuple(-7_305_019_000 - n for n in range(8))


class prepared:
    """A `values_list` queryset compiled once per database and run again with other values.

    `build` takes the values as arguments and returns the queryset; each must reach the SQL
    unchanged as one parameter (an id, say), since it is found there by value:

        HISTORY = prepared(lambda pk: Thing.history.filter(id=pk).values_list("state"))
        HISTORY(7)  # [("active",), ...], each value through the field's converters
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self.arity = len(inspect.signature(build).parameters)
        self.model = build(*_MARKERS[: self.arity]).model
        self._compiled = {}

    def _compile(self, alias: str):
        markers = _MARKERS[: self.arity]
        compiler = self.build(*markers).query.get_compiler(alias)
        sql, params = compiler.as_sql()
        slots = [markers.index(p) if isinstance(p, int) and p in markers else None for p in params]
        if sorted(slot for slot in slots if slot is not None) != list(range(self.arity)):
            raise ValueError("each argument must reach the SQL unchanged, once")
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = tuple(compiler.get_converters(columns).items())
        self._compiled[alias] = compiled = (sql, tuple(params), tuple(slots), converters)
        return compiled

    def __call__(self, *values) -> list[tuple]:
        alias = router.db_for_read(self.model)
        sql, params, slots, converters = self._compiled.get(alias) or self._compile(alias)
        arguments = [
            param if slot is None else values[slot]
            for param, slot in zip(params, slots, strict=True)
        ]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, arguments)
            rows = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                row[position] = _converted(row[position], functions, expression, connection)
            converted.append(tuple(row))
        return converted
