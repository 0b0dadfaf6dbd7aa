"""The JSONL reader: one JSON object per line, blank lines passed over; numbered by line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ...models import ImportJob
from ..errors import BadRow
from .base import Source
from .text import count_lines, not_utf8, open_binary, raw_lines


def rows(path: Path, skip: int) -> Iterator[tuple[int, dict]]:
    with open_binary(path) as fh:
        index = 0
        for line_no, raw in enumerate(raw_lines(fh), start=1):
            if not raw.strip():
                continue
            index += 1
            if index <= skip:
                continue
            try:
                row = json.loads(raw)
            except UnicodeDecodeError as exc:
                raise BadRow(line_no, not_utf8(exc)) from exc
            except ValueError as exc:
                raise BadRow(line_no, f"not valid JSON ({exc})") from exc
            if not isinstance(row, dict):
                raise BadRow(line_no, "each line must be a JSON object")
            yield line_no, row


def read(job: ImportJob, skip: int) -> Source:
    path = Path(job.file.path)
    return Source(rows(path, skip), count_lines(path), "line")
