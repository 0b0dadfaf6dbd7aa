"""The import job: `import_start` validates the request, records an ImportJob row and
enqueues the task on commit; the task calls `import_run`, which opens the job's source
(readers/), converts its rows (mapping.py) in a reader thread one batch ahead, and writes
each batch with `import_run_batch` (writer.py). A batch and the progress counter that
counts it commit in one transaction, so a retry resumes after the last committed batch.
A bad row stops the job with its line or row number and the reason; the rows before it
stay imported. `imports_sweep` re-sends jobs whose heartbeat went stale.
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
from commonset.broker import task_send

from ..models import ImportJob
from . import limits
from .errors import BadRow, ImportRejected, SourceError
from .limits import import_max_bytes, import_max_rows
from .mapping import RowConverter, format_from_name, mapping_clean
from .readers import source_open
from .writer import StaleBatch, import_run_batch

log = logging.getLogger(__name__)


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
        from ..tasks import import_run_task

        transaction.on_commit(
            lambda: task_send(import_run_task, (job.pk,), what=f"import {job.pk}")
        )
    return job


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
        source = source_open(job, job.rows_done)
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
            if len(batch) >= limits.BATCH_SIZE:
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


STALE_AFTER_SECONDS = 120
MAX_ATTEMPTS = 5


def imports_sweep() -> int:
    """Re-enqueue imports whose heartbeat went stale; fail those out of attempts."""
    from datetime import timedelta

    from ..tasks import import_run_task

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
