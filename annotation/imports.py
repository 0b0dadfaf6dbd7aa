"""Record imports: an uploaded CSV, JSONL or parquet file, or a Hub dataset.

An import is an ImportJob row. `import_start` validates the request and enqueues the task
on commit; the task calls `import_run`, which reads the source as a stream (pyarrow
`iter_batches` for parquet, line by line for CSV and JSONL; a Hub dataset's data files are
fetched with huggingface_hub and then streamed the same way), converts rows, and writes
them in batches with `import_run_batch`. A batch and the progress counter that counts it
commit in one transaction, so a retry resumes after the last committed batch and a batch
is never half-written. A bad row stops the job with its line or row number and the
reason; the rows before it stay imported.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from campaigns.dashboards.models import CampaignStats
from campaigns.models import Campaign
from commonset.broker import task_send

from .models import Field, ImportJob, Question, Record
from .validation import answer_error

log = logging.getLogger(__name__)

BATCH_SIZE = 5000


class ImportRejected(Exception):
    """The import cannot start (bad mapping, file too large, another import running…)."""


class BadRow(Exception):
    def __init__(self, row: int, reason: str):
        super().__init__(f"row {row}: {reason}")
        self.row = row
        self.reason = reason


class SourceError(Exception):
    """The source cannot be read at all (permanent)."""


def import_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 512 * 1024 * 1024))


def import_max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 1_000_000))


# --- mapping -----------------------------------------------------------------------------
def mapping_clean(campaign: Campaign, mapping: dict) -> dict:
    """{"external_id": col|"", "fields": {field: col}, "metadata": [col], "suggestions":
    {question: col}}; every required field mapped, names known."""
    if not isinstance(mapping, dict):
        raise ImportRejected("The mapping must be an object.")
    fields = {f.name: f for f in campaign.fields.all()}
    questions = {q.name for q in campaign.questions.all()}
    if not fields:
        raise ImportRejected("Define the campaign's fields before importing records.")
    field_map = mapping.get("fields") or {name: name for name in fields}
    if not isinstance(field_map, dict):
        raise ImportRejected("mapping.fields must map field names to column names.")
    unknown = sorted(set(field_map) - set(fields))
    if unknown:
        raise ImportRejected(f"Unknown field(s) in the mapping: {', '.join(unknown)}.")
    missing = sorted(n for n, f in fields.items() if f.required and not field_map.get(n))
    if missing:
        raise ImportRejected(f"Map a column to each required field: {', '.join(missing)}.")
    suggestions = mapping.get("suggestions") or {}
    if not isinstance(suggestions, dict) or set(suggestions) - questions:
        raise ImportRejected("mapping.suggestions must map question names to column names.")
    metadata = mapping.get("metadata") or []
    if isinstance(metadata, str):
        metadata = [c.strip() for c in metadata.split(",") if c.strip()]
    if not isinstance(metadata, list) or not all(isinstance(c, str) for c in metadata):
        raise ImportRejected("mapping.metadata must be a list of column names.")
    external_id = mapping.get("external_id") or ""
    if not isinstance(external_id, str):
        raise ImportRejected("mapping.external_id must be a column name.")
    return {
        "external_id": external_id,
        "fields": {k: v for k, v in field_map.items() if v},
        "metadata": metadata,
        "suggestions": {k: v for k, v in suggestions.items() if v},
    }


def format_from_name(name: str) -> str:
    lower = name.lower()
    for suffix, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl")):
        if lower.endswith(suffix):
            return fmt
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    raise ImportRejected("Upload a .csv, .jsonl or .parquet file.")


# --- start -------------------------------------------------------------------------------
def import_start(
    *,
    user,
    campaign: Campaign,
    mapping: dict,
    upload: UploadedFile | None = None,
    file_format: str = "",
    hub_repo: str = "",
    hub_config: str = "",
    hub_split: str = "train",
    hub_revision: str = "",
) -> ImportJob:
    """Validate and record an import, then run it in the background (after commit)."""
    if campaign.state == Campaign.State.CLOSED:
        raise ImportRejected("This campaign is closed.")
    mapping = mapping_clean(campaign, mapping)
    job = ImportJob(campaign=campaign, created_by=user, mapping=mapping)
    if upload is not None:
        if upload.size > import_max_bytes():
            raise ImportRejected(
                f"The file is {upload.size:,} bytes; the limit is {import_max_bytes():,} bytes."
            )
        job.source = ImportJob.Source.UPLOAD
        job.format = file_format or format_from_name(upload.name)
        job.file_name = os.path.basename(upload.name)[:255]
        job.file_size = upload.size
    elif hub_repo:
        if hub_repo.count("/") != 1 or any(not p.strip() for p in hub_repo.split("/")):
            raise ImportRejected("Name the dataset as owner/name.")
        job.source = ImportJob.Source.HUB
        job.hub_repo, job.hub_config = hub_repo.strip(), hub_config.strip()
        job.hub_split, job.hub_revision = (hub_split or "train").strip(), hub_revision.strip()
    else:
        raise ImportRejected("Upload a file or name a Hub dataset.")
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.import_jobs.filter(state__in=ImportJob.ACTIVE_STATES).exists():
            raise ImportRejected("An import is already running for this campaign.")
        if upload is not None:
            job.file.save(job.file_name, upload, save=False)
        job.save()
        from .tasks import import_run_task

        transaction.on_commit(
            lambda: task_send(import_run_task, (job.pk,), what=f"import {job.pk}")
        )
    return job


# --- reading -----------------------------------------------------------------------------
@dataclass
class Source:
    rows: Iterator[tuple[int, dict]]  # (line or row number, row)
    total: int | None
    unit: str  # "line" or "row"


def _jsonable(value):
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


# The longest line (JSONL) or CSV field read; a longer one stops the import at its line
# instead of being read into memory whole. A long prompt is well under it.
MAX_LINE_BYTES = 16 * 1024 * 1024
csv.field_size_limit(MAX_LINE_BYTES)  # the csv module's own default is 128 KiB


def _raw_lines(fh) -> Iterator[bytes]:
    """The file's lines as bytes (split on \\n), refusing one longer than MAX_LINE_BYTES."""
    line_no = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > MAX_LINE_BYTES:
            raise BadRow(line_no, f"the line is longer than {MAX_LINE_BYTES:,} bytes")
        yield raw


