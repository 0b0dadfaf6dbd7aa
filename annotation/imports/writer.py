"""The batch writer: one batch of converted rows upserted as records, their slots
created, the record counter and the job's progress moved on, all in one transaction (all
or nothing). One function per path, the same rules: on PostgreSQL `batch_write_pg`
(writer_pg.py: COPY into a staging table, then set-based SQL); elsewhere
`_batch_write_portable` (Django's bulk_create with update_conflicts)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from campaigns.dashboards.models import CampaignStats
from campaigns.models import Campaign

from ..models import ImportJob, Record, Response
from ..slots import slots_create
from .columns import ColumnBatch
from .errors import BadRow
from .writer_pg import batch_write_pg


def _upsert_portable(campaign: Campaign, overlap: int, by_id: dict) -> list[int]:
    existing = set(
        Record.objects.filter(campaign=campaign, external_id__in=list(by_id)).values_list(
            "external_id", flat=True
        )
    )
    objs = Record.objects.bulk_create(
        [
            Record(
                campaign=campaign,
                external_id=external_id,
                fields=f,
                metadata=m,
                suggestions=s,
                overlap=overlap,
            )
            for external_id, (f, m, s) in by_id.items()
        ],
        update_conflicts=True,
        unique_fields=["campaign", "external_id"],
        update_fields=["fields", "metadata", "suggestions"],
    )
    new_ids = [o.pk for o in objs if o.external_id not in existing]
    if None in new_ids:  # a backend that does not return ids from an upsert
        new_ids = list(
            Record.objects.filter(
                campaign=campaign, external_id__in=[e for e in by_id if e not in existing]
            ).values_list("pk", flat=True)
        )
    return new_ids


class StaleBatch(Exception):
    """The job's progress moved on since this batch was read (a duplicate run)."""


class AnsweredRecordChanged(BadRow):
    """A row would change the fields of a record people already answered (their answers
    would then refer to another text). Raised after the rows before it were written;
    `written` says how many of the batch that is."""

    def __init__(self, row: int, external_id: str, written: int):
        super().__init__(
            row,
            f"the record {external_id!r} already has responses, so its fields cannot "
            "change (its metadata may); give changed texts a new id",
        )
        self.written = written


class GoldRecordAnswered(AnsweredRecordChanged):
    """A row with `gold.<question>` columns names a record people already answered."""

    def __init__(self, row: int, external_id: str, written: int):
        BadRow.__init__(
            self,
            row,
            f"the record {external_id!r} already has responses, so it cannot become a gold "
            "record; give it a new id",
        )
        self.written = written


def _first_answered_change(campaign: Campaign, rows: list) -> int | None:
    """The index of the first row that changes the fields of an answered record."""
    answered = dict(
        Record.objects.filter(campaign=campaign, external_id__in={r[1] for r in rows})
        .filter(Exists(Response.objects.filter(record=OuterRef("pk"))))
        .values_list("external_id", "fields")
    )
    if not answered:
        return None
    for index, (_number, external_id, fields, _m, _s) in enumerate(rows):
        if external_id in answered and fields != answered[external_id]:
            return index
    return None


def _batch_write_portable(
    campaign: Campaign, overlap: int, rows: list | ColumnBatch
) -> tuple[int, int, int | None]:
    """The portable path of one batch: (created, updated, index of the refused row or
    None); a refused row and those after it are not written."""
    if isinstance(rows, ColumnBatch):
        rows = rows.rows()
    refused = _first_answered_change(campaign, rows)
    if refused is not None:
        rows = rows[:refused]
    by_id = {e: (f, m, s) for _n, e, f, m, s in rows}  # last one wins
    new_ids = _upsert_portable(campaign, overlap, by_id)
    slots_create(campaign=campaign, record_ids=new_ids, overlap=overlap)
    return len(new_ids), len(by_id) - len(new_ids), refused


def import_run_batch(
    *,
    job_id: int,
    expected_done: int,
    rows: list[tuple[int, str, dict, dict, dict]] | ColumnBatch,
    gold: dict[str, tuple[int, dict]] | None = None,
) -> tuple[int, int]:
    """Upsert one batch of converted rows (number, external id, fields, metadata,
    suggestions; or a ColumnBatch, the same converted column-wise) and count it, all or
    nothing; the records `gold` names ({external id: (row number, expected answers)}, from
    `gold.<question>` columns, which only row batches carry) become gold records
    (annotation/gold.py). Returns (created, updated). A row that would change an answered
    record's fields, or make an answered record gold, ends the batch: the rows before it
    are written and AnsweredRecordChanged (GoldRecordAnswered) says which row it was."""
    from ..gold import gold_records_import, gold_refused_index

    with transaction.atomic():
        # FOR NO KEY UPDATE (the job and its campaign): batches of one job, and changes to
        # the campaign's definition or overlap, still wait for each other, but foreign-key
        # checks on the campaign do not (an annotator's first answer of the day inserts
        # counters referring to it; another writer's records too).
        job = (
            ImportJob.objects.select_for_update(no_key=True)
            .select_related("campaign")
            .get(pk=job_id)
        )
        if job.rows_done != expected_done or job.state != ImportJob.State.RUNNING:
            raise StaleBatch(f"import {job_id} is at {job.rows_done}, not {expected_done}")
        campaign = job.campaign
        overlap = campaign.responses_per_record
        gold_refused = None
        if gold:
            gold_refused = gold_refused_index(campaign=campaign, rows=rows, gold=gold)
            if gold_refused is not None:
                gold_row, gold_external_id = rows[gold_refused][0], rows[gold_refused][1]
                rows = rows[:gold_refused]
        if connection.vendor == "postgresql":
            created, updated, refused = batch_write_pg(
                campaign=campaign, overlap=overlap, rows=rows
            )
        else:
            created, updated, refused = _batch_write_portable(campaign, overlap, rows)
        written = len(rows) if refused is None else refused
        if refused is not None:
            if isinstance(rows, ColumnBatch):
                number, external_id = rows.first + refused, rows.external_id(refused)
            else:
                number, external_id = rows[refused][0], rows[refused][1]
        CampaignStats.objects.records_added(campaign_id=campaign.pk, delta=created)
        if gold:
            gold_records_import(campaign=campaign, rows=rows[:written], gold=gold)
        job.rows_done = expected_done + written
        job.records_created += created
        job.records_updated += updated
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["rows_done", "records_created", "records_updated", "heartbeat_at"])
    if refused is not None:
        raise AnsweredRecordChanged(number, external_id, written=written)
    if gold_refused is not None:
        raise GoldRecordAnswered(gold_row, gold_external_id, written=written)
    return created, updated
