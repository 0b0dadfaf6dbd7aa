"""Benchmark: the annotation loop (next record + submit) over HTTP under gunicorn on
PostgreSQL, and the framework's floor (a bare Django view, `/healthz`) in the same run.

    .venv/bin/python bench/loop.py [--seconds 30] [--annotators 32] [--workers N]
    .venv/bin/python bench/loop.py --compare <rev> [--loads 8,32] [--rounds 1]
    .venv/bin/python bench/loop.py --profile [--compare <rev>]

Creates its own database (commonset_bench_loop on the PostgreSQL at 127.0.0.1, or
BENCH_DATABASE_URL) and empties its own Redis database (9 on 127.0.0.1, or BENCH_REDIS_URL;
the --compare system takes the next number), migrates it, makes a campaign of 40,000
records x 2 responses (a phase that runs out of records fails the run) and its annotators
with API tokens, starts gunicorn on a free port, and for each load runs two phases with
that many clients: `/healthz` (the floor) and the
loop. It prints loops/s,
p50/p95/p99 per call, errors, gunicorn's CPU per request for the floor and for a loop
request (next or submit) and their ratio, then checks the assignment invariants in the
database. It stops only the gunicorn it started (by PID).

`--compare <rev>` checks <rev> out into a temporary folder (bench/_revisions.py) and
runs that commit's site beside this checkout's (each with its own database, seeded by its
own `--seed-only`), alternating phase by phase with the same load, and prints both. `--profile`
runs 300 loops and 300 `/healthz` requests in process (Django's WSGI handler, no gunicorn)
under cProfile and prints the top lines (for <rev> too with --compare).

`--seed-only` stops after making the campaign and prints it as JSON (slug, annotators'
usernames and tokens): the fault drills in tests/faults/ seed their private database so,
and use bench/_loop_site.py's invariant checks and bench/_servers.py's gunicorn.
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._autovacuum import AutovacuumStandIn  # noqa: E402
from bench._campaigns import machine  # noqa: E402
from bench._loop_clients import Annotator, HealthClient, pct  # noqa: E402
from bench._loop_profile import profile_child  # noqa: E402
from bench._loop_site import (  # noqa: E402
    DB_URL,
    REDIS_URL,
    check_invariants,
    make_campaign,
    recreate_database,
    redis_flush,
    redis_url_next,
    server_env,
    setup_django,
)
from bench._revisions import revision_checkout  # noqa: E402
from bench._servers import cpu_snapshot, free_port, gunicorn_start, gunicorn_stop  # noqa: E402
from bench._timing import load_average, python_loop_seconds  # noqa: E402


@dataclass
class System:
    """One site under test: a checkout (this one, or <rev> in a temporary folder), its
    database, campaign and gunicorn."""

    name: str
    root: Path
    db_url: str
    redis_url: str
    slug: str = ""
    tokens: list[str] = field(default_factory=list)
    gunicorn: subprocess.Popen | None = None
    port: int = 0

    @property
    def dbname(self) -> str:
        return self.db_url.rsplit("/", 1)[1]


def seed(system: System, records: int, annotators: int) -> None:
    """Seed the system's database with its own checkout's `--seed-only` (and empty its
    Redis database)."""
    redis_flush(system.redis_url)
    env = dict(os.environ, BENCH_DATABASE_URL=system.db_url)
    out = subprocess.run(
        [
            sys.executable,
            str(system.root / "bench" / "loop.py"),
            "--seed-only",
            "--records",
            str(records),
            "--annotators",
            str(annotators),
        ],
        cwd=system.root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seeded = json.loads(out.strip().splitlines()[-1])
    system.slug = seeded["slug"]
    system.tokens = [token for _, token in seeded["annotators"]]


def run_phase(system: System, kind: str, clients: int, seconds: float) -> dict:
    """`clients` threads for `seconds`: the loop (kind "loop") or /healthz ("floor"), with
    gunicorn's and this database's PostgreSQL CPU over the phase."""
    results = {
        "next": [],
        "submit": [],
        "healthz": [],
        "errors": [],
        "loops": 0,
        "nothing_left": 0,
    }
    cpu0 = cpu_snapshot(system.gunicorn.pid, system.dbname)
    stop_at = time.time() + seconds
    if kind == "loop":
        threads = [
            Annotator(system.port, system.slug, token, stop_at, results)
            for token in system.tokens[:clients]
        ]
    else:
        threads = [HealthClient(system.port, stop_at, results) for _ in range(clients)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results["elapsed"] = time.time() - started
    cpu1 = cpu_snapshot(system.gunicorn.pid, system.dbname)
    results["cpu"] = {k: cpu1[k] - cpu0[k] for k in cpu0}
    results["requests"] = len(results["next"]) + len(results["submit"]) + len(results["healthz"])
    return results


def invariant_problems(system: System) -> list[str]:
    import psycopg

    with psycopg.connect(system.db_url) as conn, conn.cursor() as cursor:
        return check_invariants(cursor, system.slug)


def report(system: System, clients: int, floor: dict, loop: dict) -> dict:
    elapsed = loop["elapsed"]
    floor_cpu = floor["cpu"]["gunicorn"] / max(1, floor["requests"]) * 1000
    loop_cpu = loop["cpu"]["gunicorn"] / max(1, loop["requests"]) * 1000
    loops = max(1, loop["loops"])
    problems = invariant_problems(system)
    row = {
        "loops_s": loop["loops"] / elapsed,
        "floor_cpu": floor_cpu,
        "loop_cpu": loop_cpu,
        "ratio": loop_cpu / floor_cpu if floor_cpu else float("nan"),
        "problems": problems,
        "ran_out": loop["nothing_left"] > 0,
    }
    print(
        f"[{system.name}] {clients} annotators, {elapsed:.1f} s: "
        f"{row['loops_s']:.1f} loops/s ({loop['loops']} loops); "
        + "; ".join(
            f"{call} p50 {pct(loop[call], 50):.1f} p95 {pct(loop[call], 95):.1f} "
            f"p99 {pct(loop[call], 99):.1f} ms"
            for call in ("next", "submit")
        )
    )
    print(
        f"[{system.name}]   gunicorn CPU per request: /healthz {floor_cpu:.2f} ms "
        f"({floor['requests'] / floor['elapsed']:.0f}/s), loop request {loop_cpu:.2f} ms "
        f"-> ratio {row['ratio']:.2f}; per loop: gunicorn "
        f"{loop['cpu']['gunicorn'] / loops * 1000:.2f} ms, PostgreSQL "
        f"{loop['cpu']['postgres'] / loops * 1000:.2f} ms, client "
        f"{loop['cpu']['client'] / loops * 1000:.2f} ms; machine busy "
        f"{loop['cpu']['machine_busy'] / elapsed / (os.cpu_count() or 1) * 100:.0f}%; "
        f"load average {load_average()}"
    )
    errors = loop["errors"] + floor["errors"]
    print(
        f"[{system.name}]   errors: {len(errors)}; nothing-left answers: "
        f"{loop['nothing_left']}; invariants: "
        + ("OK" if not problems else "VIOLATED: " + "; ".join(problems))
    )
    for e in errors[:5]:
        print(f"    {e}")
    if row["ran_out"]:
        print(
            f"[{system.name}]   RAN OUT OF RECORDS: this phase measured 204s, not the loop; "
            "run again with a larger --records"
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--annotators", type=int, default=32)
    parser.add_argument("--loads", default="", help="annotator counts, e.g. 8,32")
    parser.add_argument("--floor-seconds", type=float, default=0, help="default: seconds / 3")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--autovacuum-naptime",
        type=float,
        default=10,
        help="seconds between the autovacuum stand-in's visits (when the server's is off)",
    )
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 5)))
    parser.add_argument("--worker-class", default=os.environ.get("BENCH_WORKER_CLASS", "sync"))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 1)))
    parser.add_argument("--compare", metavar="REV", help="also run this commit, alternating")
    parser.add_argument("--profile", action="store_true", help="cProfile in process instead")
    parser.add_argument(
        "--seed-only", action="store_true", help="make the campaign, print it as JSON, stop"
    )
    parser.add_argument("--profile-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.profile_child:
        profile_child(*args.profile_child, n=300)
        return
    if args.seed_only:
        recreate_database()
        env = server_env()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        setup_django()
        slug, annotators = make_campaign(args.records, args.annotators)
        from django.db import connection

        with connection.cursor() as c:
            c.execute("ANALYZE")
        print(json.dumps({"slug": slug, "annotators": annotators}))
        return

    loads = [int(x) for x in args.loads.split(",") if x] or [args.annotators]
    print(f"machine: {machine()}")
    print(
        f"10M-iteration Python loop: {python_loop_seconds():.2f} s; load average {load_average()}"
    )
    with contextlib.ExitStack() as stack:
        systems = [System("this", ROOT, DB_URL, REDIS_URL)]
        if args.compare:
            # Neither database's name contains the other's (cpu_snapshot matches by name).
            old_root = stack.enter_context(revision_checkout(args.compare))
            systems = [
                System(args.compare, old_root, DB_URL + "_before", redis_url_next(REDIS_URL)),
                System("this", ROOT, DB_URL + "_after", REDIS_URL),
            ]
        _systems_run(systems, loads, args)


def _systems_run(systems: list[System], loads: list[int], args) -> None:
    try:
        for system in systems:
            seed(system, args.records, max(loads))
        if args.profile:
            for system in systems:
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--profile-child",
                        str(system.root),
                        system.db_url,
                        system.redis_url,
                        system.slug,
                        system.tokens[0],
                    ],
                    check=True,
                )
            return
        with contextlib.ExitStack() as stack:
            for system in systems:
                stack.enter_context(AutovacuumStandIn(system.db_url, args.autovacuum_naptime))
            compare_and_print(systems, loads, args)
    finally:
        for system in systems:
            if system.gunicorn is not None:
                gunicorn_stop(system.gunicorn)


def compare_and_print(systems: list[System], loads: list[int], args) -> None:
    for system in systems:
        system.port = free_port()
        system.gunicorn = gunicorn_start(
            system.port,
            server_env(system.db_url, system.redis_url),
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            root=system.root,
        )
        run_phase(system, "loop", min(8, len(system.tokens)), 2)  # warm every worker
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers x {args.threads} threads; "
        f"{args.records:,} records x 2; loop phases {args.seconds:.0f} s, floor phases "
        f"{args.floor_seconds or args.seconds / 3:.0f} s; systems alternate phase by phase"
    )
    rows = {}
    turn = 0
    for _round in range(args.rounds):
        for clients in loads:
            order = systems if turn % 2 == 0 else systems[::-1]
            turn += 1
            for system in order:
                floor = run_phase(system, "floor", clients, args.floor_seconds or args.seconds / 3)
                loop = run_phase(system, "loop", clients, args.seconds)
                rows.setdefault((system.name, clients), []).append(
                    report(system, clients, floor, loop)
                )
    print("summary (mean over rounds):")
    failed = False
    for clients in loads:
        line = []
        for system in systems:
            got = rows[(system.name, clients)]
            mean = {k: statistics.fmean(r[k] for r in got) for k in ("loops_s", "ratio")}
            violations = sum(len(r["problems"]) for r in got)
            failed |= bool(violations) or any(r["ran_out"] for r in got)
            line.append(
                f"{system.name}: {mean['loops_s']:.1f} loops/s, CPU ratio to the floor "
                f"{mean['ratio']:.2f}, invariant violations {violations}"
            )
        if len(systems) == 2:
            before, after = (
                statistics.fmean(r["loops_s"] for r in rows[(s.name, clients)]) for s in systems
            )
            line.append(f"throughput x{after / before:.2f}")
        print(f"  {clients} annotators: " + "; ".join(line))
    print(f"load average at the end: {load_average()}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
