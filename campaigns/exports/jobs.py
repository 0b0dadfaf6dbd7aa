"""Export jobs: a campaign too large to stream in one request is exported in the
background (a workflow row, commonset.workflows): the worker writes the file with the same
writers as the streamed download (services.py), batch by batch, showing progress, then
keeps it in storage for EXPORT_JOB_KEEP_HOURS; the sweeper removes it afterwards.

    pending --(worker claims)--> running --> succeeded --(kept hours pass)--> expired
                                    \\--> failed

Access is the streamed download's (selectors.py `export_scope_for_user`): a job keeps what
its requester could export when asking (lead: live data; anyone else: the published
selection), and only its requester sees it.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.models import Record
from commonset.workflows import (
    WorkflowPolicy,
    workflow_claim,
    workflow_fail,
    workflow_heartbeat,
    workflow_schedule,
    workflow_succeed,
    workflow_sweep,
)

from .models import ExportJob
from .selectors import ExportScope
from .services import FORMATS, export_write

logger = logging.getLogger(__name__)

POLICY = WorkflowPolicy(
    name="export",
    setting_prefix="EXPORT",
    task="campaigns.exports.tasks.export_job_run",
    max_attempts=3,
    heartbeat_stale_seconds=300.0,
    sweep_grace_seconds=60.0,
)
HEARTBEAT_EVERY_SECONDS = 1.0


def export_too_large_for_one_request(*, campaign) -> bool:
    """More records than EXPORTS_DIRECT_MAX_RECORDS (counted no further than that)."""
    limit = settings.EXPORTS_DIRECT_MAX_RECORDS
    counted = Record.objects.filter(campaign=campaign).values("pk")[: limit + 1].count()
    return counted > limit


def export_job_request(*, scope: ExportScope, user, fmt: str) -> tuple[ExportJob, bool]:
    """Queue an export of the scope's campaign in `fmt` for `user`. Returns (job, True),
    or (the user's job already queued or running for that format, False)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    mine = ExportJob.objects.filter(
        campaign=scope.campaign, requested_by=user, format=fmt, as_lead=scope.as_lead
    )
    with transaction.atomic():
        active = mine.filter(state__in=ExportJob.ACTIVE_STATES).first()
        if active is not None:
            return active, False
        try:
            # The constraint export_job_one_active settles a race between two requests.
            with transaction.atomic():
                job = ExportJob.objects.create(
                    campaign=scope.campaign,
                    requested_by=user,
                    format=fmt,
                    as_lead=scope.as_lead,
                    include_in_progress=scope.include_in_progress,
                )
        except IntegrityError:
            return mine.filter(state__in=ExportJob.ACTIVE_STATES).get(), False
        workflow_schedule(job, POLICY)
        job.save(update_fields=["seq", "next_attempt_at"])
    return job, True


def export_job_run(*, job_id: int, seq: int | None = None) -> ExportJob | None:
    """Write the export file, if this message may claim the job; None otherwise."""
    claimed = workflow_claim(ExportJob.objects.select_related("campaign"), job_id, seq)
    if claimed is None or isinstance(claimed, float):
        return None
    job = claimed
    campaign = job.campaign
    total = Record.objects.filter(campaign=campaign).count()
    workflow_heartbeat(ExportJob.objects, job_id, records_total=total)
    last_beat = [time.monotonic()]

    def progress(records: int, rows: int) -> None:
        if time.monotonic() - last_beat[0] >= HEARTBEAT_EVERY_SECONDS:
            workflow_heartbeat(ExportJob.objects, job_id, records_done=records, rows=rows)
            last_beat[0] = time.monotonic()

    counts = {"rows": 0}

    def counting(records: int, rows: int) -> None:
        counts["rows"] = rows
        progress(records, rows)

    _, extension = FORMATS[job.format]
    try:
        with tempfile.TemporaryFile(prefix="commonset-export-") as out:
            export_write(
                campaign=campaign,
                fmt=job.format,
                include_in_progress=job.include_in_progress,
                out=out,
                progress=counting,
            )
            size = out.seek(0, os.SEEK_END)  # the parquet writer rewinds its file
            out.seek(0)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            job.file.save(f"{campaign.slug}-{stamp}.{extension}", File(out), save=False)
    except Exception as exc:
        logger.exception("export job %s raised", job_id)
        return _finish(job_id, error=f"{type(exc).__name__}: {exc}"[:500])
    return _finish(job_id, name=job.file.name, size=size, rows=counts["rows"], total=total)


def _finish(job_id: int, *, error: str = "", name="", size=0, rows=0, total=0):
    now = timezone.now()
    with transaction.atomic():
        row = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if row is None:
            return None
        if error:
            workflow_fail(row, _("The export failed: %(error)s") % {"error": error}, now=now)
        else:
            workflow_succeed(row, now=now)
            row.file.name = name
            row.size_bytes = size
            row.rows = rows
            row.records_done = row.records_total = total
            row.expires_at = now + timedelta(hours=settings.EXPORT_JOB_KEEP_HOURS)
        row.save()
    logger.info("export job %s: %s", job_id, row.state)
    return row


def export_jobs_expire(*, now: datetime | None = None) -> int:
    """Remove the files of jobs past their expiry; they become expired."""
    now = now or timezone.now()
    expired = 0
    due = ExportJob.objects.filter(state=ExportJob.State.SUCCEEDED, expires_at__lte=now)
    for job in due.order_by("expires_at")[:500]:
        if job.file:
            job.file.delete(save=False)
        job.state = ExportJob.State.EXPIRED
        job.save(update_fields=["state", "file"])
        expired += 1
    return expired


def export_sweep(*, now: datetime | None = None) -> dict:
    """The export jobs' part of beat: heal the workflow rows, expire old files."""
    counts = workflow_sweep(ExportJob.objects.all(), POLICY, now=now)
    counts["expired"] = export_jobs_expire(now=now)
    return counts
