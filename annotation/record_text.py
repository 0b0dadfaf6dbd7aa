"""The text of a record that the records browser's text filter searches: the values in its
fields (strings and numbers, at any depth), written as one JSON array, on either database.

Not the fields' JSON itself: there a field's name matched every record (searching
"prompt" found them all), and SQLite keeps JSON with \\u escapes, so text outside ASCII
(Arabic, Devanagari, …) was never found on the embedded default. In the array the
values keep JSON's escapes (a quote as \\", a line break as \\n) and nothing else, so
`needle` escapes a search the same way and a quote or a line break is found too.

PostgreSQL computes it with jsonb_path_query_array, which migration 0015's pg_trgm index
(`record_text_trgm`) holds for every record; SQLite with the Python function below,
registered on each of its connections (apps.py)."""

from __future__ import annotations

import json

from django.db.models import Func, TextField

# Strict mode: lax mode's automatic unwrapping would repeat the items of arrays.
PATH = 'strict $.** ? (@.type() == "string" || @.type() == "number")'
SQLITE_FUNCTION = "commonset_record_text"


class RecordText(Func):
    """The searched text of the records' `fields` (an expression of a jsonb column)."""

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        # The path is part of the SQL, not a parameter, so that the expression is the one
        # the index holds.
        template = f"jsonb_path_query_array(%(expressions)s, '{PATH}')::text"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra)


def needle(q: str) -> str:
    """A search as it appears inside the array's text."""
    return json.dumps(q, ensure_ascii=False)[1:-1]


def record_text(fields_json: str | None) -> str | None:
    """SQLite's side of RecordText: the same array as PostgreSQL's, from the stored JSON."""
    if fields_json is None:
        return None
    values: list = []
    stack = [json.loads(fields_json)]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            values.append(value)
    return json.dumps(values, ensure_ascii=False)


def sqlite_functions_register(sender, connection, **kwargs) -> None:
    """connection_created receiver: RecordText's function on every SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, record_text, deterministic=True)
