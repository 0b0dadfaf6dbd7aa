"""The records browser's text filter searches the values in a record's fields, not their
JSON (annotation/record_text.py): on PostgreSQL its pg_trgm index moves to that expression
(`record_text_trgm` replaces 0011's `record_fields_trgm`). Its text no longer holds the
fields' names or JSON's punctuation, so each record also gives the index fewer trigrams.
SQLite has no such index (nor pg_trgm): nothing changes there."""

from django.db import migrations

# annotation/record_text.py PATH, as of this migration (the query's expression must be
# this one for PostgreSQL to use the index).
PATH = 'strict $.** ? (@.type() == "string" || @.type() == "number")'
TEXT_INDEX = (
    "CREATE INDEX record_text_trgm ON annotation_record"
    f" USING gin (upper(jsonb_path_query_array(fields, '{PATH}')::text) gin_trgm_ops)"
)
FIELDS_INDEX = (
    "CREATE INDEX record_fields_trgm ON annotation_record"
    " USING gin (upper(fields::text) gin_trgm_ops)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS record_fields_trgm")
        schema_editor.execute(TEXT_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS record_text_trgm")
        schema_editor.execute(FIELDS_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0014_slot_autoanalyze"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
