"""The import job: `import_start` validates the request, records an ImportJob row and
enqueues the task on commit; the task calls `import_run`, which opens the job's source
(readers/), converts its rows (mapping.py) in a reader thread one batch ahead, and writes
each batch with `import_run_batch` (writer.py). A batch and the progress counter that
counts it commit in one transaction, so a retry resumes after the last committed batch.
A bad row stops the job with its line or row number and the reason; the rows before it
stay imported. The job is a workflow row (commonset.workflows): a transient failure (the
Hub answering 429 or 5xx while a dataset downloads, a timeout) is retried with backoff and
resumes after the last committed batch; anything else ends the job as failed with the
reason, never leaving it running. `imports_sweep` re-sends lost messages and revives jobs
whose heartbeat went stale.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign
from commonset.workflows import (
    SweepHooks,
    WorkflowPolicy,
    workflow_claim,
    workflow_fail,
    workflow_retry_or_fail,
    workflow_schedule,
    workflow_succeed,
    workflow_sweep,
)
from hub.errors import classify

from ..models import ImportJob
from . import limits
from .columns import Block, ColumnConverter
from .errors import BadRow, ImportRejected, SourceError
from .limits import import_max_bytes, import_max_rows
from .mapping import RowConverter, format_from_name, mapping_clean
from .preview import mapping_columns_check, upload_columns
from .readers import source_open
from .writer import AnsweredRecordChanged, StaleBatch, import_run_batch

log = logging.getLogger(__name__)


POLICY = WorkflowPolicy(
    name="import",
    setting_prefix="IMPORT",
    task="annotation.tasks.import_run_task",
    max_attempts=5,
    backoff_base_seconds=10.0,
    backoff_max_seconds=600.0,
    heartbeat_stale_seconds=120.0,
    sweep_grace_seconds=120.0,
)


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
        columns = upload_columns(upload, job.format)
        if columns is not None:
            mapping_columns_check(mapping, columns)
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
        workflow_schedule(job, POLICY)
        job.save(update_fields=["seq", "next_attempt_at"])
    return job


# --- running -----------------------------------------------------------------------------
def _end(job_id: int, *, error: str = "", **changes) -> ImportJob:
    """End the job: succeeded, or failed with `error` (a person must act)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if error:
            workflow_fail(job, error)
        else:
            workflow_succeed(job)
        for name, value in changes.items():
            setattr(job, name, value)
        job.heartbeat_at = timezone.now()
        job.save()
    return job


