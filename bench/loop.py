"""Benchmark: the annotation loop (next record + submit) over HTTP under gunicorn on
PostgreSQL, with 32 concurrent annotators.

    .venv/bin/python bench/loop.py [--seconds 30] [--annotators 32] [--workers N]

Creates its own database (commonset_bench_loop on the PostgreSQL at 127.0.0.1, or
BENCH_DATABASE_URL), migrates it, makes a campaign of 10,000 records x 2 responses and 32
annotators with API tokens, starts gunicorn on a free port, drives the annotators for a
fixed time, prints loops/s, p50/p95/p99 per call, errors and the machine, then checks the
assignment invariants in the database. It stops only the gunicorn it started (by PID).

`--seed-only` stops after making the campaign and prints it as JSON (slug, annotators'
usernames and tokens): the fault drills in tests/faults/ seed their private database so,
and use this module's invariant checks and bench/_servers.py's gunicorn.
"""

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._servers import cpu_snapshot, free_port, gunicorn_start, gunicorn_stop  # noqa: E402

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/commonset_bench_loop"
)


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def server_env(db_url: str = DB_URL) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        LOG_LEVEL="WARNING",
        DB_CONN_MAX_AGE="600",
    )
    return env


def recreate_database() -> None:
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ.update(server_env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "commonset.settings"
    import django

    django.setup()


def make_campaign(records: int, annotators: int) -> tuple[str, list[tuple[str, str]]]:
    """A campaign of `records` records x 2 responses and its annotators, as
    (slug, [(username, API token)])."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from accounts.services import api_token_create
    from annotation.models import Field, Question, Record
    from annotation.slots import slots_create
    from campaigns.models import Application, Campaign
    from cohorts.models import Cohort, Community

    now = timezone.now()
    lead = User.objects.create_user("bench-lead", password=None)
    cohort = Cohort.objects.create(
        name="Bench",
        slug="bench",
        applications_open_at=now - timedelta(days=1),
        applications_close_at=now + timedelta(days=1),
        capacity=1,
        state="open",
    )
    community = Community.objects.create(handle="bench-org")
    application = Application.objects.create(
        cohort=cohort,
        community=community,
        applicant=lead,
        state="approved",
        title="Bench",
        summary="Bench",
        task_kind="prompt_ranking",
        target_records=max(10, records),
        responses_per_record=2,
        contact="bench@example.org",
        submitted_at=now,
        decided_at=now,
    )
    campaign = Campaign.objects.create(
        application=application,
        cohort=cohort,
        community=community,
        slug="bench",
        title="Bench",
        task_kind="prompt_ranking",
        responses_per_record=2,
        state="open",
    )
    Field.objects.create(campaign=campaign, name="prompt", title="Prompt", kind="markdown")
    Question.objects.create(
        campaign=campaign,
        name="quality",
        title="Quality",
        kind="rating",
        options=[{"value": v, "label": str(v)} for v in range(1, 6)],
    )
    made = Record.objects.bulk_create(
        [
            Record(
                campaign=campaign,
                external_id=f"r{i}",
                fields={"prompt": f"Prompt number {i}: write a short poem about the sea."},
                overlap=2,
            )
            for i in range(records)
        ],
        batch_size=5000,
    )
    slots_create(campaign=campaign, record_ids=[r.pk for r in made], overlap=2)
    tokens = []
    for i in range(annotators):
        user = User.objects.create_user(f"bench-annotator-{i}", password=None)
        issued = api_token_create(user=user, name="bench", scope="annotate")
        tokens.append((user.username, issued.raw))
    return campaign.slug, tokens


class Annotator(threading.Thread):
    def __init__(self, port, slug, token, stop_at, results):
        super().__init__(daemon=True)
        self.port, self.slug, self.stop_at, self.results = port, slug, stop_at, results
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        self.conn = None

    def call(self, method, path, body=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            elapsed = time.perf_counter() - t0
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, data, elapsed
        raise RuntimeError("unreachable")

    def run(self):
        r = self.results
        n = 0
        while time.time() < self.stop_at:
            try:
                status, data, t = self.call("POST", f"/api/v1/campaigns/{self.slug}/next/")
            except Exception as exc:
                r["errors"].append(f"next: {exc}")
                continue
            r["next"].append(t)
            if status == 204:
                r["nothing_left"] += 1
                time.sleep(0.05)
                continue
            if status != 200:
                r["errors"].append(f"next {status}: {data[:200]!r}")
                continue
            record_id = json.loads(data)["record"]["id"]
            body = json.dumps({"values": {"quality": 1 + n % 5}})
            try:
                status, data, t = self.call("PUT", f"/api/v1/records/{record_id}/response/", body)
            except Exception as exc:
                r["errors"].append(f"submit: {exc}")
                continue
            r["submit"].append(t)
            if status not in (200, 201):
                r["errors"].append(f"submit {status}: {data[:200]!r}")
                continue
            r["loops"] += 1
            n += 1


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000


def check_invariants(cursor, slug: str) -> list[str]:
    """The assignment invariants of DESIGN.md, checked through any DB-API cursor (Django's,
    or psycopg's on a database this process has no settings for)."""
    problems = []
    cursor.execute(
        """SELECT count(*) FROM annotation_record r
           WHERE r.campaign_id = (SELECT id FROM campaigns_campaign WHERE slug=%s)
           AND (SELECT count(*) FROM annotation_response x
                WHERE x.record_id = r.id AND x.status='submitted') > 2""",
        [slug],
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} records with more than 2 submitted responses")
    cursor.execute(
        """SELECT count(*) FROM annotation_record r
           WHERE r.campaign_id = (SELECT id FROM campaigns_campaign WHERE slug=%s)
           AND r.response_count <> (SELECT count(*) FROM annotation_response x
                WHERE x.record_id = r.id AND x.status='submitted')""",
        [slug],
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} records whose response_count disagrees with their responses")
    cursor.execute(
        """SELECT count(*) FROM (SELECT record_id, user_id FROM annotation_response
           GROUP BY 1, 2 HAVING count(*) > 1) d"""
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} duplicate (record, user) responses")
    cursor.execute(
        """SELECT count(*) FROM (SELECT record_id, count(*) FROM annotation_slot
           WHERE filled GROUP BY 1 HAVING count(*) > 2) d"""
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} records with more than 2 filled slots")
    cursor.execute(
        """SELECT count(*) FROM (SELECT holder_id, campaign_id FROM annotation_slot
           WHERE NOT filled AND holder_id IS NOT NULL AND expires_at > now()
           GROUP BY 1, 2 HAVING count(*) > 1) d"""
    )
    if n := cursor.fetchone()[0]:
        problems.append(f"{n} users holding two live leases")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--annotators", type=int, default=32)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 5)))
    parser.add_argument("--worker-class", default=os.environ.get("BENCH_WORKER_CLASS", "sync"))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 1)))
    parser.add_argument(
        "--seed-only", action="store_true", help="make the campaign, print it as JSON, stop"
    )
    args = parser.parse_args()

    if not args.seed_only:
        print(f"machine: {machine()}")
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
    tokens = [token for _, token in annotators]
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ANALYZE")
    if args.seed_only:
        print(json.dumps({"slug": slug, "annotators": annotators}))
        return
    port = free_port()
    gunicorn = gunicorn_start(
        port, env, workers=args.workers, worker_class=args.worker_class, threads=args.threads
    )
    try:
        results = {"next": [], "submit": [], "errors": [], "loops": 0, "nothing_left": 0}
        # warm up each worker's connection and caches
        warm = Annotator(port, slug, tokens[0], time.time() + 1, dict(results, errors=[]))
        warm.run()
        cpu0 = cpu_snapshot(gunicorn.pid, DB_URL.rsplit("/", 1)[1])
        stop_at = time.time() + args.seconds
        threads = [Annotator(port, slug, t, stop_at, results) for t in tokens]
        started = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - started
        cpu1 = cpu_snapshot(gunicorn.pid, DB_URL.rsplit("/", 1)[1])
    finally:
        gunicorn_stop(gunicorn)
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers x {args.threads} threads; "
        f"{args.annotators} annotators; "
        f"{args.records:,} records x 2; {elapsed:.1f} s"
    )
    print(f"loops/s: {results['loops'] / elapsed:.1f} ({results['loops']} loops)")
    for call in ("next", "submit"):
        v = results[call]
        print(
            f"{call:>6}: n={len(v)} p50={pct(v, 50):.1f} ms p95={pct(v, 95):.1f} ms "
            f"p99={pct(v, 99):.1f} ms mean={statistics.fmean(v) * 1000 if v else 0:.1f} ms"
        )
    print(f"errors: {len(results['errors'])}; nothing-left answers: {results['nothing_left']}")
    for e in results["errors"][:5]:
        print(f"  {e}")
    loops = max(1, results["loops"])
    used = {k: cpu1[k] - cpu0[k] for k in cpu0}
    other = used["machine_busy"] - used["gunicorn"] - used["postgres"] - used["client"]
    print(
        "CPU per loop: "
        + ", ".join(
            f"{k} {used[k] / loops * 1000:.2f} ms" for k in ("gunicorn", "postgres", "client")
        )
        + f"; machine busy {used['machine_busy'] / elapsed / (os.cpu_count() or 1) * 100:.0f}%"
        f" of {os.cpu_count()} CPUs, of which other processes {max(0.0, other) / elapsed:.2f} CPUs"
    )
    with connection.cursor() as c:
        problems = check_invariants(c, slug)
    print("invariants: " + ("OK" if not problems else "VIOLATED: " + "; ".join(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
