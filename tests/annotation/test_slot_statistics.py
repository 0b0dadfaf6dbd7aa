"""The slots are re-analysed every 5,000 changed rows (annotation migration 0014): on
statistics taken right after an import the lease statement scans every held slot
(docs/benchmarks.md, 2026-12-07 evening). Autoanalyze itself cannot run here (this
machine's PostgreSQL has autovacuum off), so this checks what PostgreSQL is told."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_slot_table_is_analysed_after_5000_changes_whatever_its_size():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'annotation_slot'")
        options = dict(option.split("=", 1) for option in cursor.fetchone()[0] or [])
    assert options == {
        "autovacuum_analyze_scale_factor": "0",
        "autovacuum_analyze_threshold": "5000",
        "autovacuum_vacuum_scale_factor": "0.05",
    }
