"""The parquet reader: pyarrow `iter_batches` over the mapped columns only; numbered by row.

A parquet file can decompress to far more than its size (3 KB held 4 values of 64 MiB), so
sizes are checked before anything becomes Python objects: each column chunk's size from the
footer before reading it, then, in each batch, the length of every text value and of every
row from the Arrow arrays (string columns are read dictionary-encoded, so that repeated huge
values are not expanded to check them). A value or row over the limit is a bad row, after
the rows before it; a batch is turned into rows in slices of at most the chunk limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from ...models import ImportJob
from .. import limits
from ..columns import Block
from ..errors import BadRow, SourceError
from .base import Source, wanted_columns


def parquet_chunks_check(parquet, columns: list[str] | None) -> None:
    """Refuse, before reading anything, a file whose column chunks decompress to more than
    the limit: their sizes are in the file's footer."""
    limit = limits.import_max_chunk_bytes()
    metadata = parquet.metadata
    names = [metadata.schema.column(i).path for i in range(metadata.num_columns)]
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for index, name in enumerate(names):
            if columns is not None and name.split(".")[0] not in columns:
                continue
            size = row_group.column(index).total_uncompressed_size
            if size > limit:
                raise SourceError(
                    f"The column {name!r} of row group {group + 1} decompresses to {size:,} "
                    f"bytes; the limit is {limit:,}. Write the file with smaller row groups "
                    "(or smaller values). Nothing was imported from it."
                )


def _value_sizes(column):
    """Bytes of each value of an Arrow column, without expanding dictionary columns;
    None for columns of other types (numbers, nested values: bounded by the chunk check)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        if not _is_text(column.type.value_type):
            return None
        return pc.fill_null(pc.take(pc.binary_length(column.dictionary), column.indices), 0)
    if _is_text(column.type):
        return pc.fill_null(pc.binary_length(column), 0)
    return None


def _is_text(data_type) -> bool:
    import pyarrow as pa

    return (
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or (pa.types.is_binary(data_type) or pa.types.is_large_binary(data_type))
    )


def _batch_sizes_check(batch) -> tuple[int | None, str, list[int]]:
    """(index of the first row over a limit or None, why, each row's size in bytes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    value_limit, row_limit = limits.import_max_value_bytes(), limits.import_max_row_bytes()
    rows = pa.array([0] * batch.num_rows, type=pa.int64())
    first, reason = None, ""
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        sizes = _value_sizes(column)
        if sizes is None:
            continue
        sizes = sizes.cast(pa.int64())
        if (pc.max(sizes).as_py() or 0) > value_limit:
            over = pc.indices_nonzero(pc.greater(sizes, value_limit))[0].as_py()
            if first is None or over < first:
                first = over
                size = sizes[over].as_py()
                reason = f"{name!r} holds {size:,} bytes; the limit is {value_limit:,} a value"
        rows = pc.add(rows, sizes)
    row_sizes = rows.to_pylist()
    for index, size in enumerate(row_sizes[: first if first is not None else None]):
        if size > row_limit:
            return index, f"the row holds {size:,} bytes; the limit is {row_limit:,}", row_sizes
    return first, reason, row_sizes


def _slices(rows_sizes: list[int], end: int) -> Iterator[tuple[int, int]]:
    """(start, stop) slices of the first `end` rows, each at most the chunk limit."""
    limit = limits.import_max_chunk_bytes()
    start, total = 0, 0
    for index in range(end):
        if index > start and total + rows_sizes[index] > limit:
            yield start, index
            start, total = index, 0
        total += rows_sizes[index]
    if start < end:
        yield start, end


def blocks(path: Path, skip: int, columns: list[str] | None, start_row: int = 0) -> Iterator[Block]:
    """The rows as Arrow blocks (columns.Block), at most a batch (or the chunk limit)
    each, the first `skip` rows passed over; a value or row over the size limits raises
    BadRow after the blocks before it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        text = [f.name for f in schema if _is_text(f.type)]
        parquet = pq.ParquetFile(path, read_dictionary=text)
    except Exception as exc:
        raise SourceError(f"Not a readable parquet file ({exc}).") from exc
    available = set(parquet.schema_arrow.names)
    wanted = [c for c in columns if c in available] if columns else None
    parquet_chunks_check(parquet, wanted)
    number = start_row
    for batch in parquet.iter_batches(batch_size=limits.BATCH_SIZE, columns=wanted):
        if number + batch.num_rows <= skip:
            number += batch.num_rows
            continue
        bad, reason, sizes = _batch_sizes_check(batch)
        end = batch.num_rows if bad is None else bad
        for start, stop in _slices(sizes, end):
            if number + stop - start <= skip:
                number += stop - start
                continue
            if number < skip:  # a resumed job: the rows it committed are passed over
                start, number = start + skip - number, skip
            part = batch.slice(start, stop - start)
            # Dictionary columns back to plain values, one slice at a time.
            part = pa.RecordBatch.from_arrays(
                [
                    c.dictionary_decode() if pa.types.is_dictionary(c.type) else c
                    for c in part.columns
                ],
                names=part.schema.names,
            )
            yield Block(number + 1, part, partial(_numbered, part, number + 1))
            number += part.num_rows
        if bad is not None:
            raise BadRow(number + 1, reason)


def _numbered(part, first: int) -> Iterator[tuple[int, dict]]:
    return enumerate(part.to_pylist(), start=first)


def rows(
    path: Path, skip: int, columns: list[str] | None, start_row: int = 0
) -> Iterator[tuple[int, dict]]:
    for block in blocks(path, skip, columns, start_row):
        yield from block.rows()


def columns(source) -> list[str]:
    """The column names of a parquet file (a path or a seekable binary file object), from
    its footer: nothing else is read."""
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(source).names)
    except Exception as exc:
        raise SourceError(f"Not a readable parquet file ({exc}).") from exc


def read(job: ImportJob, skip: int) -> Source:
    path = Path(job.file.path)
    import pyarrow.parquet as pq

    try:
        total = pq.ParquetFile(path).metadata.num_rows
    except Exception as exc:
        raise SourceError(f"Not a readable parquet file ({exc}).") from exc
    wanted = wanted_columns(job.mapping)
    return Source(rows(path, skip, wanted), total, "row", blocks=blocks(path, skip, wanted))
