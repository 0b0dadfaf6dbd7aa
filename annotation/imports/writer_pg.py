"""The batch writer's PostgreSQL path: the batch goes to the server with psycopg's COPY into a
session-local TEMP staging table, then set-based statements do the rest, inside the batch's
transaction (writer.import_run_batch owns it):

1. one probe: the first staged row that would change the fields of a record that has
   responses (the answered-record protection; that row and those after it are not
   written), and the first staged row whose external id the campaign already has;
2. the records and their slots in one statement (slots.slots_insert_sql in a data-modifying
   CTE): when no row before the refused one names an existing record, a plain
   INSERT … SELECT; otherwise INSERT … ON CONFLICT (campaign_id, external_id) DO UPDATE.
   Either way the last row of an external id wins (a DISTINCT ON sort only when the batch
   holds an id twice) and a row equal to its record is not rewritten. A concurrent import
   that commits one of the ids first makes the plain INSERT raise a unique violation: it
   is rolled back to its savepoint, and the probe and the upsert run instead.

The staging table is created once per database session (IF NOT EXISTS) and emptied at the
start of each batch (a test's outer transaction can hold several batches); every statement
of a batch runs in its one transaction, so a pooler in transaction mode is fine too.

Measured on the 2-core machine (issue 17, EXPLAIN ANALYZE of a 5,000-row batch): the
speculative insertion of ON CONFLICT cost a third of the upsert, compiling the probe with
JIT 20 ms of its 30 (so neither the probe nor the inserts use JIT: SET LOCAL, this batch's
transaction only). What is left is the database's own work: about half of the insert is
maintaining the trigram index on the records' text (migration 0011), and the deferred
foreign-key checks of the records and slots take another 55 ms at commit."""

from __future__ import annotations

import json

import psycopg
from django.db import connection, transaction

from campaigns.models import Campaign

from ..slots import slots_insert_sql
from .columns import ColumnBatch

STAGE = "commonset_import_stage"

_CREATE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (n integer NOT NULL, external_id text NOT NULL,"
    " data jsonb NOT NULL)"  # data: [fields, metadata, suggestions], one JSON text a row
)

# The first staged row (by position) that changes the fields of a record with responses,
# and the first whose external id the campaign has (none: the plain INSERT can write the
# batch). The LATERAL … LIMIT 1 keeps it one index lookup a staged row: the staging table
# has no statistics and a campaign's record count grows faster than its own during an
# import, so a plain join could hash every record of the campaign for each batch.
_PROBE = (
    f"SELECT min(s.n) FILTER (WHERE s.data -> 0 IS DISTINCT FROM r.fields"  # noqa: S608
    " AND EXISTS (SELECT 1 FROM annotation_response a WHERE a.record_id = r.id)), min(s.n)"
    f" FROM {STAGE} s CROSS JOIN LATERAL ("
    " SELECT r.id, r.fields FROM annotation_record r"
    " WHERE r.campaign_id = %s AND r.external_id = s.external_id LIMIT 1) r"
)

# {distinct} and {order}: the last row of an external id wins when the batch holds it
# twice (ON CONFLICT cannot change a row twice); a batch of distinct ids skips that sort.
_SELECT_STAGED = (
    "INSERT INTO annotation_record AS r (campaign_id, external_id, fields, metadata,"  # noqa: S608
    " suggestions, response_count, overlap, created_at)"
    " SELECT {distinct} %s, s.external_id, s.data -> 0, s.data -> 1,"
    f" s.data -> 2, 0, %s, now() FROM {STAGE} s WHERE s.n < %s"
    " {order}"
)
_UPSERT = (
    " ON CONFLICT (campaign_id, external_id) DO UPDATE SET fields = EXCLUDED.fields,"
    " metadata = EXCLUDED.metadata, suggestions = EXCLUDED.suggestions"
    " WHERE (r.fields, r.metadata, r.suggestions)"
    " IS DISTINCT FROM (EXCLUDED.fields, EXCLUDED.metadata, EXCLUDED.suggestions)"
)
# Records and the slots of the new ones in one statement; it answers how many are new.
# (xmax = 0: the row was inserted, not updated.)
_WRITE = (
    "WITH written AS ({insert} RETURNING r.id, r.xmax = 0 AS inserted),"
    " slots AS ({slots})"
    " SELECT count(*) FILTER (WHERE inserted) FROM written"
)


