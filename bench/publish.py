"""Publish benchmark: a campaign of N records with 2 submitted responses each, aggregated
and written as parquet + dataset card to the local hub folder (the same code path as a
Hub publication up to the commit). Budgets (DESIGN.md, issue 17): 100,000 records in
< 10 s; at 10×, 1,000,000 records in < 60 s with the same peak memory.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/commonset_bench \\
        .venv/bin/python bench/publish.py --records 100000 [1000000]

Prints the machine, the time to build the data (not part of the budget), the publication's
duration, rows/s, the parquet size, and the peak resident memory during the publication
(sampled), which stays flat in the number of records (records are read and written in
batches of 5,000).

`--compare` publishes each campaign `--rounds` times with the row-wise writer of 07583b0
(tests/campaigns/publishing/rowwise.py) and the column-wise one alternately, in the same
process, and prints the ratio of the best times; `--profile` adds a cProfile of one
column-wise publication (top lines by own time).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import tempfile
import threading
import time
from pathlib import Path

from _campaigns import build_campaign, django_setup, machine
from _timing import load_average


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class PeakRss:
    def __init__(self):
        self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self):
        self.start = _rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--compare", action="store_true", help="alternate with 07583b0's writer")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    django_setup(args.database_url)
    from django.conf import settings

    from campaigns.publishing import services

    settings.HUB_BACKEND = "local"
    settings.HUB_LOCAL_DIR = Path(tempfile.mkdtemp(prefix="commonset-bench-hub-"))

    print(f"machine: {machine()}")
    for records in args.records:  # each size in turn, in the same process
        _publish(records, args.users, services, settings, args)


BUDGETS = {100_000: 10.0, 1_000_000: 60.0}


def _publish(records: int, users: int, services, settings, args) -> None:
    started = time.perf_counter()
    campaign = build_campaign(
        records=records, responses_per_record=2, users=users, days=30, tag="publish"
    )
    print(f"data: {records:,} records x 2 responses built in {time.perf_counter() - started:.1f} s")

    # Warm the imports (pyarrow, huggingface_hub card) so the figure is the publication's.
    import pyarrow.parquet  # noqa: F401
    from huggingface_hub import DatasetCard  # noqa: F401

    from campaigns.publishing import dataset
    from tests.campaigns.publishing.rowwise import batch_table_rowwise

    column_wise, gc_off = dataset.batch_table, dataset.no_cyclic_gc
    # 07583b0: row by row, the cyclic garbage collector on (its batches.py read ratings as
    # numeric; both read them as float8 here).
    writers = [
        ("row-wise (07583b0)", batch_table_rowwise, contextlib.nullcontext),
        ("column-wise", column_wise, gc_off),
    ]
    if not args.compare:
        writers = writers[1:]
    best: dict[str, float] = {}
    for _ in range(args.rounds if args.compare else 1):
        for label, writer, gc_mode in writers:
            dataset.batch_table, dataset.no_cyclic_gc = writer, gc_mode
            print(f"-- {label} (load average {load_average()})")
            elapsed = _publish_once(records, campaign, services, settings)
            best[label] = min(best.get(label, elapsed), elapsed)
    dataset.batch_table, dataset.no_cyclic_gc = column_wise, gc_off
    if args.compare:
        old, new = (best[label] for label, *_ in writers)
        print(
            f"best of {args.rounds}: row-wise {old:.2f} s, column-wise {new:.2f} s"
            f" ({old / new:.2f}x)"
        )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        services.publication_request(campaign=campaign)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)


def _publish_once(records: int, campaign, services, settings) -> float:
    # Celery runs eagerly here: requesting the publication runs it at once, in process.
    with PeakRss() as rss:
        started = time.perf_counter()
        publication, _ = services.publication_request(campaign=campaign)
        elapsed = time.perf_counter() - started
    publication.refresh_from_db()
    assert publication.state == "succeeded", publication.last_error
    folder = settings.HUB_LOCAL_DIR / "datasets" / campaign.repo_id
    parquet = folder / "data" / "train-00000-of-00001.parquet"
    budget = next((f"< {s:.0f} s for {n:,}" for n, s in BUDGETS.items() if records <= n), "")
    print(
        f"publish: {publication.rows:,} rows, {publication.responses:,} responses, "
        f"{publication.contributors:,} contributors in {elapsed:.2f} s "
        f"({publication.rows / elapsed:,.0f} rows/s); budget {budget or 'none at this size'}"
    )
    print(
        f"parquet: {parquet.stat().st_size / 1e6:.1f} MB; "
        f"card: {(folder / 'README.md').stat().st_size:,} bytes"
    )
    print(
        f"memory: resident {rss.start:.0f} MB before, peak {rss.peak:.0f} MB during "
        f"(+{rss.peak - rss.start:.0f} MB)"
    )
    quality = publication.summary["questions"][0]
    print(f"card: Krippendorff's alpha (quality, ordinal) = {quality['alpha']}", flush=True)
    return elapsed


if __name__ == "__main__":
    main()