def _not_utf8(exc: UnicodeDecodeError) -> str:
    return (
        f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start + 1}); "
        "save the file as UTF-8"
    )


def _text_lines(fh) -> Iterator[str]:
    """Decoded lines for the csv module, split like a file opened with newline="" (on
    \\r\\n, \\n or \\r), each decoded on its own so that a byte that is not UTF-8 is
    reported at its own line (and the lines before it are read)."""
    line_no = 0
    for raw in _raw_lines(fh):
        for part in raw.splitlines(keepends=True):
            line_no += 1
            if line_no == 1:
                if part.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise BadRow(1, "the file is UTF-16 text; save it as UTF-8")
                part = part.removeprefix(b"\xef\xbb\xbf")
            try:
                yield part.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadRow(line_no, _not_utf8(exc)) from exc


def _csv_rows(path: Path, skip: int) -> Iterator[tuple[int, dict]]:
    with open(path, "rb") as fh:
        # strict: an unclosed quote is an error, not the rest of the file in one field.
        reader = csv.DictReader(_text_lines(fh), strict=True)
        index = 0
        while True:
            first_line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise BadRow(first_line, f"unreadable CSV ({exc})") from exc
            index += 1
            if index <= skip:
                continue
            if None in row:
                raise BadRow(reader.line_num, "more values than columns in the header")
            yield reader.line_num, row


def _jsonl_rows(path: Path, skip: int) -> Iterator[tuple[int, dict]]:
    with open(path, "rb") as fh:
        index = 0
        for line_no, raw in enumerate(_raw_lines(fh), start=1):
            if not raw.strip():
                continue
            index += 1
            if index <= skip:
                continue
            try:
                row = json.loads(raw)
            except UnicodeDecodeError as exc:
                raise BadRow(line_no, _not_utf8(exc)) from exc
            except ValueError as exc:
                raise BadRow(line_no, f"not valid JSON ({exc})") from exc
            if not isinstance(row, dict):
                raise BadRow(line_no, "each line must be a JSON object")
            yield line_no, row