def _write_sql(*, upsert: bool, last_wins: bool) -> str:
    insert = _SELECT_STAGED.format(
        distinct="DISTINCT ON (s.external_id)" if last_wins else "",
        order="ORDER BY s.external_id, s.n DESC" if last_wins else "",
    )
    # The slots of new records: none exist, so no ON CONFLICT (a speculative insertion).
    new_ids = "(SELECT id FROM written WHERE inserted)" if upsert else "(SELECT id FROM written)"
    insert += _UPSERT if upsert else ""
    return _WRITE.format(insert=insert, slots=slots_insert_sql(new_ids))


_WRITES = {
    (upsert, last_wins): _write_sql(upsert=upsert, last_wins=last_wins)
    for upsert in (False, True)
    for last_wins in (False, True)
}


def batch_write_pg(
    *,
    campaign: Campaign,
    overlap: int,
    rows: list[tuple[int, str, dict, dict, dict]] | ColumnBatch,
) -> tuple[int, int, int | None]:
    """Write one batch of converted rows (number, external id, fields, metadata,
    suggestions; or a ColumnBatch, whose payload is COPY's input as it is) inside the
    caller's transaction. Returns (created, updated, index of the
    refused row or None): a refused row and those after it are not written. The batch
    commits without waiting for the WAL flush (synchronous_commit off for this transaction
    only): a crash can lose the last batches, never half a batch, and the progress counter
    that commits with them makes the retry redo exactly those."""
    dumps = json.dumps
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:  # the raw psycopg connection
        # One round trip (no parameters: the simple protocol takes several statements).
        cursor.execute(
            f"SET LOCAL synchronous_commit TO OFF; SET LOCAL jit = off; {_CREATE};"
            f" TRUNCATE {STAGE}"
        )
        with cursor.copy(f"COPY {STAGE} (n, external_id, data) FROM STDIN") as copy:
            if isinstance(rows, ColumnBatch):
                copy.write(rows.payload)
            else:
                write_row = copy.write_row
                # One JSON text a row rather than three: json.dumps calls are most of the
                # client's share of the COPY.
                for index, (_n, external_id, fields, metadata, suggestions) in enumerate(rows):
                    write_row((index, external_id, dumps((fields, metadata, suggestions))))
        refused, stop, distinct, first_existing = _probe(cursor, campaign, rows)
        if stop and (first_existing is None or first_existing >= stop):
            try:
                with transaction.atomic():  # a savepoint: the fallback below rolls back to it
                    created = _write(cursor, campaign, overlap, stop, distinct, upsert=False)
                return created, distinct - created, refused
            except psycopg.errors.UniqueViolation:
                # A concurrent import committed some of these ids after the probe: probe
                # again (they are visible now) and upsert.
                refused, stop, distinct, _first = _probe(cursor, campaign, rows)
        created = _write(cursor, campaign, overlap, stop, distinct, upsert=True) if stop else 0
    return created, distinct - created, refused


def _probe(cursor, campaign: Campaign, rows) -> tuple[int | None, int, int, int | None]:
    """(index of the refused row or None, rows to write, distinct ids among them, index of
    the first row whose record exists or None)."""
    cursor.execute(_PROBE, [campaign.pk])
    refused, first_existing = cursor.fetchone()
    stop = len(rows) if refused is None else refused
    return refused, stop, _distinct_ids(rows, stop), first_existing


def _write(cursor, campaign: Campaign, overlap: int, stop: int, distinct: int, *, upsert: bool):
    """Write the first `stop` staged rows and the new records' slots; how many are new."""
    sql = _WRITES[upsert, distinct != stop]
    cursor.execute(sql, [campaign.pk, overlap, stop, campaign.pk, overlap])
    return cursor.fetchone()[0]


def _distinct_ids(rows: list | ColumnBatch, stop: int) -> int:
    """How many distinct external ids the first `stop` rows hold."""
    if isinstance(rows, ColumnBatch):
        return rows.distinct_ids(stop)
    return len({row[1] for row in rows[:stop]})
