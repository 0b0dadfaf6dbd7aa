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


# Decompressed sizes (a compressed format can hold far more than the file's size: a
# parquet of 3 KB held 4 values of 64 MiB). Checked for every format on each value and row,
# and for parquet on each column chunk before it is read.
def import_max_value_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_VALUE_BYTES", 1024 * 1024))


def import_max_row_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROW_BYTES", 4 * 1024 * 1024))


def import_max_chunk_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_CHUNK_BYTES", 256 * 1024 * 1024))
