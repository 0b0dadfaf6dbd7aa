"""Record imports: an uploaded CSV, JSONL or parquet file, or a Hub dataset.

An import is an ImportJob row. `import_start` validates the request and enqueues the task
on commit; the task calls `import_run`, which reads the source as a stream (pyarrow
`iter_batches` for parquet, line by line for CSV and JSONL; a Hub dataset's data files are
fetched with huggingface_hub and then streamed the same way), converts rows, and writes
them in batches with `import_run_batch`. A batch and the progress counter that counts it
commit in one transaction, so a retry resumes after the last committed batch and a batch
is never half-written. A bad row stops the job with its line or row number and the
reason; the rows before it stay imported.

- `readers/`: one reader per source (csv, jsonl, parquet, hub), one signature, `Source`;
- `mapping`: the mapping's validation and the conversion of a row into a record;
- `jobs`: import_start, import_run (the reader thread and its queue), imports_sweep;
- `writer`: import_run_batch, the portable upsert, StaleBatch; `writer_pg`: the PostgreSQL
  path (COPY into a staging table, set-based upsert and slots);
- `errors`: ImportRejected, BadRow, SourceError; `limits`: sizes and the batch size;
- `preview`: an upload's columns and first rows (the page's mapping step), and the check
  that a mapping names columns the file has; `staging`: the upload kept between the
  page's two steps.

The names below are the ones callers use (views, API, tasks, commands, bench).
"""

from .errors import BadRow, ImportRejected, SourceError
from .jobs import import_run, import_start, imports_sweep
from .limits import import_max_bytes, import_max_rows
from .preview import Preview, upload_preview
from .staging import StagedUpload, staged_upload_discard, staged_upload_get, upload_stage
from .writer import StaleBatch, import_run_batch

__all__ = [
    "BadRow",
    "ImportRejected",
    "Preview",
    "SourceError",
    "StagedUpload",
    "StaleBatch",
    "import_max_bytes",
    "import_max_rows",
    "import_run",
    "import_run_batch",
    "import_start",
    "imports_sweep",
    "staged_upload_discard",
    "staged_upload_get",
    "upload_preview",
    "upload_stage",
]