def _parquet_rows(
    path: Path, skip: int, columns: list[str] | None, start_row: int = 0
) -> Iterator[tuple[int, dict]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:
        raise SourceError(f"Not a readable parquet file ({exc}).") from exc
    available = set(parquet.schema_arrow.names)
    wanted = [c for c in columns if c in available] if columns else None
    number = start_row
    for batch in parquet.iter_batches(batch_size=BATCH_SIZE, columns=wanted):
        if number + batch.num_rows <= skip:
            number += batch.num_rows
            continue
        for row in batch.to_pylist():
            number += 1
            if number <= skip:
                continue
            yield number, row


def _wanted_columns(mapping: dict) -> list[str]:
    cols = list(mapping["fields"].values()) + list(mapping["metadata"])
    cols += list(mapping["suggestions"].values())
    if mapping["external_id"]:
        cols.append(mapping["external_id"])
    return list(dict.fromkeys(cols))


def _file_source(job: ImportJob, skip: int) -> Source:
    path = Path(job.file.path)
    if job.format == ImportJob.Format.CSV:
        return Source(_csv_rows(path, skip), max(0, _count_lines(path) - 1), "line")
    if job.format == ImportJob.Format.JSONL:
        return Source(_jsonl_rows(path, skip), _count_lines(path), "line")
    if job.format == ImportJob.Format.PARQUET:
        import pyarrow.parquet as pq

        try:
            total = pq.ParquetFile(path).metadata.num_rows
        except Exception as exc:
            raise SourceError(f"Not a readable parquet file ({exc}).") from exc
        return Source(_parquet_rows(path, skip, _wanted_columns(job.mapping)), total, "row")
    raise SourceError(f"Unknown format {job.format!r}.")


def _hub_source(job: ImportJob, skip: int) -> Source:
    from .hub_source import hub_dataset_files

    files = hub_dataset_files(
        repo_id=job.hub_repo,
        config=job.hub_config,
        split=job.hub_split,
        revision=job.hub_revision or None,
    )
    columns = _wanted_columns(job.mapping)

    def rows() -> Iterator[tuple[int, dict]]:
        offset = 0
        for path in files:
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                n = pq.ParquetFile(path).metadata.num_rows
                if offset + n > skip:
                    yield from _parquet_rows(path, skip, columns, start_row=offset)
                offset += n
                continue
            reader = _csv_rows if path.suffix == ".csv" else _jsonl_rows
            for _line, row in reader(path, 0):
                offset += 1
                if offset > skip:
                    yield offset, row

    total = None
    if all(p.suffix == ".parquet" for p in files):
        import pyarrow.parquet as pq

        total = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    return Source(rows(), total, "row")


# --- converting --------------------------------------------------------------------------
class RowConverter:
    def __init__(self, campaign: Campaign, mapping: dict):
        self.mapping = mapping
        self.fields = {f.name: f for f in Field.objects.filter(campaign=campaign)}
        self.questions = {q.name: q for q in Question.objects.filter(campaign=campaign)}
        self.field_items = list(mapping["fields"].items())
        self.suggestion_items = list(mapping["suggestions"].items())

    def convert(self, number: int, row: dict) -> tuple[str, dict, dict, dict]:
        id_col = self.mapping["external_id"]
        if id_col:
            if id_col not in row:
                raise BadRow(number, f"no column {id_col!r} (external id)")
            raw_id = row[id_col]
            if raw_id is None or str(raw_id).strip() == "":
                raise BadRow(number, f"the external id column {id_col!r} is empty")
            external_id = str(raw_id).strip()
            if len(external_id) > 200:
                raise BadRow(number, "the external id is longer than 200 characters")
        else:
            external_id = str(number)
        fields = {}
        for name, col in self.field_items:
            field = self.fields[name]
            if col not in row:
                raise BadRow(number, f"no column {col!r} (field {name!r})")
            value = row[col]
            if field.kind == Field.Kind.CHAT:
                value = self._chat(number, name, value)
            elif value is not None and not isinstance(value, str):
                value = str(value) if not isinstance(value, dict | list) else json.dumps(value)
            if field.required and (value is None or value == "" or value == []):
                raise BadRow(number, f"the required field {name!r} (column {col!r}) is empty")
            fields[name] = value
        metadata = {col: _jsonable(row.get(col)) for col in self.mapping["metadata"]}
        suggestions = {}
        for qname, col in self.suggestion_items:
            value = row.get(col)
            if value is None or value == "":
                continue
            question = self.questions[qname]
            value = self._suggestion_value(question, value)
            error = answer_error(question, value)
            if error:
                raise BadRow(number, f"suggestion for {qname!r} (column {col!r}): {error}")
            suggestions[qname] = value
        return external_id, fields, metadata, suggestions

    @staticmethod
    def _chat(number: int, name: str, value):
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else []
            except ValueError as exc:
                raise BadRow(number, f"field {name!r}: a chat must be a JSON list") from exc
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(m, dict) and "content" in m for m in value
        ):
            raise BadRow(number, f'field {name!r}: a chat is a list of {{"role", "content"}}')
        return [{"role": str(m.get("role", "")), "content": str(m["content"])} for m in value]

    @staticmethod
    def _suggestion_value(question: Question, value):
        if question.kind == Question.Kind.RATING and isinstance(value, str | float):
            try:
                return int(float(value))
            except ValueError:
                return value
        if question.kind in (Question.Kind.MULTI_LABEL, Question.Kind.RANKING):
            if isinstance(value, str):
                text = value.strip()
                if text.startswith("["):
                    try:
                        return json.loads(text)
                    except ValueError:
                        return value
                return [v.strip() for v in text.split(",") if v.strip()]
            if isinstance(value, tuple):
                return list(value)
        return value


