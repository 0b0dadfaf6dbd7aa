"""Writing an export: one row per kept response (a record no response was kept for yet
gives one row with an empty annotator), read `BATCH_SIZE` records at a time through the
publication's reader, so memory stays flat in the number of responses.

Columns: `id` (the record's external id), one per field, `metadata` (JSON text), `status`
(completed or in_progress), `annotator` (the publication's name for them: a pseudonym, or
their Hugging Face handle when the lead chose so), then one per question: a number for a
rating, text for a label or a text answer, a list of options for multi-label and ranking
(JSON text in CSV)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from campaigns.publishing.batches import BATCH_SIZE, record_batches
from campaigns.publishing.dataset import Annotators, field_names, question_specs

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
}
# OWASP's advice against CSV formula injection: a cell starting with one of these is
# prefixed with a single quote, so a spreadsheet shows it as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_columns(campaign) -> tuple[list[str], list]:
    fields = field_names(campaign)
    specs = question_specs(campaign)
    return ["id", *fields, "metadata", "status", "annotator", *[s.name for s in specs]], specs


# Called after each batch with the records and the rows written so far (export jobs).
Progress = Callable[[int, int], None]


def export_row_batches(
    *,
    campaign,
    include_in_progress: bool,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Iterator[list[list]]:
    """Lists of rows (values in `export_columns` order), one list per batch of records."""
    fields = field_names(campaign)
    specs = question_specs(campaign)
    annotators = Annotators(campaign)
    records_done = rows_done = 0
    for batch in record_batches(campaign, fields, specs, include_in_progress, batch_size):
        annotators.prepare({uid for row in batch for uid in row.users})
        rows = []
        for record in batch:
            base = [record.external_id, *record.fields, record.metadata]
            status = "completed" if record.count >= record.overlap else "in_progress"
            if not record.users:
                rows.append([*base, status, None, *[None for _ in specs]])
                continue
            for i, uid in enumerate(record.users):
                answers = [record.answers[q][i] for q in range(len(specs))]
                rows.append([*base, status, annotators[uid], *answers])
        yield rows
        records_done += len(batch)
        rows_done += len(rows)
        if progress is not None:
            progress(records_done, rows_done)


def csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(
    *, campaign, include_in_progress: bool, progress: Progress | None = None
) -> Iterator[bytes]:
    columns, _ = export_columns(campaign)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(c) for c in columns])
    yield buffer.getvalue().encode()
    for rows in export_row_batches(
        campaign=campaign, include_in_progress=include_in_progress, progress=progress
    ):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_cell(v) for v in row] for row in rows)
        yield buffer.getvalue().encode()


def _jsonl_value(column: str, value):
    if column == "metadata" and value is not None:
        return json.loads(value)
    return value


def export_jsonl(
    *, campaign, include_in_progress: bool, progress: Progress | None = None
) -> Iterator[bytes]:
    columns, _ = export_columns(campaign)
    for rows in export_row_batches(
        campaign=campaign, include_in_progress=include_in_progress, progress=progress
    ):
        lines = [
            json.dumps(
                {c: _jsonl_value(c, v) for c, v in zip(columns, row, strict=True)},
                ensure_ascii=False,
            )
            for row in rows
        ]
        yield ("\n".join(lines) + "\n").encode()


def _arrow_type(kind: str) -> pa.DataType:
    if kind == "rating":
        return pa.float64()
    if kind in ("multi_label", "ranking"):
        return pa.list_(pa.string())
    return pa.string()


def export_parquet(
    *, campaign, include_in_progress: bool, out=None, progress: Progress | None = None
):
    """The export as a parquet file, one row group per batch of records, written into
    `out` (a binary file) or else an anonymous temporary file (closing it removes it);
    returned rewound."""
    columns, specs = export_columns(campaign)
    plain = len(columns) - len(specs)
    schema = pa.schema(
        [pa.field(name, pa.string()) for name in columns[:plain]]
        + [pa.field(spec.name, _arrow_type(spec.kind)) for spec in specs]
    )
    if out is None:
        out = tempfile.TemporaryFile(suffix=".parquet")  # noqa: SIM115 (the response closes it)
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for rows in export_row_batches(
            campaign=campaign, include_in_progress=include_in_progress, progress=progress
        ):
            if rows:
                typed = [_typed(row, specs, plain) for row in rows]
                data = {
                    name: list(values)
                    for name, values in zip(columns, zip(*typed, strict=True), strict=True)
                }
                writer.write_table(pa.Table.from_pydict(data, schema=schema))
    out.seek(0)
    return out


def _typed(row: list, specs, plain: int) -> list:
    typed = list(row)
    for i, spec in enumerate(specs):
        value = typed[plain + i]
        if value is None:
            continue
        if spec.kind == "rating":
            typed[plain + i] = float(value) if isinstance(value, int | float) else None
        elif spec.kind in ("multi_label", "ranking"):
            typed[plain + i] = [str(v) for v in value] if isinstance(value, list) else None
        else:
            typed[plain + i] = str(value)
    return typed


def export_write(*, campaign, fmt: str, include_in_progress: bool, out, progress=None) -> None:
    """Write the whole export in format `fmt` into the binary file `out` (export jobs)."""
    arguments = {
        "campaign": campaign,
        "include_in_progress": include_in_progress,
        "progress": progress,
    }
    if fmt == "parquet":
        export_parquet(out=out, **arguments)
        return
    writer = export_csv if fmt == "csv" else export_jsonl
    for chunk in writer(**arguments):
        out.write(chunk)
