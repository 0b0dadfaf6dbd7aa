"""The test run's own rules: pytest-xdist workers keep apart (their own Redis database,
Hub stand-in and var/ folder), and under CI=true a service-backed suite that cannot run
fails the run, in parallel as in one process."""

import os
import subprocess
import sys
from pathlib import Path

from tests.plugin_env import HUB_URL, WORKER, redis_url_for_worker

ROOT = Path(__file__).resolve().parents[2]


def test_each_xdist_worker_gets_its_own_redis_database():
    url = "redis://127.0.0.1:6379/3"
    assert redis_url_for_worker(url, "") == url  # not under xdist: as given
    assert redis_url_for_worker(url, "gw0") == url
    assert redis_url_for_worker(url, "gw1") == "redis://127.0.0.1:6379/4"
    assert redis_url_for_worker("redis://h:1/15", "gw1") == "redis://h:1/0"
    assert redis_url_for_worker("redis://h:1", "gw2") == "redis://h:1/2"
    # A developer beside others names the databases that are free.
    assert redis_url_for_worker(url, "gw1", "3,11") == "redis://127.0.0.1:6379/11"
    assert redis_url_for_worker("", "gw1") == ""


def test_this_process_has_its_own_hub_stand_in_and_var_folder():
    from django.conf import settings

    assert os.environ["HF_ENDPOINT"] == HUB_URL
    assert settings.HF_ENDPOINT == HUB_URL
    assert f"commonset-tests-{WORKER or 'main'}-" in str(settings.VAR_DIR)


def test_under_ci_a_service_suite_that_cannot_run_fails_the_parallel_run(tmp_path):
    # Neither this run's Redis nor its database: the inner run must not touch them.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "REDIS_URL", "DATABASE_URL"))
    }
    env["CI"] = "true"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "1",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/site/test_celery.py::test_health_ping_round_trip_through_a_real_worker",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "CI=true but the redis suite cannot run: REDIS_URL is not set" in done.stdout
