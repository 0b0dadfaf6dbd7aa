"""Issue 15's journey through the CLI against the real site under gunicorn: an organiser
registers a site-wide webhook, makes and opens a cohort, a lead applies, the organiser
approves, the lead registers the campaign's webhook, sets the campaign up from a
definition file, imports records from parquet and opens it, two annotators answer every
record with `next` / `submit`, the lead reviews (accepts one response, rejects another with
a comment), blocks and unblocks a third annotator who then answers the freed slot, the
lead publishes, then exports (parquet, through an export job because the site says the
campaign is too large to stream), and an annotator exports what was published (CSV).

Every step is a `commonset` command (click's CliRunner in this process, HTTP to gunicorn);
the database is only read to check the results and to make the people and their tokens.
Celery runs eagerly in the gunicorn workers, so each webhook is delivered right after the
request that caused it commits, to a receiver on loopback in this process, which verifies
every signature twice, independently of webhooks/sending.py: with the `standardwebhooks`
library (the specification's reference implementation) and with the specification's
algorithm written out (tests/webhooks/receiver.py)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.services import api_token_create
from annotation.models import Response
from bench._loop_site import server_env
from bench._servers import free_port, gunicorn_start, gunicorn_stop
from campaigns.models import Campaign
from campaigns.publishing.dataset import pseudonym
from tests.campaigns.programme import make_organiser
from tests.factories import UserFactory
from tests.hub.provisioning_support import live_database_url
from tests.webhooks.receiver import spec_verify

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]

DEFINITION = """
title: Prompt quality (Yoruba)
description: Rate prompts written in Yoruba.
guidelines: Rate the **prompt** from 1 to 5.
languages: [yo]
visibility: public
responses_per_record: 2
fields:
  - {name: prompt, title: Prompt, kind: text}
questions:
  - {name: quality, title: Quality, kind: rating, options: [1, 2, 3, 4, 5]}
  - {name: fix, title: Correction, kind: text, required: false}
