"""One reader per source: an uploaded CSV, JSONL or parquet file, or a Hub dataset.

Every reader has the same signature, `read(job, skip) -> Source` (see `base.Reader`):
the job's rows as a stream of (line or row number, row), the total when it is known up
front, and whether the numbers count lines or rows. `READERS` holds the file readers by
format; `source_open` picks the job's (the Hub reader for a Hub dataset).
"""

from __future__ import annotations

from ...models import ImportJob
from ..errors import SourceError
from . import csv, hub, jsonl, parquet
from .base import Reader, Source

READERS: dict[str, Reader] = {
    ImportJob.Format.CSV: csv.read,
    ImportJob.Format.JSONL: jsonl.read,
    ImportJob.Format.PARQUET: parquet.read,
}


def source_open(job: ImportJob, skip: int) -> Source:
    """The job's source, its first `skip` rows passed over (see `base.Reader`)."""
    if job.source == ImportJob.Source.HUB:
        return hub.read(job, skip)
    reader = READERS.get(job.format)
    if reader is None:
        raise SourceError(f"Unknown format {job.format!r}.")
    return reader(job, skip)


__all__ = ["READERS", "Reader", "Source", "source_open"]
