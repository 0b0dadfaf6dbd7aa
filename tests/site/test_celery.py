"""Celery as DESIGN.md sets it up, and one round trip through a real worker and Redis."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

from commonset.celery import app

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture(scope="module")
def project_tasks():
    app.loader.import_default_modules()  # what a worker imports at start
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_only_json_crosses_the_broker():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]
    assert list(app.conf.result_accept_content or app.conf.accept_content) == ["json"]


def test_a_killed_worker_loses_no_message():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_redis_does_not_redeliver_a_task_still_waiting_for_its_countdown():
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert timeout > settings.CELERY_MAX_COUNTDOWN_SECONDS


def test_no_configured_delay_outlasts_the_longest_countdown():
    """Backoff caps and poll intervals become countdowns; each must stay within the bound
    the visibility timeout is sized for."""
    delays = {
        name: getattr(settings, name)
        for name in dir(settings)
        if name.isupper() and name.endswith(("_BACKOFF_MAX_SECONDS", "_POLL_SECONDS"))
    }
    too_long = {k: v for k, v in delays.items() if v > settings.CELERY_MAX_COUNTDOWN_SECONDS}
    assert too_long == {}


def test_every_project_task_acks_late_with_json_and_bounded_retries(project_tasks):
    assert "commonset.tasks.health_ping" in project_tasks
    for name, task in project_tasks.items():
        assert task.acks_late is True, name
        assert task.serializer == "json", name
        assert task.max_retries is not None, f"{name} retries forever"


def test_every_beat_entry_names_a_registered_task(project_tasks):
    schedule = app.conf.beat_schedule
    assert schedule, "the beat schedule lives in code and is not empty"
    unknown = {
        key: entry["task"] for key, entry in schedule.items() if entry["task"] not in project_tasks
    }
    assert unknown == {}


@pytest.mark.redis
def test_health_ping_round_trip_through_a_real_worker(tmp_path):
    """A worker process started like `make worker` answers a task sent through Redis.
    A queue of its own keeps it apart from any other worker on the same Redis."""
    redis_url = os.environ["REDIS_URL"]
    tag = secrets.token_hex(6)
    queue = f"commonset-test-{tag}"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CELERY_EAGER": "false",
        "SECRET_KEY": "worker-test-" + secrets.token_hex(24),
        "COMMONSET_VAR_DIR": str(tmp_path / "var"),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "commonset",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                f"test-{tag}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    sender = Celery("commonset-test-sender", broker=redis_url, backend=redis_url)
    sender.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_always_eager=False,
    )
    try:
        nonce = secrets.token_urlsafe(16)
        result = sender.send_task("commonset.tasks.health_ping", args=[nonce], queue=queue)
        deadline = time.monotonic() + 90
        while not result.ready():
            assert worker.poll() is None, "worker exited:\n" + log_path.read_text()
            assert time.monotonic() < deadline, "no answer in 90 s:\n" + log_path.read_text()
            time.sleep(0.2)
        # disable_sync_subtasks: an eager task that failed earlier in this test process can
        # leave Celery believing it runs inside a task, and then get() refuses to wait.
        assert result.get(timeout=5, disable_sync_subtasks=False) == nonce
        result.forget()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        sender.close()
        # The queue's bindings stay in Redis after its worker leaves; they are ours alone.
        client = redis.Redis.from_url(redis_url)
        client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()
