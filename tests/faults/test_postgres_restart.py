"""Fault drill: 50 annotators loop next/submit over HTTP against gunicorn on PostgreSQL,
and the PostgreSQL server is restarted once mid-run.

The server is a private one (tests/faults/servers.py), seeded by `bench/loop.py
--seed-only`. While it is down the site answers 503 with Retry-After (never hangs, never
a bare 500); once it is back the same gunicorn workers recover by themselves; afterwards
the assignment invariants of DESIGN.md hold and every submit the site acknowledged is in
the database. Annotators retry a submit that failed, as Retry-After asks, which also
shows that a retried submit never makes a second response.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import psycopg
import pytest

from bench._loop_site import check_invariants, server_env
from bench._servers import ROOT, free_port, gunicorn_start, gunicorn_stop
from tests.conftest import CI
from tests.faults.servers import PrivatePostgres, postgres_missing

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

ANNOTATORS = 50
RECORDS = 3000
BEFORE_SECONDS, DOWN_SECONDS = 5.0, 3.0
# After the restart the run goes on until every annotator had a submit acknowledged again
# (at least AFTER_SECONDS, at most AFTER_LIMIT_SECONDS: a slow machine gets more time).
AFTER_SECONDS, AFTER_LIMIT_SECONDS = 5.0, 60.0
SUBMIT_TRIES = 40  # at 0.25 s apart: longer than the outage


@pytest.fixture
def private_postgres():
    reason = postgres_missing()
    if reason:
        (pytest.fail if CI else pytest.skip)(reason)
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.close()


@dataclass
class Answer:
    started: float
    ended: float
    call: str
    status: int | None  # None: no HTTP answer (connection refused or cut)
    retry_after: str | None = None


@dataclass
class Annotator:
    port: int
    slug: str
    username: str
    token: str
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[tuple[int, float]] = field(default_factory=list)  # (record id, when)
    refused: list[tuple[int, int, bytes]] = field(default_factory=list)
    _conn: http.client.HTTPConnection | None = None

    def call(self, name: str, method: str, path: str, body: str | None = None):
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            self._conn.request(method, path, body=body, headers=headers)
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self._conn.close()
            self._conn = None
            self.answers.append(Answer(started, time.monotonic(), name, None))
            return None, b""
        if response.getheader("Connection", "").lower() == "close":
            self._conn.close()
            self._conn = None
        self.answers.append(
            Answer(
                started, time.monotonic(), name, response.status, response.getheader("Retry-After")
            )
        )
        return response.status, data

    def submit(self, record_id: int, value: int) -> None:
        body = json.dumps({"values": {"quality": value}})
        for _ in range(SUBMIT_TRIES):
            status, data = self.call(
                "submit", "PUT", f"/api/v1/records/{record_id}/response/", body
            )
            if status in (200, 201):
                self.acknowledged.append((record_id, time.monotonic()))
                return
            if status is not None and status < 500:
                self.refused.append((record_id, status, data[:300]))
                return
            time.sleep(0.25)

    def loop(self, stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            status, data = self.call("next", "POST", f"/api/v1/campaigns/{self.slug}/next/")
            if status != 200:
                time.sleep(0.25 if status != 204 else 0.05)
                continue
            n += 1
            self.submit(json.loads(data)["record"]["id"], 1 + n % 5)


def seed(database_url: str) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "bench/loop.py",
            "--seed-only",
            "--records",
            str(RECORDS),
            "--annotators",
            str(ANNOTATORS),
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_postgres_restart_mid_run_loses_no_acknowledged_submit(private_postgres, tmp_path):
    database_url = private_postgres.url("commonset_faults")
    campaign = seed(database_url)
    env = server_env(database_url)
    env.pop("REDIS_URL", None)  # only PostgreSQL is under test here
    for rate in ("API_THROTTLE_USER", "API_THROTTLE_ANON"):
        env.pop(rate, None)  # throttling at its production rates, as in normal use
    port = free_port()
    # Each 503 logs its traceback: kept in a file, its end shown if the drill fails.
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    server = gunicorn_start(port, env, workers=4, log=log)
    annotators = [Annotator(port, campaign["slug"], u, t) for u, t in campaign["annotators"]]
    stop = threading.Event()
    threads = [threading.Thread(target=a.loop, args=(stop,), daemon=True) for a in annotators]
    try:
        for thread in threads:
            thread.start()
        time.sleep(BEFORE_SECONDS)
        stopping = time.monotonic()
        private_postgres.stop("fast")
        down = time.monotonic()
        time.sleep(DOWN_SECONDS)
        starting = time.monotonic()  # the server may accept before pg_ctl says so
        private_postgres.start()
        up = time.monotonic()
        time.sleep(AFTER_SECONDS)
        while time.monotonic() - up < AFTER_LIMIT_SECONDS and not all(
            any(t > up for _, t in a.acknowledged) for a in annotators
        ):
            time.sleep(0.25)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "an annotator hung"
    finally:
        stop.set()
        gunicorn_stop(server)
        log.close()
        print(f"gunicorn's log: {log_path}")

    answers = [a for annotator in annotators for a in annotator.answers]
    acknowledged = [(x.username, r, t) for x in annotators for r, t in x.acknowledged]
    before = [a for a in answers if a.ended < stopping]
    while_down = [a for a in answers if a.started > down and a.ended < starting]
    failures = [a for a in answers if a.status is None or a.status >= 500]
    recovered_at = min(t for _, _, t in acknowledged if t > up)
    after = [x for x in acknowledged if x[2] > up]
    print(
        f"\n{len(acknowledged)} acknowledged submits ({len(after)} after the restart); "
        f"{len(while_down)} answers while down; {len(failures)} failed answers "
        f"(statuses {sorted({a.status for a in failures}, key=str)}); "
        f"first acknowledged submit {recovered_at - up:.2f} s after PostgreSQL was back"
    )

    # Before the restart the loop ran cleanly.
    assert before and all(a.status in (200, 201, 204) for a in before)
    # While it was down, every request was answered, promptly, with 503 and Retry-After.
    assert len(while_down) >= ANNOTATORS
    odd = [a for a in while_down if not (a.status == 503 and a.retry_after)]
    assert odd == [], odd[:5]
    assert all(a.ended - a.started < 5 for a in while_down)
    # No failure of any kind but a 503 with Retry-After, even at the moment of the stop.
    assert all(a.status == 503 and a.retry_after for a in failures), sorted(
        {(a.call, a.status) for a in failures}, key=str
    )
    # The same workers recovered by themselves: everyone kept annotating afterwards.
    assert recovered_at - up < 5
    assert {name for name, _, _ in after} == {a.username for a in annotators}
    # A refused submit is one whose lease was lost with the outage, answered 4xx, not lost.
    assert all(status in (404, 409) for _, status, _ in (r for x in annotators for r in x.refused))

    with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
        assert check_invariants(cursor, campaign["slug"]) == []
        cursor.execute(
            """SELECT u.username, x.record_id FROM annotation_response x
               JOIN accounts_user u ON u.id = x.user_id WHERE x.status = 'submitted'"""
        )
        stored = set(cursor.fetchall())
    missing = {(name, record) for name, record, _ in acknowledged} - stored
    assert missing == set(), f"{len(missing)} acknowledged submits are not in the database"
    assert len(stored) >= len(acknowledged)
