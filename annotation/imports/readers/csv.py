"""The CSV reader: a header line, then one record per row (a quoted value may span lines);
numbered by the line a row ends on."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ...models import ImportJob
from ..errors import BadRow
from .base import Source
from .text import count_lines, open_binary, text_lines


def rows(path: Path, skip: int) -> Iterator[tuple[int, dict]]:
    with open_binary(path) as fh:
        # strict: an unclosed quote is an error, not the rest of the file in one field.
        reader = csv.DictReader(text_lines(fh), strict=True)
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


def header(fh) -> list[str]:
    """The column names of the header line of a binary file object (empty for an empty
    file), read the way `rows` reads them."""
    try:
        return next(csv.reader(text_lines(fh), strict=True), [])
    except csv.Error as exc:
        raise BadRow(1, f"unreadable CSV header ({exc})") from exc


def read(job: ImportJob, skip: int) -> Source:
    path = Path(job.file.path)
    return Source(rows(path, skip), max(0, count_lines(path) - 1), "line")
