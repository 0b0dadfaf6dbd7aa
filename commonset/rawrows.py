"""Model instances from one hand-written SQL row, without the ORM's per-query compilation.

For the few reads on every API request (token authentication): the ORM spends more CPU
compiling `select_related` than the database spends answering. `select_list` names a
model's columns for a SELECT; `instance_from_row` builds the instance from that slice of
the row, through the same database converters the ORM applies (SQLite's datetimes, JSON).
`instance_from_values` is the ORM's `Model.from_db` without `Model.__init__`, which checks
every field's argument (a fifth of the time of building these rows; issue 17).
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init

_CONVERTERS: dict[tuple[str, type[Model]], list] = {}


def select_list(model: type[Model], alias: str) -> str:
    """`alias.col1, alias.col2, …` for every concrete field of `model`, in field order."""
    quote = connections["default"].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def _converters(model: type[Model], using: str) -> list:
    """(field index, column, converters) for the fields that have converters."""
    key = (using, model)
    found = _CONVERTERS.get(key)
    if found is None:
        connection = connections[using]
        found = []
        for i, f in enumerate(model._meta.concrete_fields):
            col = f.get_col(model._meta.db_table)
            funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if funcs:
                found.append((i, col, funcs))
        _CONVERTERS[key] = found
    return found


def instance_from_row(model: type[Model], row, start: int = 0, using: str = "default"):
    """The `model` instance whose columns (select_list order) start at row[start]."""
    values = list(row[start : start + len(model._meta.concrete_fields)])
    converters = _converters(model, using)
    if converters:
        connection = connections[using]
        for i, col, funcs in converters:
            value = values[i]
            for func in funcs:
                value = func(value, col, connection)
            values[i] = value
    return instance_from_values(model, _attnames(model), values, using)


_ATTNAMES: dict[type[Model], list[str]] = {}
_PLAIN: dict[type[Model], bool] = {}


def _attnames(model: type[Model]) -> list[str]:
    found = _ATTNAMES.get(model)
    if found is None:
        found = _ATTNAMES[model] = [f.attname for f in model._meta.concrete_fields]
    return found


def _plain(model: type[Model]) -> bool:
    """Whether Model.__init__ would only store the values: the model keeps Django's
    from_db, and no field's attribute does more than store on assignment (a foreign key's
    id only clears a cached object, which a new instance has not)."""
    found = _PLAIN.get(model)
    if found is None:
        found = model.from_db.__func__ is Model.from_db.__func__ and all(
            not hasattr(type(getattr(model, name, None)), "__set__")
            or type(getattr(model, name)) is ForeignKeyDeferredAttribute
            for name in _attnames(model)
        )
        _PLAIN[model] = found
    return found


def instance_from_values(model: type[Model], attnames: list[str], values, using: str = "default"):
    """What `model.from_db(using, attnames, values)` makes (fields not named are deferred:
    read from the database on first use), built without Model.__init__ when that is the
    same; through from_db while a pre_init or post_init receiver listens for `model`."""
    if not _plain(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(using, attnames, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = using
    return instance


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)