"""
RECORDS = 4
# The site streams exports of campaigns up to this many records; above, an export job.
DIRECT_MAX_RECORDS = RECORDS - 1
SITE_EVENTS = ["application.submitted", "application.decided"]
CAMPAIGN_EVENTS = [
    "campaign.opened",
    "response.submitted",
    "response.reviewed",
    "record.completed",
    "publication.succeeded",
]


class Receiver:
    """Webhooks on 127.0.0.1: one secret per path (set once the endpoint is registered);
    each request is verified by the standardwebhooks library and by the spec's algorithm,
    and kept as (path, event type, verified)."""

    def __init__(self):
        self.secrets: dict[str, str] = {}
        self.received: list[tuple[str, str, bool]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                secret = receiver.secrets.get(self.path, "")
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(secret).verify(body, headers)
                    verified = spec_verify(secret, self.headers, body)
                except WebhookVerificationError:
                    payload, verified = json.loads(body), False
                receiver.received.append((self.path, payload["type"], verified))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def events(self, path: str) -> list[str]:
        return [event for at, event, _ in self.received if at == path]

    def wait_for(self, path: str, event: str, count: int = 1, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.events(path).count(event) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def receiver():
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def site(tmp_path):
    env = {
        **server_env(live_database_url()),
        "REDIS_URL": "",
        "CELERY_EAGER": "true",
        "HUB_BACKEND": "local",
        "HUB_LOCAL_DIR": str(tmp_path / "hub"),
        "COMMONSET_VAR_DIR": str(tmp_path / "var"),
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        # Two workers: each reads the site-wide endpoints afresh at every event.
        "WEBHOOKS_SITE_EVENTS_CACHE_SECONDS": "0",
        "EXPORTS_DIRECT_MAX_RECORDS": str(DIRECT_MAX_RECORDS),
    }
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    process = gunicorn_start(port, env, workers=2, log=log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        gunicorn_stop(process)
        log.close()


def run(url: str, token: str | None, *args: str):
    from commonset_client.cli import main

    env = {"COMMONSET_URL": url, "COMMONSET_TOKEN": token or ""}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def cli(url: str, token: str | None, *args: str) -> str:
    result = run(url, token, *args)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def cli_error(url: str, token: str | None, *args: str) -> dict:
    """A command that must fail: the error it printed on stderr."""
    result = run(url, token, *args)
    assert result.exit_code == 1, (args, result.output)
    return json.loads(result.stderr.strip().splitlines()[-1])


def cli_lines(url: str, token: str | None, *args: str) -> list:
    return [json.loads(line) for line in cli(url, token, *args).splitlines()]


def cli_json(url: str, token: str | None, *args: str):
    return json.loads(cli(url, token, *args))


def test_the_whole_programme_through_the_cli(site, receiver, tmp_path):
    organiser = make_organiser()
    lead = UserFactory(username="lead", orgs=[("yoruba-nlp", "admin")])
    annotators = [UserFactory(username=f"annotator-{i}") for i in range(3)]
    boss = api_token_create(user=organiser, name="cli", scope="admin").raw
    mine = api_token_create(user=lead, name="cli", scope="lead").raw
    theirs = [api_token_create(user=a, name="cli", scope="annotate").raw for a in annotators]

    # The organiser registers a site-wide webhook (its secret is shown this once).
    events = [arg for event in SITE_EVENTS for arg in ("--event", event)]
    hook = cli_json(site, boss, "webhooks", "create", f"{receiver.url}/site", *events)
    assert hook["campaign"] is None and hook["secret"].startswith("whsec_")
    receiver.secrets["/site"] = hook["secret"]

    # An organiser makes a cohort and opens it.
    now = timezone.now()
    cohort = {
        "name": "Cohort CLI",
        "slug": "cohort-cli",
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=10)).isoformat(),
        "capacity": 5,
    }
    assert cli_json(site, boss, "cohorts", "create", "--data", json.dumps(cohort))["slug"]
    cli_json(site, boss, "cohorts", "open", "cohort-cli")

    # A lead applies; the organiser approves: a campaign.
    application = {
        "cohort": "cohort-cli",
        "community": "yoruba-nlp",
        "title": "Yoruba prompts",
        "summary": "Rate prompts written in Yoruba.",
        "task_kind": "prompt_ranking",
        "languages": ["yo"],
        "target_records": 100,
        "responses_per_record": 2,
        "visibility": "public",
        "contact": "lead@example.org",
    }
    (tmp_path / "application.yaml").write_text(json.dumps(application))
    created = cli_json(
        site, mine, "applications", "create", "--file", str(tmp_path / "application.yaml")
    )
    assert cli_json(site, mine, "applications", "submit", str(created["id"]))["state"] == (
        "submitted"
    )
    approved = cli_json(site, boss, "applications", "approve", str(created["id"]), "--note", "ok")
    slug = approved["campaign"]
    assert Campaign.objects.filter(slug=slug).exists()

    # The lead registers the campaign's webhook.
    events = [arg for event in CAMPAIGN_EVENTS for arg in ("--event", event)]
    hook = cli_json(
        site, mine, "webhooks", "create", f"{receiver.url}/campaign", "--campaign", slug, *events
    )
    assert hook["campaign"] == slug
    receiver.secrets["/campaign"] = hook["secret"]

    # The lead sets it up from a file, imports the records, opens it.
    (tmp_path / "campaign.yaml").write_text(DEFINITION)
    cli_json(site, mine, "campaign", "apply", str(tmp_path / "campaign.yaml"), "--campaign", slug)
    table = pa.table(
        {"id": [f"p{i}" for i in range(RECORDS)], "prompt": [f"Prompt {i}" for i in range(RECORDS)]}
    )
    pq.write_table(table, tmp_path / "records.parquet")
    job = cli_json(
        site, mine, "records", "import", "--campaign", slug, str(tmp_path / "records.parquet")
    )
    assert job["state"] == "succeeded" and job["records_created"] == RECORDS, job
    assert cli_json(site, mine, "campaign", "state", "open", "--campaign", slug)["state"] == "open"
    listed = cli_lines(site, mine, "campaigns", "list")
    assert slug in {c["slug"] for c in listed}

    # Two annotators answer every record, by script.
    for n, token in enumerate(theirs[:2]):
        assert answer_all(site, token, slug, quality=3 + n, fix=FIXES[n]) == RECORDS
    assert Response.objects.filter(record__campaign__slug=slug).count() == 2 * RECORDS
    assert cli_lines(site, mine, "records", "list", "--campaign", slug, "--incomplete") == []

    # The lead reviews: accepts one response, rejects another (of another record) with a
    # comment: that record has a free slot again.
    queue = cli_lines(site, mine, "review", "queue", "--campaign", slug)
    assert len(queue) == 2 * RECORDS and {q["review_status"] for q in queue} == {"pending"}
    accepted = queue[0]
    rejected = next(q for q in queue if q["record"] != accepted["record"])
    assert cli_json(site, mine, "review", "accept", str(accepted["id"]))["review_status"] == (
        "accepted"
    )
    reviewed = cli_json(
        site, mine, "review", "reject", str(rejected["id"]), "--comment", "Not a rating."
    )
    assert reviewed["review_status"] == "rejected" and reviewed["counted"] is False
    assert reviewed["review_comment"] == "Not a rating."
    assert len(cli_lines(site, mine, "review", "queue", "--campaign", slug)) == 2 * RECORDS - 2
    freed = cli_lines(site, mine, "records", "list", "--campaign", slug, "--incomplete")
    assert [r["id"] for r in freed] == [rejected["record"]]

    # A third annotator, blocked then unblocked by the lead, answers the freed slot.
    third = annotators[2].username
    blocked = cli_json(site, mine, "annotators", "block", third, "--campaign", slug)
    assert blocked["blocked"] is True
    assert cli_error(site, theirs[2], "next", "--campaign", slug)["status"] == 404
    assert cli_json(site, mine, "annotators", "unblock", third, "--campaign", slug)["blocked"] is (
        False
    )
    assert answer_all(site, theirs[2], slug, quality=5, fix="ok") == 1
    assert cli_lines(site, mine, "records", "list", "--campaign", slug, "--incomplete") == []

    # The lead publishes, then exports (parquet): the site says the campaign is too large
    # to stream, so the CLI asks for an export job, follows it and downloads its file.
    publication = cli_json(site, mine, "publish", "--campaign", slug, "--wait")
    assert publication["state"] == "succeeded" and publication["rows"] == RECORDS, publication
    out = tmp_path / "out.parquet"
    cli_json(
        site, mine, "responses", "export", "--campaign", slug, "--format", "parquet", "-o", str(out)
    )
    rows = pq.read_table(out).to_pylist()
    campaign = Campaign.objects.get(slug=slug)
    assert len(rows) == 2 * RECORDS  # the rejected response left out, the new one in
    with override_settings(SECRET_KEY=server_env()["SECRET_KEY"]):  # the site's key
        names = {pseudonym(campaign.pk, a.pk) for a in annotators}
    assert {r["annotator"] for r in rows} == names
    assert sorted({r["quality"] for r in rows}) == [3.0, 4.0, 5.0]
    # No --background: the job exists because the site answered 409 export_use_job.
    assert campaign.export_jobs.get().state == "succeeded"

    # An annotator exports the published data of the public campaign (CSV, escaped).
    text = cli(site, theirs[0], "responses", "export", "--campaign", slug, "--format", "csv")
    public = list(csv.DictReader(io.StringIO(text)))
    assert len(public) == 2 * RECORDS
    assert {r["fix"] for r in public} == {"'=cmd|' /C calc'!A0", "ok"}

    # Every webhook arrived, each signature verified.
    receiver.wait_for("/campaign", "publication.succeeded")
    assert receiver.received and all(verified for *_, verified in receiver.received)
    assert set(receiver.events("/site")) == set(SITE_EVENTS)
    got = receiver.events("/campaign")
    assert set(got) == set(CAMPAIGN_EVENTS)
    assert got.count("response.submitted") == 2 * RECORDS + 1
    assert got.count("response.reviewed") == 2
    assert got.count("record.completed") == RECORDS + 1  # the freed record completed again


FIXES = ["=cmd|' /C calc'!A0", "ok"]


def answer_all(url: str, token: str, slug: str, **values) -> int:
    """Answer every record the site hands this annotator; how many."""
    answered = 0
    while (lease := cli_json(url, token, "next", "--campaign", slug)) is not None:
        record_id = str(lease["record"]["id"])
        cli_json(
            url, token, "submit", "--campaign", slug, "--record", record_id,
            "--values", json.dumps(values),
        )  # fmt: skip
        answered += 1
    return answered
