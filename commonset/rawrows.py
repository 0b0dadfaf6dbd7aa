"""Model instances from one hand-written SQL row, without the ORM's per-query compilation.

For the few reads on every API request (token authentication): the ORM spends more CPU
compiling `select_related` than the database spends answering. `select_list` names a
model's columns for a SELECT; `instance_from_row` builds the instance from that slice of
the row, through the same database converters the ORM applies (SQLite's datetimes, JSON).
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model

_CONVERTERS: dict[tuple[str, type[Model]], list] = {}


def select_list(model: type[Model], alias: str) -> str:
    """`alias.col1, alias.col2, …` for every concrete field of `model`, in field order."""
    quote = connections["default"].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def _converters(model: type[Model], using: str) -> list:
    key = (using, model)
    found = _CONVERTERS.get(key)
    if found is None:
        connection = connections[using]
        found = []
        for f in model._meta.concrete_fields:
            col = f.get_col(model._meta.db_table)
            funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            found.append((col, funcs))
        _CONVERTERS[key] = found
    return found


def instance_from_row(model: type[Model], row, start: int = 0, using: str = "default"):
    """The `model` instance whose columns (select_list order) start at row[start]."""
    connection = connections[using]
    values = []
    for i, (col, funcs) in enumerate(_converters(model, using)):
        value = row[start + i]
        for func in funcs:
            value = func(value, col, connection)
        values.append(value)
    return model.from_db(using, [f.attname for f in model._meta.concrete_fields], values)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)
