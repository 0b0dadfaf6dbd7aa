"""Export benchmark: a campaign of N/2 records with 2 submitted responses each (N
responses), exported through the API view (GET /api/v1/campaigns/<slug>/export) by its
lead, the streamed body read and thrown away (parquet: written to a temporary file in row
groups, then streamed); or, with `--job`, by an export job as a worker runs it (the file
written to storage, then removed). Prints, per format, the time, the bytes, and the
resident memory before and at its peak (sampled every 20 ms), which must stay flat in N.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/commonset_bench \\
        .venv/bin/python bench/export.py --responses 1000000 [--job]

The direct download is measured whatever the campaign's size (EXPORTS_DIRECT_MAX_RECORDS
is lifted here); the site itself sends campaigns above it to an export job.

Each format runs in a process of its own (so one format's peak does not hide another's);
`--campaign SLUG` reuses a campaign built by an earlier run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from _campaigns import build_campaign, django_setup, machine
from publish import PeakRss

FORMATS = ("csv", "jsonl", "parquet")


def _export_one(slug: str, fmt: str) -> None:
    from django.test import Client

    from campaigns.models import Campaign

    campaign = Campaign.objects.select_related("application__applicant").get(slug=slug)
    client = Client()
    client.force_login(campaign.application.applicant)
    import pyarrow.parquet  # noqa: F401  (warm the import: the figure is the export's)

    with PeakRss() as rss:
        started = time.perf_counter()
        response = client.get(f"/api/v1/campaigns/{slug}/export", {"format": fmt})
        assert response.status_code == 200, response.status_code
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
        elapsed = time.perf_counter() - started
    print(
        f"{fmt:>7}: {size / 1e6:8.1f} MB in {elapsed:6.1f} s; resident {rss.start:.0f} MB "
        f"before, peak {rss.peak:.0f} MB (+{rss.peak - rss.start:.0f} MB)",
        flush=True,
    )


def _export_job_one(slug: str, fmt: str) -> None:
    """The worker's side of an export job: write the file into storage, as the task does."""
    from campaigns.exports.jobs import export_job_run
    from campaigns.exports.models import ExportJob
    from campaigns.models import Campaign

    campaign = Campaign.objects.select_related("application__applicant").get(slug=slug)
    job = ExportJob.objects.create(
        campaign=campaign,
        requested_by=campaign.application.applicant,
        format=fmt,
        as_lead=True,
        include_in_progress=True,
    )
    import pyarrow.parquet  # noqa: F401  (warm the import: the figure is the export's)

    with PeakRss() as rss:
        started = time.perf_counter()
        job = export_job_run(job_id=job.pk)
        elapsed = time.perf_counter() - started
    assert job is not None and job.state == "succeeded", job and job.last_error
    print(
        f"{fmt:>7} (job): {job.size_bytes / 1e6:8.1f} MB, {job.rows:,} rows in {elapsed:6.1f} s; "
        f"resident {rss.start:.0f} MB before, peak {rss.peak:.0f} MB "
        f"(+{rss.peak - rss.start:.0f} MB)",
        flush=True,
    )
    job.file.delete(save=False)
    job.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--campaign", default=None, help="reuse this campaign")
    parser.add_argument("--format", choices=FORMATS, default=None, help="only this format")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--job", action="store_true", help="export jobs, not the download")
    args = parser.parse_args()

    os.environ.setdefault("EXPORTS_DIRECT_MAX_RECORDS", str(10**9))
    django_setup(args.database_url)
    slug = args.campaign
    if slug is None:
        print(f"machine: {machine()}", flush=True)
        started = time.perf_counter()
        campaign = build_campaign(
            records=args.responses // 2, responses_per_record=2, users=args.users, days=30,
            tag="export",
        )  # fmt: skip
        slug = campaign.slug
        print(
            f"data: {args.responses // 2:,} records x 2 = {args.responses:,} responses built "
            f"in {time.perf_counter() - started:.1f} s (campaign {slug})",
            flush=True,
        )
    if args.format:
        (_export_job_one if args.job else _export_one)(slug, args.format)
        return
    for fmt in FORMATS:
        command = [sys.executable, __file__, "--campaign", slug, "--format", fmt]
        command += ["--job"] if args.job else []
        if args.database_url:
            command += ["--database-url", args.database_url]
        subprocess.run(command, check=True, cwd=Path(__file__).parent.parent)


if __name__ == "__main__":
    main()