# --- running -----------------------------------------------------------------------------
def _finish(job_id: int, **changes) -> None:
    changes.setdefault("finished_at", timezone.now())
    ImportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now(), **changes)


def import_run(*, job_id: int) -> ImportJob | None:
    """Run (or resume) an import job to its end. Safe to call twice: a job that is not
    pending or running is left alone."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, state__in=ImportJob.ACTIVE_STATES).update(
        state=ImportJob.State.RUNNING, heartbeat_at=now
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("campaign").get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(
        attempts=job.attempts + 1, started_at=job.started_at or now
    )
    try:
        source = (
            _hub_source(job, job.rows_done)
            if job.source == ImportJob.Source.HUB
            else _file_source(job, job.rows_done)
        )
    except (SourceError, BadRow, ImportRejected) as exc:
        _finish(job_id, state=ImportJob.State.FAILED, error=str(exc))
        return ImportJob.objects.get(pk=job_id)
    if source.total is not None:
        if source.total > import_max_rows():
            _finish(
                job_id,
                state=ImportJob.State.FAILED,
                rows_total=source.total,
                error=f"The source has {source.total:,} rows; the limit is "
                f"{import_max_rows():,}. Nothing was imported.",
            )
            return ImportJob.objects.get(pk=job_id)
        ImportJob.objects.filter(pk=job_id).update(rows_total=source.total)
    converter = RowConverter(job.campaign, job.mapping)
    done = job.rows_done
    bad: BadRow | None = None
    # Reading and converting (pure Python) runs one batch ahead of writing (mostly
    # waiting on the database), in a thread; the queue holds at most two batches, so
    # memory stays flat however long the source is.
    batches: queue.Queue = queue.Queue(maxsize=2)
    cancelled = threading.Event()
    reader = threading.Thread(
        target=_produce_batches,
        args=(source.rows, converter, done, batches, cancelled),
        daemon=True,
    )
    reader.start()
    try:
        while True:
            item = batches.get()
            if item is None:
                break
            if isinstance(item, BadRow):
                bad = item
                break
            try:
                import_run_batch(job_id=job_id, expected_done=done, rows=item)
            except StaleBatch:
                return None  # another run of this job is ahead of this one
            done += len(item)
    finally:
        cancelled.set()
        while reader.is_alive():
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.1)
        reader.join()
    if bad is not None:
        _finish(
            job_id,
            state=ImportJob.State.FAILED,
            error_row=bad.row,
            error=f"{source.unit.capitalize()} {bad.row}: {bad.reason}. "
            f"The {done:,} rows before it were imported.",
        )
    else:
        _finish(job_id, state=ImportJob.State.SUCCEEDED, rows_total=done)
    return ImportJob.objects.get(pk=job_id)


def _produce_batches(rows, converter, done, batches: queue.Queue, cancelled) -> None:
    """Reader thread: converted batches into the queue, then None (the end) or the
    BadRow that stopped it (after the batch of good rows before it)."""
    batch: list = []
    outcome = None
    try:
        for number, row in rows:
            if cancelled.is_set():
                return
            if done + len(batch) >= import_max_rows():
                raise BadRow(number, f"over the limit of {import_max_rows():,} rows")
            batch.append(converter.convert(number, row))
            if len(batch) >= BATCH_SIZE:
                batches.put(batch)
                done += len(batch)
                batch = []
    except BadRow as exc:
        outcome = exc
    except SourceError as exc:
        outcome = BadRow(done + len(batch) + 1, str(exc))
    except Exception as exc:
        outcome = BadRow(done + len(batch) + 1, f"unreadable ({exc})")
    if batch and not cancelled.is_set():
        batches.put(batch)
    if not cancelled.is_set():
        batches.put(outcome)


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


def _upsert_pg(campaign_id: int, overlap: int, by_id: dict) -> list[int]:
    """One INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE for the whole batch;
    returns the ids of the records that are new. The batch commits without waiting for
    the WAL flush (synchronous_commit off for this transaction only): a crash can lose
    the last batches, never half a batch, and the progress counter that commits with
    them makes the retry redo exactly those."""
    dumps = json.dumps
    ids, fields, metadata, suggestions = [], [], [], []
    for external_id, (f, m, s) in by_id.items():
        ids.append(external_id)
        fields.append(dumps(f))
        metadata.append(dumps(m))
        suggestions.append(dumps(s))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            "INSERT INTO annotation_record (campaign_id, external_id, fields, metadata,"
            " suggestions, response_count, overlap, created_at)"
            " SELECT %s, t.e, t.f::jsonb, t.m::jsonb, t.s::jsonb, 0, %s, now()"
            " FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS t(e, f, m, s)"
            " ON CONFLICT (campaign_id, external_id) DO UPDATE SET fields = EXCLUDED.fields,"
            " metadata = EXCLUDED.metadata, suggestions = EXCLUDED.suggestions"
            " RETURNING id, (xmax = 0)",
            [campaign_id, overlap, ids, fields, metadata, suggestions],
        )
        return [pk for pk, inserted in cursor.fetchall() if inserted]


class StaleBatch(Exception):
    """The job's progress moved on since this batch was read (a duplicate run)."""


