"""Benchmark: import records from a parquet file into PostgreSQL.

    .venv/bin/python bench/import_parquet.py [--rows 100000]

Writes a parquet file of --rows records (and one of a fifth of that size), imports each
into a fresh campaign of its own database (commonset_bench_import on the PostgreSQL at
127.0.0.1, or BENCH_DATABASE_URL) through the same code the Celery task runs
(annotation.imports.import_run), and prints records/s and the peak resident memory above
the process's baseline for both sizes: the two peaks should be about equal (memory flat in
the number of records). Each size runs in its own child process.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/commonset_bench_import"
)


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def write_parquet(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = 50_000
    schema = pa.schema(
        [("id", pa.string()), ("text", pa.string()), ("source", pa.string()), ("score", pa.int64())]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            writer.write_table(
                pa.table(
                    {
                        "id": [f"rec-{i:08d}" for i in range(start, start + n)],
                        "text": [
                            f"Prompt {i}: explain why the sky looks blue to a ten-year-old."
                            for i in range(start, start + n)
                        ],
                        "source": [
                            "synthetic" if i % 3 else "human" for i in range(start, start + n)
                        ],
                        "score": [1 + i % 5 for i in range(start, start + n)],
                    },
                    schema=schema,
                )
            )


def child(path: str, label: str) -> None:
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "commonset.settings"
    import django

    django.setup()

    from loop import make_campaign  # bench/loop.py: a campaign with one field and question

    from annotation.imports import import_run
    from annotation.models import ImportJob, Record
    from campaigns.models import Campaign

    slug, _tokens = (
        make_campaign(0, 0) if not Campaign.objects.filter(slug="bench").exists() else ("bench", [])
    )
    campaign = Campaign.objects.get(slug=slug)
    Campaign.objects.filter(pk=campaign.pk).update(state="ready")
    Record.objects.filter(campaign=campaign).delete()
    job = ImportJob(
        campaign=campaign,
        source="upload",
        format="parquet",
        file_name=Path(path).name,
        mapping={
            "external_id": "id",
            "fields": {"prompt": "text"},
            "metadata": ["source"],
            "suggestions": {"quality": "score"},
        },
    )
    job.file.name = os.path.relpath(path, os.path.join(os.environ["COMMONSET_VAR_DIR"], "media"))
    job.save()
    import gc

    gc.collect()
    baseline = rss_bytes()
    peak = [baseline]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    import_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    job.refresh_from_db()
    n = Record.objects.filter(campaign=campaign).count()
    assert job.state == "succeeded", job.error
    print(
        f"{label}: {n:,} records in {elapsed:.2f} s = {n / elapsed:,.0f} records/s; "
        f"peak memory above baseline {(peak[0] - baseline) / 2**20:.1f} MiB "
        f"(baseline {baseline / 2**20:.0f} MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "LABEL"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import loop
    from loop import machine, recreate_database

    loop.DB_URL = DB_URL
    print(f"machine: {machine()}")
    recreate_database()
    env = dict(os.environ, DATABASE_URL=DB_URL, LOG_LEVEL="WARNING")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        env["COMMONSET_VAR_DIR"] = tmp
        (Path(tmp) / "media" / "imports").mkdir(parents=True)
        for rows in (args.rows // 5, args.rows):
            path = Path(tmp) / "media" / "imports" / f"records-{rows}.parquet"
            write_parquet(path, rows)
            size = path.stat().st_size
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(path),
                    f"{rows:,} rows ({size / 2**20:.1f} MiB file)",
                ],
                cwd=ROOT,
                env=env,
                check=True,
            )


if __name__ == "__main__":
    main()
