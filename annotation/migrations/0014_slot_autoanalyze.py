"""Autoanalyze the slots every 5,000 changed rows, not every 10 % of the table (issue 17).

Right after an import, PostgreSQL's statistics say no slot has a holder, and the partial
indexes on holders look empty. Planned on them, the lease statement (services_pg._PG_LEASE)
scans every held slot to find the annotator's own and materialises all their slots and
responses once per candidate: 7-8 ms of PostgreSQL for an annotator with 320 answers,
growing with every answer, against 0.2 ms once the statistics know holders exist
(EXPLAIN ANALYZE in docs/benchmarks.md, 2026-12-07 evening). With the default scale
factor a campaign of 1,000,000 slots keeps those statistics for its first 100,000 slot
changes; with these settings, for its first 5,000. Dead slot versions (every lease and
submit writes new ones: their indexed columns change, so no update is HOT) are vacuumed at
5 % of the table instead of 20 %. PostgreSQL only; nothing changes where autovacuum is off.
"""

from django.db import migrations

SETTINGS = (
    "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000,"
    " autovacuum_vacuum_scale_factor = 0.05"
)
NAMES = (
    "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold,"
    " autovacuum_vacuum_scale_factor"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE annotation_slot SET ({SETTINGS})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE annotation_slot RESET ({NAMES})")


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0013_quality_gold"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
