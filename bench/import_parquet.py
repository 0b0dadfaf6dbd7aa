"""Benchmark: import records into PostgreSQL, from a parquet file and as a JSONL upload
through the API.

    .venv/bin/python bench/import_parquet.py [--records 100000 1000000] [--jsonl 100000]
        [--repeat 2] [--compare REV] [--profile]

Writes a parquet file per `--records` size (an external id, two fields' worth of columns:
a prompt and its source, and a score as a suggestion; the source also as metadata) and a
JSONL file of `--jsonl` records, then imports each into a campaign of its own database
(commonset_bench_import on the PostgreSQL at 127.0.0.1, or BENCH_DATABASE_URL): parquet
through the code the Celery task runs (annotation.imports.import_run), JSONL as a POST to
/api/v1/campaigns/<slug>/imports/ with a lead's token (Django's test client in-process,
the task run eagerly on commit; timed from the request to the job's end). Each import runs
in its own child process and prints records/s and the peak resident memory (absolute and
above the process's baseline): the peaks at 100k and 1M should be about equal (memory flat
in the number of records).

After each parquet import of this tree, a child measures the database's own floor for those
rows: it reads back what the import wrote (COPY … TO, untimed), empties the tables, and
times plain COPY … FROM of the same records (ids reserved up front) and their slots, in
batches of the import's size, each batch its own transaction without waiting for the WAL
flush, as the import's are: no staging, no probe, no conversion. The import's rate over that
floor is what "imports at database speed" asks (issue 17); the floor itself is what the
schema's indexes and constraints cost on this machine that day.

`--compare REV` also runs the same imports with the code of a git revision (extracted into a
temporary folder by bench/_revisions.py), alternating with this tree's, `--repeat` times
each, so that both are measured in the same run on this shared machine. `--profile` runs
each import under cProfile (its reader thread included) and prints the top lines instead
of timing it cleanly (profiled figures are slower).
"""

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/commonset_bench_import"
)
MAPPING = {
    "external_id": "id",
    "fields": {"prompt": "text"},
    "metadata": ["source"],
    "suggestions": {"quality": "score"},
}


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _columns(start: int, n: int) -> dict:
    return {
        "id": [f"rec-{i:08d}" for i in range(start, start + n)],
        "text": [
            f"Prompt {i}: explain why the sky looks blue to a ten-year-old."
            for i in range(start, start + n)
        ],
        "source": ["synthetic" if i % 3 else "human" for i in range(start, start + n)],
        "score": [1 + i % 5 for i in range(start, start + n)],
    }


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
            writer.write_table(pa.table(_columns(start, n), schema=schema))


def write_jsonl(path: Path, rows: int) -> None:
    import json

    with open(path, "w") as fh:
        for start in range(0, rows, 50_000):
            columns = _columns(start, min(50_000, rows - start))
            for values in zip(*columns.values(), strict=True):
                fh.write(json.dumps(dict(zip(columns, values, strict=True))) + "\n")


# --- child: one import in its own process -----------------------------------------------
def _django_setup(code: str) -> None:
    """Django in this child process, with the code in `code` (this tree or a revision's)."""
    sys.path.insert(0, code)
    sys.path.insert(1, str(ROOT / "bench"))
    os.chdir(code)
    # The parent's environment is the loop benchmark's site (_loop_site.server_env); the
    # import runs in this process, its tasks eagerly, its API upload through the test client.
    os.environ.update(
        CELERY_EAGER="true",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="commonset.settings",
    )
    import django

    django.setup()


