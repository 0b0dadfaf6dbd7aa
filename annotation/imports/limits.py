"""How much one import may bring in, and the size of its batches.

`BATCH_SIZE` is read as `limits.BATCH_SIZE` by both the job (rows per written batch) and
the parquet reader (rows per batch read), so that one setting changes both.
"""

from django.conf import settings

BATCH_SIZE = 5000


def import_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 512 * 1024 * 1024))


def import_max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 1_000_000))
