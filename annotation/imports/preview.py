"""What an uploaded file holds before it is imported: its columns and first rows, read with
the import's own readers (so the lead sees what the import will read), and the check that
a mapping's external id and fields name columns the file has.

CSV and parquet files name their columns up front (the header line, the schema in the
footer), so a mapping whose external id or field names another column is refused before the
job is recorded (every row would fail on it). A JSONL
file's rows may each have other keys: its columns are the keys of the first rows read, and
a key missing from a row stays that row's error.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from ..models import ImportJob
from .errors import BadRow, ImportRejected, SourceError
from .readers import csv, jsonl, parquet

PREVIEW_ROWS = 5  # rows shown
JSONL_SCAN_ROWS = 100  # rows whose keys make a JSONL file's columns
SHOWN_CHARS = 120  # a value longer than this is shortened in the preview


@dataclass
class Preview:
    columns: list[str]
    rows: list[list[str]]  # the first rows, one shortened text per column
    unit: str  # "line" or "row": how the import numbers them
    file_format: str
    problem: str = ""  # the first unreadable line or row among those read, if any

    @property
    def from_header(self) -> bool:
        """Whether the columns are the file's own list (CSV header, parquet schema), not
        the keys of the first JSONL rows."""
        return self.file_format != ImportJob.Format.JSONL


def _shown(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"


def upload_preview(path: Path, file_format: str) -> Preview:
    """The columns and first rows of a file on disk. Raises ImportRejected when not even
    the columns can be read; a bad row after them is reported in `problem`."""
    rows: list[dict] = []
    problem = ""
    if file_format == ImportJob.Format.CSV:
        with open(path, "rb") as fh:
            try:
                columns = csv.header(fh)
            except BadRow as exc:
                raise ImportRejected(_("Line 1: %(reason)s.") % {"reason": exc.reason}) from exc
        stream, unit, scan = csv.rows(path, 0), "line", PREVIEW_ROWS
    elif file_format == ImportJob.Format.PARQUET:
        try:
            columns = parquet.columns(path)
        except SourceError as exc:
            raise ImportRejected(str(exc)) from exc
        stream, unit, scan = parquet.rows(path, 0, None), "row", PREVIEW_ROWS
    elif file_format == ImportJob.Format.JSONL:
        columns = []
        stream, unit, scan = jsonl.rows(path, 0), "line", JSONL_SCAN_ROWS
    else:
        raise ImportRejected(_("Upload a .csv, .jsonl or .parquet file."))
    try:
        for _number, row in itertools.islice(stream, scan):
            rows.append(row)
    except BadRow as exc:
        problem = f"{unit.capitalize()} {exc.row}: {exc.reason}."
    except SourceError as exc:
        problem = str(exc)
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()
    if file_format == ImportJob.Format.JSONL:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    columns = [str(c) for c in columns]
    if not columns:
        raise ImportRejected(problem or _("The file has no columns: it is empty."))
    shown = [[_shown(row.get(c)) for c in columns] for row in rows[:PREVIEW_ROWS]]
    return Preview(columns, shown, unit, file_format, problem)


def upload_columns(upload, file_format: str) -> list[str] | None:
    """The columns a CSV or parquet upload (a file object) declares, read from its header
    or footer only; None for a format without such a list (JSONL) or a file whose header
    cannot be read (the job then fails on it with the line and reason, as before)."""
    if file_format not in (ImportJob.Format.CSV, ImportJob.Format.PARQUET):
        return None
    upload.seek(0)
    try:
        if file_format == ImportJob.Format.CSV:
            return csv.header(upload)
        return parquet.columns(upload)
    except (BadRow, SourceError):
        return None
    finally:
        upload.seek(0)


def mapping_columns_check(mapping: dict, columns: list[str]) -> None:
    """Refuse a (clean) mapping whose external id or fields name a column the file does not
    have, naming it: every row would fail on it. (A metadata or suggestion column a row
    lacks is left out of that row, as it always was.)"""
    have = set(columns)
    wanted = [(mapping["external_id"], _("the external id"))] if mapping["external_id"] else []
    wanted += [(col, _("field “%(name)s”") % {"name": n}) for n, col in mapping["fields"].items()]
    missing = [f"“{col}” ({what})" for col, what in wanted if col not in have]
    if missing:
        raise ImportRejected(
            _("The file has no column %(missing)s. Its columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(columns)}
        )
