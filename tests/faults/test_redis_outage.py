"""Fault drill: Redis is stopped while an organiser approves an application.

The site runs under gunicorn with a private Redis (tests/faults/servers.py) as its broker
and cache, a real Celery worker with beat beside it, both on the live test database and
the Hub stand-in. With Redis down the approval still answers 200 and is saved (its
provisioning message cannot be sent; nothing is provisioned yet). Once Redis is back the
beat's sweeper re-sends the overdue step and the worker provisions the campaign.
"""

from __future__ import annotations

import http.client
import json
import time

import pytest

from accounts.services import api_token_create
from bench._loop_site import server_env
from bench._servers import free_port, gunicorn_start, gunicorn_stop
from campaigns.models import Application, Campaign, Provisioning
from tests.campaigns.programme import make_application, make_organiser
from tests.faults.servers import PrivateRedis
from tests.hub.provisioning_support import (
    FINAL,
    SECRETS,
    WORKER_SETTINGS,
    Worker,
    live_database_url,
    wait_for,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(240),
]

NOTE = "Approved while the broker was away."


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.close()


def api(port: int, token: str, method: str, path: str, body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_an_approval_while_redis_is_down_is_saved_and_provisioned_once_it_is_back(
    hub, private_redis, tmp_path
):
    organiser = make_organiser()
    token = api_token_create(user=organiser, name="drill", scope="admin").raw
    application = make_application(handle="yoruba-nlp")
    services = {
        **WORKER_SETTINGS,
        "REDIS_URL": private_redis.url(),
        "CELERY_EAGER": "false",
        "SPACE_SECRETS_JSON": json.dumps(SECRETS),
        "COMMONSET_VAR_DIR": str(tmp_path / "var"),
    }
    env = {**server_env(live_database_url()), **services}
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    site = gunicorn_start(port, env, workers=2, log=log)
    worker = Worker(tmp_path, "redis-drill", beat=True, env=services)
    try:
        worker.wait_ready()
        private_redis.stop()

        started = time.monotonic()
        status, body = api(
            port, token, "POST", f"/api/v1/applications/{application.pk}/approve/", {"note": NOTE}
        )
        took = time.monotonic() - started
        assert status == 200, body[:2000]
        # Reads go on too (the API's throttling counts in the same Redis).
        assert api(port, token, "GET", f"/api/v1/applications/{application.pk}/")[0] == 200

        application.refresh_from_db()
        assert application.state == Application.State.APPROVED
        assert application.decision_note == NOTE
        campaign = Campaign.objects.get(application=application)
        row = Provisioning.objects.get(campaign=campaign)
        assert row.state == Provisioning.State.PENDING and row.attempts == 0
        # The message never reached a broker: the site said so while answering (the send
        # happens on commit, before the response), so no worker can have it.
        log.flush()
        site_log = (tmp_path / "gunicorn.log").read_text()
        assert "could not send the message; its sweeper will re-send it" in site_log, site_log
        # Only the approval's own check of the hosting namespace reached the Hub: nothing
        # was provisioned.
        assert [r for r in hub.requests if r != ("GET", "/api/whoami-v2")] == []

        private_redis.start()
        back = time.monotonic()

        def settled():
            row.refresh_from_db()
            return row.state in FINAL

        wait_for(settled, timeout=120, what="provisioning after Redis came back", workers=[worker])
        print(
            f"\napproval answered in {took:.2f} s with Redis down; provisioning "
            f"{row.state} {time.monotonic() - back:.1f} s after Redis was back"
        )
    finally:
        worker.stop()
        gunicorn_stop(site)
        log.close()

    assert row.state == Provisioning.State.SUCCEEDED, row.last_error
    assert row.steps["dataset"]["resent"] >= 1  # the sweeper sent the lost first step
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.READY
    assert hub.repos_of_type("dataset") == [campaign.repo_id]