def import_run_batch(
    *, job_id: int, expected_done: int, rows: list[tuple[str, dict, dict, dict]]
) -> tuple[int, int]:
    """Upsert one batch of converted rows and count it, all or nothing.
    Returns (created, updated)."""
    from .services import slots_create

    by_id = {external_id: (f, m, s) for external_id, f, m, s in rows}  # last one wins
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("campaign").get(pk=job_id)
        if job.rows_done != expected_done or job.state != ImportJob.State.RUNNING:
            raise StaleBatch(f"import {job_id} is at {job.rows_done}, not {expected_done}")
        campaign = job.campaign
        overlap = campaign.responses_per_record
        if connection.vendor == "postgresql":
            new_ids = _upsert_pg(campaign.pk, overlap, by_id)
        else:
            new_ids = _upsert_portable(campaign, overlap, by_id)
        slots_create(campaign=campaign, record_ids=new_ids, overlap=overlap)
        CampaignStats.objects.records_added(campaign_id=campaign.pk, delta=len(new_ids))
        created, updated = len(new_ids), len(by_id) - len(new_ids)
        job.rows_done = expected_done + len(rows)
        job.records_created += created
        job.records_updated += updated
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["rows_done", "records_created", "records_updated", "heartbeat_at"])
    return created, updated


STALE_AFTER_SECONDS = 120
MAX_ATTEMPTS = 5


def imports_sweep() -> int:
    """Re-enqueue imports whose heartbeat went stale; fail those out of attempts."""
    from datetime import timedelta

    from .tasks import import_run_task

    cutoff = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    stale = ImportJob.objects.filter(state__in=ImportJob.ACTIVE_STATES).filter(
        heartbeat_at__lt=cutoff
    ) | ImportJob.objects.filter(state=ImportJob.State.PENDING, created_at__lt=cutoff)
    count = 0
    for job in stale.distinct():
        if job.attempts >= MAX_ATTEMPTS:
            _finish(
                job.pk,
                state=ImportJob.State.FAILED,
                error=job.error or f"Gave up after {job.attempts} attempts.",
            )
            continue
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.PENDING, heartbeat_at=timezone.now()
        )
        transaction.on_commit(
            lambda pk=job.pk: task_send(import_run_task, (pk,), what=f"import {pk}")
        )
        count += 1
    return count