def _retry_or_fail(job_id: int, exc: Exception) -> ImportJob:
    """An unexpected failure: retried with backoff when transient (the Hub's 429 or 5xx,
    a timeout), otherwise the job fails with the reason."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        subject = job.hub_repo or job.file_name
        error = classify(exc, operation="read the import's source", subject=subject)
        workflow_retry_or_fail(job, error, POLICY)
        job.save()
    return job


def import_run(*, job_id: int, seq: int | None = None) -> ImportJob | None:
    """Run (or resume, after the rows already committed) an import job to its end, if this
    message (`seq`; None: any) may claim it. Safe to call twice: a job that is not pending
    or waiting is left alone."""
    claimed = workflow_claim(ImportJob.objects.select_related("campaign"), job_id, seq)
    if claimed is None or isinstance(claimed, float):
        return None  # nothing to do, or not due yet (its retry message or the sweep runs it)
    job = claimed
    try:
        return _run(job)
    except Exception as exc:
        log.exception("import %s raised", job_id)
        return _retry_or_fail(job_id, exc)


def _run(job: ImportJob) -> ImportJob | None:
    job_id = job.pk
    try:
        source = source_open(job, job.rows_done)
    except (SourceError, BadRow, ImportRejected) as exc:
        return _end(job_id, error=str(exc))
    if source.total is not None:
        if source.total > import_max_rows():
            return _end(
                job_id,
                rows_total=source.total,
                error=f"The source has {source.total:,} rows; the limit is "
                f"{import_max_rows():,}. Nothing was imported.",
            )
        ImportJob.objects.filter(pk=job_id).update(rows_total=source.total)
    converter = RowConverter(job.campaign, job.mapping)
    done = job.rows_done
    bad: BadRow | None = None
    # Reading and converting runs one batch ahead of writing (mostly
    # waiting on the database), in a thread; the queue holds at most two batches, so
    # memory stays flat however long the source is.
    batches: queue.Queue = queue.Queue(maxsize=2)
    cancelled = threading.Event()
    reader = threading.Thread(
        target=_produce_batches,
        args=(source, converter, done, batches, cancelled),
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
            rows, gold = item
            try:
                import_run_batch(job_id=job_id, expected_done=done, rows=rows, gold=gold)
            except StaleBatch:
                return None  # another run of this job is ahead of this one
            except AnsweredRecordChanged as exc:
                done += exc.written  # the rows before it in the batch were written
                bad = exc
                break
            done += len(rows)
    finally:
        cancelled.set()
        while reader.is_alive():
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.1)
        reader.join()
    if bad is not None:
        return _end(
            job_id,
            error_row=bad.row,
            error=f"{source.unit.capitalize()} {bad.row}: {bad.reason}. "
            f"The {done:,} rows before it were imported.",
        )
    if job.mapping.get("argilla_responses"):
        from .argilla import argilla_responses_import

        argilla_responses_import(job)  # the answers of an Argilla export (argilla.py)
    return _end(job_id, rows_total=done)


def _produce_batches(source, converter, done, batches: queue.Queue, cancelled) -> None:
    """Reader thread: converted batches into the queue, each as (rows, {external id: a gold
    record's expected answers}), then None (the end) or the BadRow that stopped it (after
    the batch of good rows before it). A source read as Arrow blocks has each block
    converted column-wise when it can be (columns.py; never with gold columns), the others
    row by row."""
    batch: list = []
    gold: dict = {}
    outcome = None
    columns = ColumnConverter(converter)
    blocks = source.blocks
    if blocks is None:
        blocks = [Block(1, None, lambda: source.rows)]
    try:
        for block in blocks:
            if cancelled.is_set():
                return
            if (
                block.table is not None
                and done + len(batch) + block.table.num_rows <= import_max_rows()
            ):
                converted = columns.convert(block)
                if converted is not None:
                    if batch:
                        batches.put((batch, gold))
                        done += len(batch)
                        batch, gold = [], {}
                    batches.put((converted, {}))
                    done += len(converted)
                    continue
            for number, row in block.rows():
                if cancelled.is_set():
                    return
                if done + len(batch) >= import_max_rows():
                    raise BadRow(number, f"over the limit of {import_max_rows():,} rows")
                converted = converter.convert(number, row)
                expected = converter.gold(number, row)
                batch.append((number, *converted))
                if expected is not None:
                    gold[converted[0]] = (number, expected)
                if len(batch) >= limits.BATCH_SIZE:
                    batches.put((batch, gold))
                    done += len(batch)
                    batch, gold = [], {}
    except BadRow as exc:
        outcome = exc
    except SourceError as exc:
        outcome = BadRow(done + len(batch) + 1, str(exc))
    except Exception as exc:
        outcome = BadRow(done + len(batch) + 1, f"unreadable ({exc})")
    if batch and not cancelled.is_set():
        batches.put((batch, gold))
    if not cancelled.is_set():
        batches.put(outcome)


def _gave_up_message(job: ImportJob) -> str:
    return job.last_error or f"Gave up after {job.attempts} attempts."


SWEEP_HOOKS = SweepHooks(gave_up_message=_gave_up_message)


def imports_sweep() -> int:
    """Re-send imports whose message was lost and revive those whose worker stopped
    (their heartbeat went stale; they resume after the last committed batch); fail those
    out of attempts. Returns how many were sent again."""
    counts = workflow_sweep(ImportJob.objects.all(), POLICY, hooks=SWEEP_HOOKS)
    return counts["resent"] + counts["revived"]
