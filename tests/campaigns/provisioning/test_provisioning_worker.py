"""Provisioning with real Celery workers on Redis and PostgreSQL, against the Hub stand-in.

The test process approves (creates the workflow row and sends the first step through
Redis); workers started as `celery -A commonset worker` processes do the rest, on the
same test database. Required under CI (the redis and postgres markers).
"""

import pytest

from campaigns.models import Campaign, Provisioning
from commonset.celery import app
from tests.hub.provisioning_support import (
    FINAL,
    SECRETS,
    Worker,
    approve,
    make_campaign,
    wait_for,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(240),
]

TEMPLATE = "argilla/argilla-template-space"


class Live:
    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.workers: list[Worker] = []

    def worker(self, name: str, *, beat: bool = False, env: dict | None = None) -> Worker:
        worker = Worker(self.tmp_path, name, beat=beat, env=env)
        self.workers.append(worker)
        worker.wait_ready()
        return worker

    def settled(self, row: Provisioning, timeout: float = 90) -> Provisioning:
        def final():
            row.refresh_from_db()
            return row.state in FINAL

        wait_for(final, timeout=timeout, what="provisioning to finish", workers=self.workers)
        return row


@pytest.fixture
def live(transactional_db, hub, settings, tmp_path):
    """Workers on Redis; this process sends through Redis too (not eagerly)."""
    settings.HUB_BACKEND = "huggingface"
    settings.HF_ENDPOINT = hub.url
    hub.account_add("programme", paid=True)  # the Argilla (Docker) Space needs a paid plan
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    live = Live(tmp_path)
    try:
        yield live
    finally:
        for worker in live.workers:
            worker.stop()
        app.control.purge()
        app.conf.task_always_eager = eager


def other_spaces(hub) -> list[str]:
    return [s for s in hub.repos_of_type("space") if s != TEMPLATE]


def test_approve_provisions_a_running_space_through_a_real_worker(live, hub):
    live.worker("prov-w1", beat=True)
    campaign = make_campaign(org="yoruba-nlp")
    hub.space_script(campaign.repo_id, ["BUILDING", "BUILDING", "APP_STARTING", "RUNNING"])
    row = live.settled(approve(campaign))
    campaign.refresh_from_db()

    assert row.state == "succeeded", row.last_error
    assert campaign.state == Campaign.State.READY
    assert other_spaces(hub) == [campaign.repo_id]
    assert hub.repos_of_type("dataset") == [campaign.repo_id]
    space = hub.space(campaign.repo_id)
    assert sorted(space.secrets) == sorted(SECRETS)
    assert space.requested_hardware == "cpu-upgrade"
    assert space.volumes == [
        {
            "type": "bucket",
            "source": f"{campaign.repo_id}-data",
            "mountPath": "/data",
            "readOnly": False,
        }
    ]
    readme = hub.repo("space", campaign.repo_id).files["README.md"].decode()
    assert "hf_oauth: true" in readme
    assert "hf_oauth_authorized_org: yoruba-nlp" in readme
    assert space.stage == "RUNNING"
    assert row.polls >= 2  # polled by re-scheduling, not in one long task
    assert row.secret_names == sorted(SECRETS)


def test_a_worker_killed_mid_step_is_replaced_and_nothing_is_made_twice(live, hub):
    # The duplicate answers slowly: the first worker is killed while it waits for it.
    hub.fail("space_duplicate", status=0, delay=4)
    first = live.worker("prov-a", env={"HUB_HTTP_TIMEOUT_SECONDS": "30"})
    campaign = make_campaign()
    row = approve(campaign)
    duplicate = ("POST", f"/api/spaces/{TEMPLATE}/duplicate")
    wait_for(lambda: duplicate in hub.requests, what="the duplicate request", workers=[first])
    first.kill()
    row.refresh_from_db()
    assert (row.state, row.step) == ("running", "space")

    live.worker("prov-b", beat=True)  # its beat runs the sweeper
    row = live.settled(row)

    assert row.state == "succeeded", row.last_error
    assert other_spaces(hub) == [campaign.repo_id]
    assert hub.repos_of_type("dataset") == [campaign.repo_id]
    assert len(hub.buckets) == 1
    assert row.steps["space"]["interrupted"] >= 1
    assert row.steps["space"]["attempts"] >= 2
    assert sorted(hub.space(campaign.repo_id).secrets) == sorted(SECRETS)


def test_transient_faults_on_several_steps_retry_with_growing_delays(live, hub):
    hub.fail("repo_create", status=500, times=2)
    hub.fail("bucket_create", status=0, delay=3, times=1)  # slower than the 1.5 s timeout
    hub.fail("space_duplicate", status=429, times=1, headers={"Retry-After": "3"})
    live.worker("prov-w2", beat=True)
    campaign = make_campaign()
    row = live.settled(approve(campaign))

    assert row.state == "succeeded", row.last_error
    dataset = row.steps["dataset"]
    assert dataset["attempts"] == 3
    first, second = dataset["delays"]
    assert 1 <= first <= 1.25  # PROVISIONING_BACKOFF_BASE_SECONDS=1, jitter up to 25 %
    assert 2 <= second <= 2.5  # doubled
    bucket = row.steps["bucket"]
    assert bucket["attempts"] == 2
    assert "did not answer in time" in bucket["last_error"]
    space = row.steps["space"]
    assert space["attempts"] == 2
    assert space["delays"][0] >= 3  # Retry-After honoured
    assert other_spaces(hub) == [campaign.repo_id]
    assert len(hub.buckets) == 1


def test_beat_sweeper_heals_a_step_whose_message_never_reached_the_broker(live, hub, monkeypatch):
    from campaigns.provisioning import services

    campaign = make_campaign()
    with monkeypatch.context() as patch:
        patch.setattr(services, "_send", lambda *args: None)  # lost between commit and broker
        row = approve(campaign)
    assert hub.requests == []
    live.worker("prov-w3", beat=True)  # nobody acts but its beat
    row = live.settled(row)

    assert row.state == "succeeded", row.last_error
    assert row.steps["dataset"]["resent"] == 1
    assert other_spaces(hub) == [campaign.repo_id]
