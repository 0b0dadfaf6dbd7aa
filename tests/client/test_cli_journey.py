"""Issue 15's journey through the CLI against the real site under gunicorn: an organiser
makes and opens a cohort, a lead applies, the organiser approves, the lead sets the
campaign up from a definition file, imports records from parquet and opens it, two
annotators answer every record with `next` / `submit`, the lead publishes, then exports
(parquet), and the public exports what was published (CSV). Every step is a `commonset`
command (click's CliRunner in this process, HTTP to gunicorn); the database is only read
to check the results and to make the people and their tokens."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from django.test import override_settings
from django.utils import timezone

from accounts.services import api_token_create
from annotation.models import Response
from bench._servers import free_port, gunicorn_start, gunicorn_stop
from bench.loop import server_env
from campaigns.models import Campaign
from campaigns.publishing.dataset import pseudonym
from tests.campaigns.programme import make_organiser
from tests.factories import UserFactory
from tests.hub.provisioning_support import live_database_url

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


@pytest.fixture
def site(tmp_path):
    env = {
        **server_env(live_database_url()),
        "REDIS_URL": "",
        "CELERY_EAGER": "true",
        "HUB_BACKEND": "local",
        "HUB_LOCAL_DIR": str(tmp_path / "hub"),
        "COMMONSET_VAR_DIR": str(tmp_path / "var"),
    }
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    process = gunicorn_start(port, env, workers=2, log=log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        gunicorn_stop(process)
        log.close()


def cli(url: str, token: str | None, *args: str) -> str:
    from commonset_client.cli import main

    env = {"COMMONSET_URL": url, "COMMONSET_TOKEN": token or ""}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def cli_json(url: str, token: str | None, *args: str):
    return json.loads(cli(url, token, *args))


def test_the_whole_programme_through_the_cli(site, tmp_path):
    organiser = make_organiser()
    lead = UserFactory(username="lead", orgs=[("yoruba-nlp", "admin")])
    annotators = [UserFactory(username=f"annotator-{i}") for i in range(2)]
    boss = api_token_create(user=organiser, name="cli", scope="admin").raw
    mine = api_token_create(user=lead, name="cli", scope="lead").raw
    theirs = [api_token_create(user=a, name="cli", scope="annotate").raw for a in annotators]

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
    listed = [json.loads(line) for line in cli(site, mine, "campaigns", "list").splitlines()]
    assert slug in {c["slug"] for c in listed}

    # Two annotators answer every record, by script.
    for n, token in enumerate(theirs):
        answered = 0
        while (lease := cli_json(site, token, "next", "--campaign", slug)) is not None:
            values = {"quality": 3 + n, "fix": "=cmd|' /C calc'!A0" if n == 0 else "ok"}
            record_id = str(lease["record"]["id"])
            cli_json(
                site, token, "submit", "--campaign", slug, "--record", record_id,
                "--values", json.dumps(values),
            )  # fmt: skip
            answered += 1
        assert answered == RECORDS
    assert Response.objects.filter(record__campaign__slug=slug).count() == 2 * RECORDS

    # The lead publishes, then exports (parquet).
    publication = cli_json(site, mine, "publish", "--campaign", slug, "--wait")
    assert publication["state"] == "succeeded" and publication["rows"] == RECORDS, publication
    out = tmp_path / "out.parquet"
    cli_json(
        site, mine, "responses", "export", "--campaign", slug, "--format", "parquet", "-o", str(out)
    )
    rows = pq.read_table(out).to_pylist()
    campaign = Campaign.objects.get(slug=slug)
    assert len(rows) == 2 * RECORDS
    with override_settings(SECRET_KEY=server_env()["SECRET_KEY"]):  # the site's key
        names = {pseudonym(campaign.pk, a.pk) for a in annotators}
    assert {r["annotator"] for r in rows} == names
    assert sorted({r["quality"] for r in rows}) == [3.0, 4.0]

    # Anyone exports the published data of the public campaign (CSV, escaped).
    text = cli(site, None, "responses", "export", "--campaign", slug, "--format", "csv")
    public = list(csv.DictReader(io.StringIO(text)))
    assert len(public) == 2 * RECORDS
    assert {r["fix"] for r in public} == {"'=cmd|' /C calc'!A0", "ok"}