def child(path: str, label: str, code: str, kind: str, profile: bool) -> None:
    _django_setup(code)

    from _loop_site import make_campaign  # the loop benchmark's: one field and question
    from django.db import connection

    from accounts.models import User
    from annotation.models import ImportJob, Record
    from campaigns.dashboards.models import CampaignStats
    from campaigns.models import Campaign

    if not Campaign.objects.filter(slug="bench").exists():
        make_campaign(0, 0)
    campaign = Campaign.objects.get(slug="bench")
    Campaign.objects.filter(pk=campaign.pk).update(state="ready")
    with connection.cursor() as cursor:  # a fresh campaign's tables, fast at 1M records
        cursor.execute("TRUNCATE annotation_record CASCADE")
    CampaignStats.objects.update(records=0)
    ImportJob.objects.all().delete()
    media = Path(os.environ["COMMONSET_VAR_DIR"]) / "media"
    if kind == "parquet":
        job = ImportJob(
            campaign=campaign,
            source="upload",
            format="parquet",
            file_name=Path(path).name,
            mapping=MAPPING,
        )
        job.file.name = os.path.relpath(path, media)
        job.save()

        def run():
            from annotation.imports import import_run

            import_run(job_id=job.pk)
    else:
        import json

        from django.test import Client

        from accounts.services import api_token_create

        raw = api_token_create(
            user=User.objects.get(username="bench-lead"), name="bench", scope="lead"
        ).raw
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

        def run():
            with open(path, "rb") as fh:
                response = client.post(
                    f"/api/v1/campaigns/{campaign.slug}/imports/",
                    {"file": fh, "mapping": json.dumps(MAPPING)},
                )
            assert response.status_code == 202, response.content
            while ImportJob.objects.get(pk=response.json()["id"]).state in ("pending", "running"):
                time.sleep(0.05)

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
    if profile:
        _profiled(run)
    else:
        run()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    job = ImportJob.objects.latest("pk")
    n = Record.objects.filter(campaign=campaign).count()
    assert job.state == "succeeded", job.error
    print(
        f"{label}: {n:,} records in {elapsed:.2f} s = {n / elapsed:,.0f} records/s"
        f"{' (under cProfile)' if profile else ''}; peak RSS {peak[0] / 2**20:.0f} MiB, "
        f"{(peak[0] - baseline) / 2**20:.1f} MiB above the baseline of "
        f"{baseline / 2**20:.0f} MiB",
        flush=True,
    )


def floor(label: str) -> None:
    """The database's floor for the rows the last import wrote: COPY them (and their slots)
    straight into the tables, timed, in the import's batches."""
    _django_setup(str(ROOT))
    from django.db import connection

    from annotation.imports import limits
    from campaigns.models import Campaign

    campaign = Campaign.objects.get(slug="bench").pk
    connection.ensure_connection()
    raw = connection.connection
    written = bytearray()
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY (SELECT external_id, fields, metadata, suggestions, overlap"
            " FROM annotation_record WHERE campaign_id = %s ORDER BY id) TO STDOUT",
            [campaign],
        ) as copy:
            for data in copy:
                written += data
        lines = bytes(written).split(b"\n")[:-1]
        del written
        n = len(lines)
        cursor.execute("TRUNCATE annotation_record CASCADE")
        cursor.execute("SELECT nextval(pg_get_serial_sequence('annotation_record', 'id'))")
        first = cursor.fetchone()[0]
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('annotation_record', 'id'), %s)",
            [first + n - 1],
        )
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime()).encode()
    prefix = f"\t{campaign}\t".encode()
    batches = []
    for start in range(0, n, limits.BATCH_SIZE):
        records, slots = [], []
        for offset, line in enumerate(lines[start : start + limits.BATCH_SIZE]):
            record = first + start + offset
            external_id, fields, metadata, suggestions, overlap = line.split(b"\t")
            records.append(
                b"\t".join(
                    (
                        str(record).encode() + prefix + external_id,
                        fields,
                        metadata,
                        suggestions,
                        b"0",
                        overlap,
                        now,
                    )
                )
            )
            slots += [
                f"{campaign}\t{record}\t{k}\tf\t0".encode() for k in range(1, int(overlap) + 1)
            ]
        batches.append((b"\n".join(records) + b"\n", b"\n".join(slots) + b"\n"))
    del lines
    started = time.perf_counter()
    with raw.cursor() as cursor:
        for records, slots in batches:
            with raw.transaction():  # Django's connection is in autocommit: BEGIN … COMMIT
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                with cursor.copy(
                    "COPY annotation_record (id, campaign_id, external_id, fields, metadata,"
                    " suggestions, response_count, overlap, created_at) FROM STDIN"
                ) as copy:
                    copy.write(records)
                with cursor.copy(
                    "COPY annotation_slot (campaign_id, record_id, number, filled,"
                    " record_responses) FROM STDIN"
                ) as copy:
                    copy.write(slots)
    elapsed = time.perf_counter() - started
    print(f"{label}: {n:,} records in {elapsed:.2f} s = {n / elapsed:,.0f} records/s", flush=True)


