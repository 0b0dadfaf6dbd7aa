"""The JSONL reader: one JSON object per line, blank lines passed over; numbered by line.

`blocks` reads the same lines a batch at a time and parses each batch with pyarrow's JSON
reader into columns (columns.Block); a batch it cannot read so, exactly as `json.loads`
would (a blank or bad line, bytes that are not UTF-8, a key given twice, two objects on a
line, a text read as a date), comes with `table` None and is read line by line with
`rows`' rules (columns.py leaves a number column holding both 1 and 1.5 to them too)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

from ...models import ImportJob
from .. import limits
from ..columns import Block
from ..errors import BadRow
from .base import Source
from .text import count_lines, not_utf8, open_binary, raw_lines

# A block's lines are held in memory until it is parsed: at most this many bytes of them.
BLOCK_BYTES = 64 * 1024 * 1024


def _parse(line_no: int, raw: bytes) -> dict:
    try:
        row = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise BadRow(line_no, not_utf8(exc)) from exc
    except ValueError as exc:
        raise BadRow(line_no, f"not valid JSON ({exc})") from exc
    if not isinstance(row, dict):
        raise BadRow(line_no, "each line must be a JSON object")
    return row


def rows(path: Path, skip: int) -> Iterator[tuple[int, dict]]:
    with open_binary(path) as fh:
        index = 0
        for line_no, raw in enumerate(raw_lines(fh), start=1):
            if not raw.strip():
                continue
            index += 1
            if index <= skip:
                continue
            yield line_no, _parse(line_no, raw)


def _lines_rows(lines: list[tuple[int, bytes]]) -> Iterator[tuple[int, dict]]:
    for line_no, raw in lines:
        if raw.strip():
            yield line_no, _parse(line_no, raw)


def _table(lines: list[tuple[int, bytes]]):
    """The lines as an Arrow table, or None when pyarrow would not read them exactly as
    json.loads does."""
    import pyarrow as pa
    import pyarrow.json as pj

    if any(not raw.strip() for _n, raw in lines):
        return None
    data = b"".join(raw if raw.endswith(b"\n") else raw + b"\n" for _n, raw in lines)
    try:
        data.decode("utf-8")  # pyarrow passes bytes that are not UTF-8 through
        table = pj.read_json(io.BytesIO(data))
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != len(lines):
        return None
    plain = (pa.types.is_string, pa.types.is_integer, pa.types.is_boolean, pa.types.is_null)
    for field in table.schema:
        if not any(check(field.type) for check in plain) and not pa.types.is_floating(field.type):
            return None
    return table


def blocks(path: Path, skip: int) -> Iterator[Block]:
    with open_binary(path) as fh:
        index, lines, size = 0, [], 0
        try:
            for line_no, raw in enumerate(raw_lines(fh), start=1):
                if raw.strip():
                    index += 1
                    if index <= skip:
                        continue
                elif not lines:
                    continue
                lines.append((line_no, raw))
                size += len(raw)
                if len(lines) >= limits.BATCH_SIZE or size >= BLOCK_BYTES:
                    yield _block(lines)
                    lines, size = [], 0
        except BadRow:  # a line too long: the lines before it first
            if lines:
                yield _block(lines)
            raise
        if lines:
            yield _block(lines)


def _block(lines: list[tuple[int, bytes]]) -> Block:
    while not lines[-1][1].strip():  # blank lines at the end hold no row
        lines = lines[:-1]
    table = _table(lines)
    return Block(lines[0][0], table, lambda: _lines_rows(lines), null_may_be_missing=True)


def read(job: ImportJob, skip: int) -> Source:
    path = Path(job.file.path)
    return Source(rows(path, skip), count_lines(path), "line", blocks=blocks(path, skip))
