"""Helpers for the provisioning suites: campaigns made straight through the ORM, a loop
that drives a workflow in process, and a real Celery worker started against Redis and
the live test database."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Application, Campaign, Provisioning, Visibility
from cohorts.models import Cohort, Community
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
SECRETS = {"API_KEY": "sk-never-in-our-db-4b1d", "PASSWORD": "pw-never-logged-77"}
FINAL = ("succeeded", "failed", "skipped")

_n = itertools.count(1)


def make_campaign(
    *,
    org: str | None = None,
    handle: str = "yoruba-nlp",
    slug: str | None = None,
    template: str = "argilla/argilla-template-space",
    hardware: str = "cpu-upgrade",
    space_kind: str = "argilla",
    lead=None,
) -> Campaign:
    """An approved application and its campaign, as the approval service leaves them.

    The suites written before Space kinds test the Argilla path: that stays this helper's
    default, while new cohorts default to static (cohorts.models.SpaceKind)."""
    n = next(_n)
    now = timezone.now()
    cohort = Cohort.objects.create(
        name=f"Cohort {n}",
        slug=f"cohort-{n}-{os.getpid()}",
        state=Cohort.State.OPEN,
        applications_open_at=now - timedelta(days=3),
        applications_close_at=now + timedelta(days=3),
        capacity=5,
        space_template=template,
        space_hardware=hardware,
        space_kind=space_kind,
    )
    community, _ = Community.objects.get_or_create(handle=handle)
    lead = lead or UserFactory()
    visibility = Visibility.ORGANISATION if org else Visibility.PUBLIC
    application = Application.objects.create(
        cohort=cohort,
        community=community,
        applicant=lead,
        state=Application.State.APPROVED,
        title=f"Campaign {n}",
        summary="Rate prompts.",
        task_kind="prompt_ranking",
        target_records=100,
        visibility=visibility,
        visibility_org=org or "",
        contact="lead@example.org",
        submitted_at=now,
        decided_at=now,
    )
    return Campaign.objects.create(
        application=application,
        cohort=cohort,
        community=community,
        slug=slug or f"prompts-{n}-{os.getpid()}",
        title=application.title,
        task_kind=application.task_kind,
        visibility=visibility,
        visibility_org=org or "",
    )


def approve(campaign: Campaign) -> Provisioning:
    """What the approval service does: start provisioning inside its transaction."""
    from campaigns.provisioning import provisioning_start

    with transaction.atomic():
        provisioning_start(campaign=campaign)
    return Provisioning.objects.get(campaign=campaign)


def drive(provisioning: Provisioning, *, max_rounds: int = 60) -> Provisioning:
    """Eager mode runs steps at once but leaves delayed ones (retries, polls) to the
    sweeper: make the delayed step due and sweep, until the workflow settles. Skipping
    the wait skips the Hub's rate-limit reset with it (the shared budget, hub.budget)."""
    from campaigns.provisioning.services import provisioning_sweep
    from hub.budget import budget_forget

    for _ in range(max_rounds):
        provisioning.refresh_from_db()
        if provisioning.state in FINAL:
            return provisioning
        Provisioning.objects.filter(pk=provisioning.pk).update(
            next_attempt_at=timezone.now() - timedelta(hours=1)
        )
        budget_forget(settings.HF_TOKEN)
        provisioning_sweep()
    raise AssertionError(f"workflow did not settle: {provisioning.state} at {provisioning.step}")


def live_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test_<name>)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


WORKER_SETTINGS = {
    "HUB_BACKEND": "huggingface",
    "PROVISIONING_POLL_SECONDS": "0.5",
    "PROVISIONING_BACKOFF_BASE_SECONDS": "1",
    "PROVISIONING_BACKOFF_MAX_SECONDS": "30",
    "PROVISIONING_MAX_ATTEMPTS": "6",
    "PROVISIONING_HEARTBEAT_STALE_SECONDS": "3",
    "PROVISIONING_SWEEP_SECONDS": "1",
    "PROVISIONING_SWEEP_GRACE_SECONDS": "2",
    "HUB_HTTP_TIMEOUT_SECONDS": "1.5",
}


class Worker:
    """`celery -A commonset worker` in its own process group, killed by its id."""

    def __init__(self, tmp_path: Path, name: str, *, beat: bool = False, env: dict | None = None):
        import json

        self.log_path = tmp_path / f"{name}.log"
        env = {
            **os.environ,
            **WORKER_SETTINGS,
            "CELERY_EAGER": "false",
            "DATABASE_URL": live_database_url(),
            "SPACE_SECRETS_JSON": json.dumps(SECRETS),
            "COMMONSET_VAR_DIR": str(tmp_path / "var"),
            **(env or {}),
        }
        args = [
            str(CELERY),
            "-A",
            "commonset",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--hostname",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            args += ["--beat", "--schedule", str(tmp_path / f"{name}-beat")]
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while "ready." not in self.log():
            assert self.process.poll() is None, "worker exited:\n" + self.log()
            assert time.monotonic() < deadline, "worker not ready:\n" + self.log()
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL to the worker and its pool children (its own process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


def wait_for(predicate, *, timeout: float = 60, what: str = "condition", workers=()):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = "\n".join(w.log()[-4000:] for w in workers)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.1)
