"""The batch writer's PostgreSQL path: the batch goes to the server with psycopg's COPY into a
session-local TEMP staging table, then set-based statements do the rest, inside the batch's
transaction (writer.import_run_batch owns it):

1. the first staged row that would change the fields of a record that has responses (the
   answered-record protection, one join); that row and those after it are not written;
2. one INSERT … SELECT … ON CONFLICT (campaign_id, external_id) DO UPDATE for the rows
   before it (the last row of an external id wins, as in the portable path, with a
   DISTINCT ON sort only when the batch holds an id twice; a row equal to its record is
   not rewritten);
3. the new records' slots (slots.slots_create: INSERT … SELECT generate_series).

The staging table is created once per database session (IF NOT EXISTS) and emptied at the
start of each batch (a test's outer transaction can hold several batches); every statement
of a batch runs in its one transaction, so a pooler in transaction mode is fine too.

Measured on the 2-core machine (issue 17): against the former unnest(arrays) statement the
writer alone takes half the time and a quarter of the client CPU (psycopg's array dumping
and three json.dumps a row were most of it). What is left is the database's: about 40 % of
it is the per-row foreign-key check of annotation_record.campaign_id."""

from __future__ import annotations

import json

from django.db import connection

from campaigns.models import Campaign

from ..slots import slots_create
from .columns import ColumnBatch

STAGE = "commonset_import_stage"

_CREATE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (n integer NOT NULL, external_id text NOT NULL,"
    " data jsonb NOT NULL)"  # data: [fields, metadata, suggestions], one JSON text a row
)

# The first staged row (by position) that changes the fields of a record with responses.
# The LATERAL … LIMIT 1 keeps it one index lookup a staged row: the staging table has no
# statistics and a campaign's record count grows faster than its own during an import, so
# a plain join could hash every record of the campaign for each batch.
_FIRST_ANSWERED_CHANGE = (
    f"SELECT min(s.n) FROM {STAGE} s CROSS JOIN LATERAL ("  # noqa: S608
    " SELECT r.id, r.fields FROM annotation_record r"
    " WHERE r.campaign_id = %s AND r.external_id = s.external_id LIMIT 1) r"
    " WHERE s.data -> 0 IS DISTINCT FROM r.fields"
    " AND EXISTS (SELECT 1 FROM annotation_response a WHERE a.record_id = r.id)"
)

# {distinct} and {order}: the last row of an external id wins when the batch holds it
# twice (ON CONFLICT cannot change a row twice); a batch of distinct ids skips that sort.
_UPSERT = (
    "INSERT INTO annotation_record AS r (campaign_id, external_id, fields, metadata,"  # noqa: S608
    " suggestions, response_count, overlap, created_at)"
    " SELECT {distinct} %s, s.external_id, s.data -> 0, s.data -> 1,"
    f" s.data -> 2, 0, %s, now() FROM {STAGE} s WHERE s.n < %s"
    " {order}"
    " ON CONFLICT (campaign_id, external_id) DO UPDATE SET fields = EXCLUDED.fields,"
    " metadata = EXCLUDED.metadata, suggestions = EXCLUDED.suggestions"
    " WHERE (r.fields, r.metadata, r.suggestions)"
    " IS DISTINCT FROM (EXCLUDED.fields, EXCLUDED.metadata, EXCLUDED.suggestions)"
    " RETURNING r.id, (r.xmax = 0)"
)
_UPSERT_LAST_WINS = _UPSERT.format(
    distinct="DISTINCT ON (s.external_id)", order="ORDER BY s.external_id, s.n DESC"
)
_UPSERT_DISTINCT = _UPSERT.format(distinct="", order="")


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
        cursor.execute(f"SET LOCAL synchronous_commit TO OFF; {_CREATE}; TRUNCATE {STAGE}")
        with cursor.copy(f"COPY {STAGE} (n, external_id, data) FROM STDIN") as copy:
            if isinstance(rows, ColumnBatch):
                copy.write(rows.payload)
            else:
                write_row = copy.write_row
                # One JSON text a row rather than three: json.dumps calls are most of the
                # client's share of the COPY.
                for index, (_n, external_id, fields, metadata, suggestions) in enumerate(rows):
                    write_row((index, external_id, dumps((fields, metadata, suggestions))))
        cursor.execute(_FIRST_ANSWERED_CHANGE, [campaign.pk])
        refused = cursor.fetchone()[0]
        stop = len(rows) if refused is None else refused
        distinct = _distinct_ids(rows, stop)
        upsert = _UPSERT_DISTINCT if distinct == stop else _UPSERT_LAST_WINS
        cursor.execute(upsert, [campaign.pk, overlap, stop])
        new_ids = [pk for pk, inserted in cursor.fetchall() if inserted]
    slots_create(campaign=campaign, record_ids=new_ids, overlap=overlap)
    return len(new_ids), distinct - len(new_ids), refused


def _distinct_ids(rows: list | ColumnBatch, stop: int) -> int:
    """How many distinct external ids the first `stop` rows hold."""
    if isinstance(rows, ColumnBatch):
        return rows.distinct_ids(stop)
    return len({row[1] for row in rows[:stop]})
