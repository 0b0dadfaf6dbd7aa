"""The parquet reader: pyarrow `iter_batches` over the mapped columns only; numbered by row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...models import ImportJob
from .. import limits
from ..errors import SourceError
from .base import Source, wanted_columns


def rows(
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
    for batch in parquet.iter_batches(batch_size=limits.BATCH_SIZE, columns=wanted):
        if number + batch.num_rows <= skip:
            number += batch.num_rows
            continue
        for row in batch.to_pylist():
            number += 1
            if number <= skip:
                continue
            yield number, row


def read(job: ImportJob, skip: int) -> Source:
    path = Path(job.file.path)
    import pyarrow.parquet as pq

    try:
        total = pq.ParquetFile(path).metadata.num_rows
    except Exception as exc:
        raise SourceError(f"Not a readable parquet file ({exc}).") from exc
    return Source(rows(path, skip, wanted_columns(job.mapping)), total, "row")