def _profiled(run) -> None:
    """`run` under cProfile, the threads it starts (the import's reader) each under their
    own profiler; prints the merged top lines by own time and by cumulative time."""
    import cProfile
    import pstats

    profiles = []
    original = threading.Thread.run

    def run_profiled(thread):
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.runcall(original, thread)

    threading.Thread.run = run_profiled
    main = cProfile.Profile()
    try:
        main.runcall(run)
    finally:
        threading.Thread.run = original
    stats = pstats.Stats(main)
    for profiler in profiles:
        stats.add(profiler)
    stats.strip_dirs().sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(15)


# --- parent ------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--jsonl", type=int, default=100_000, help="0: no JSONL upload")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--compare", metavar="REV", help="also run this revision's code")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-floor", action="store_true", help="skip the COPY floor")
    parser.add_argument("--child", nargs=4, metavar=("PATH", "LABEL", "CODE", "KIND"))
    parser.add_argument("--floor-child", metavar="LABEL")
    args = parser.parse_args()
    if args.floor_child:
        floor(args.floor_child)
        return
    if args.child:
        child(*args.child, profile=args.profile)
        return
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import _loop_site
    from _campaigns import machine
    from _revisions import revision_checkout
    from _timing import python_loop_seconds

    print(f"machine: {machine()}", flush=True)
    print(f"10M-iteration Python loop: {python_loop_seconds():.2f} s", flush=True)
    _loop_site.recreate_database(DB_URL)
    env = _loop_site.server_env(DB_URL)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        env["COMMONSET_VAR_DIR"] = tmp
        folder = Path(tmp) / "media" / "imports"
        folder.mkdir(parents=True)
        systems = [("this tree", ROOT)]
        if args.compare:
            systems.append((args.compare, stack.enter_context(revision_checkout(args.compare))))
        files, rates = [], {}
        for rows in args.records:
            path = folder / f"records-{rows}.parquet"
            write_parquet(path, rows)
            files.append(("parquet", path, f"parquet {rows:,} rows", path.stat().st_size))
        if args.jsonl:
            path = folder / f"records-{args.jsonl}.jsonl"
            write_jsonl(path, args.jsonl)
            files.append(("jsonl", path, f"JSONL API upload {args.jsonl:,} rows", 0))
        for run in range(1, args.repeat + 1):
            for kind, path, what, size in files:
                for name, code in systems:
                    mib = f", {size / 2**20:.1f} MiB file" if size else ""
                    label = f"[{name}, run {run}] {what}{mib}"
                    command = [sys.executable, __file__, "--child", str(path), label]
                    command += [str(code), kind] + (["--profile"] if args.profile else [])
                    rates.setdefault((what, name), []).append(_run(command, code, env))
                    if kind == "parquet" and code == ROOT and not (args.no_floor or args.profile):
                        label = f"[database floor, run {run}] {what}: COPY into the tables"
                        command = [sys.executable, __file__, "--floor-child", label]
                        rates.setdefault((what, "floor"), []).append(_run(command, ROOT, env))
        _summary(rates, [what for _k, _p, what, _s in files], [name for name, _c in systems])


def _run(command: list[str], cwd: Path, env: dict) -> float | None:
    """Run a child, echoing what it prints; its records/s (None under --profile)."""
    done = subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.PIPE, text=True)
    print(done.stdout, end="", flush=True)
    rate = re.search(r"= ([\d,]+) records/s", done.stdout)
    return float(rate.group(1).replace(",", "")) if rate else None


def _summary(rates: dict, whats: list[str], names: list[str]) -> None:
    """Best rate of each system per file, the ratios to the compared revision and to the
    database floor."""
    print("\nsummary (best of the runs):", flush=True)
    for what in whats:
        best = {
            name: max(filter(None, rates.get((what, name), [])), default=None)
            for name in [*names, "floor"]
        }
        parts = [f"{name} {rate:,.0f}/s" for name, rate in best.items() if rate]
        tree = best[names[0]]
        if tree and len(names) > 1 and best[names[1]]:
            parts.append(f"x{tree / best[names[1]]:.2f} against {names[1]}")
        if tree and best["floor"]:
            parts.append(f"{tree / best['floor']:.0%} of the floor")
        print(f"  {what}: " + "; ".join(parts), flush=True)


if __name__ == "__main__":
    main()
