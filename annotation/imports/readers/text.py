"""Reading a text file (CSV or JSONL) line by line: bounded lines, UTF-8 only, and each
problem reported at its own line."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

from ..errors import BadRow


def open_binary(path: Path):
    """The file's bytes, decompressed when it is gzip (`.gz`, as Hub datasets may be)."""
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def count_lines(path: Path) -> int:
    count = 0
    with open_binary(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


# The longest line (JSONL) or CSV field read; a longer one stops the import at its line
# instead of being read into memory whole. A long prompt is well under it.
MAX_LINE_BYTES = 16 * 1024 * 1024
csv.field_size_limit(MAX_LINE_BYTES)  # the csv module's own default is 128 KiB


def raw_lines(fh) -> Iterator[bytes]:
    """The file's lines as bytes (split on \\n), refusing one longer than MAX_LINE_BYTES."""
    line_no = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > MAX_LINE_BYTES:
            raise BadRow(line_no, f"the line is longer than {MAX_LINE_BYTES:,} bytes")
        yield raw


def not_utf8(exc: UnicodeDecodeError) -> str:
    return (
        f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start + 1}); "
        "save the file as UTF-8"
    )


def text_lines(fh) -> Iterator[str]:
    """Decoded lines for the csv module, split like a file opened with newline="" (on
    \\r\\n, \\n or \\r), each decoded on its own so that a byte that is not UTF-8 is
    reported at its own line (and the lines before it are read)."""
    line_no = 0
    for raw in raw_lines(fh):
        for part in raw.splitlines(keepends=True):
            line_no += 1
            if line_no == 1:
                if part.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise BadRow(1, "the file is UTF-16 text; save it as UTF-8")
                part = part.removeprefix(b"\xef\xbb\xbf")
            try:
                yield part.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadRow(line_no, not_utf8(exc)) from exc
