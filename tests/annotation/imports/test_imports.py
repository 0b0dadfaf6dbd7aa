"""Record imports from CSV, JSONL, parquet and a Hub dataset (through the stand-in)."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.services import api_token_create
from annotation.models import ImportJob, Record, Slot
from tests.annotation.factories import make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """Tasks are enqueued on commit; run them as each request's transaction commits."""
    # Imported first, so that the import page binds the real import_start: imported while
    # the patch is on, it would keep the wrapper for the rest of the run, and later page
    # tests would see their imports run inside the request.
    import annotation.imports as imports
    import campaigns.campaign_views  # noqa: F401

    original = imports.import_start

    def start_and_run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(**kwargs)

    imports.import_start = start_and_run
    import annotation.import_api as api_module

    api_module.import_start = start_and_run
    yield
    imports.import_start = original
    api_module.import_start = original


MAPPING = {
    "external_id": "id",
    "fields": {"prompt": "text"},
    "metadata": ["source"],
    "suggestions": {"quality": "score"},
}


def lead_and_campaign(**kwargs):
    lead = UserFactory()
    campaign = make_campaign(lead=lead, state="ready", **kwargs)
    api = APIClient()
    raw = api_token_create(user=lead, name="t", scope="lead").raw
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api, campaign


def upload(api, campaign, name: str, content: bytes, mapping=MAPPING):
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"file": SimpleUploadedFile(name, content), "mapping": json.dumps(mapping)},
        format="multipart",
    )
    return response


def status(api, campaign, job_id):
    return api.get(f"/api/v1/campaigns/{campaign.slug}/imports/{job_id}/").json()


def csv_bytes(rows):
    lines = ["id,text,source,score"] + [f"{r[0]},{r[1]},{r[2]},{r[3]}" for r in rows]
    return ("\n".join(lines) + "\n").encode()


def parquet_bytes(n: int, start: int = 0) -> bytes:
    table = pa.table(
        {
            "id": [f"p{i}" for i in range(start, start + n)],
            "text": [f"Prompt {i}" for i in range(start, start + n)],
            "source": ["synthetic"] * n,
            "score": [1 + i % 5 for i in range(start, start + n)],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_csv_import_creates_records_with_metadata_suggestions_and_slots():
    api, campaign = lead_and_campaign(overlap=2)
    response = upload(
        api, campaign, "prompts.csv", csv_bytes([(1, "Hi", "web", 3), (2, "Yo", "web", "")])
    )
    assert response.status_code == 202, response.content
    job = status(api, campaign, response.json()["id"])
    assert job["state"] == "succeeded" and job["rows_done"] == 2 and job["percent"] == 100
    record = Record.objects.get(campaign=campaign, external_id="1")
    assert record.fields == {"prompt": "Hi"}
    assert record.metadata == {"source": "web"}
    assert record.suggestions == {"quality": {"value": 3, "agent": None, "score": None}}
    assert Record.objects.get(external_id="2").suggestions == {}
    assert Slot.objects.filter(record=record).count() == 2


def test_jsonl_import():
    api, campaign = lead_and_campaign()
    lines = [
        json.dumps({"id": f"j{i}", "text": f"Prompt {i}", "source": "s", "score": 2})
        for i in range(5)
    ]
    response = upload(api, campaign, "prompts.jsonl", ("\n".join(lines) + "\n").encode())
    assert status(api, campaign, response.json()["id"])["state"] == "succeeded"
    assert Record.objects.filter(campaign=campaign).count() == 5


def test_parquet_import_in_several_batches(settings):
    api, campaign = lead_and_campaign()
    response = upload(api, campaign, "prompts.parquet", parquet_bytes(4500))
    job = status(api, campaign, response.json()["id"])
    assert job["state"] == "succeeded" and job["rows_total"] == 4500
    assert Record.objects.filter(campaign=campaign).count() == 4500
    assert Slot.objects.filter(campaign=campaign).count() == 9000


def test_reimport_updates_instead_of_duplicating():
    api, campaign = lead_and_campaign()
    upload(api, campaign, "a.csv", csv_bytes([(1, "Old", "web", 1), (2, "Two", "web", 1)]))
    response = upload(
        api, campaign, "b.csv", csv_bytes([(1, "New", "web", 5), (3, "Three", "x", 2)])
    )
    job = status(api, campaign, response.json()["id"])
    assert job["records_created"] == 1 and job["records_updated"] == 1
    assert Record.objects.filter(campaign=campaign).count() == 3
    assert Record.objects.get(campaign=campaign, external_id="1").fields == {"prompt": "New"}
    assert Slot.objects.filter(campaign=campaign).count() == 6


def test_a_bad_row_is_reported_by_line_and_the_rows_before_stay():
    api, campaign = lead_and_campaign()
    content = csv_bytes([(1, "One", "web", 3), (2, "Two", "web", 4), (3, "Three", "web", 9)])
    response = upload(api, campaign, "bad.csv", content)
    job = status(api, campaign, response.json()["id"])
    assert job["state"] == "failed"
    assert job["error_row"] == 4  # the header is line 1
    assert "Line 4" in job["error"] and "quality" in job["error"]
    assert set(Record.objects.filter(campaign=campaign).values_list("external_id", flat=True)) == {
        "1",
        "2",
    }


def test_a_bad_jsonl_line_is_reported():
    api, campaign = lead_and_campaign()
    content = b'{"id": "a", "text": "A", "source": "s"}\nnot json\n'
    job = status(api, campaign, upload(api, campaign, "x.jsonl", content).json()["id"])
    assert job["state"] == "failed" and job["error_row"] == 2 and "not valid JSON" in job["error"]
    assert Record.objects.filter(campaign=campaign).count() == 1


@pytest.mark.parametrize("column", ["text", "source"])  # a field, then metadata
def test_a_nul_character_is_a_bad_row_and_the_rows_before_stay(column):
    api, campaign = lead_and_campaign()
    good = {"id": "a", "text": "A", "source": "s"}
    content = json.dumps(good) + "\n" + json.dumps({**good, "id": "b", column: "x\u0000y"})
    job = status(api, campaign, upload(api, campaign, "x.jsonl", content.encode()).json()["id"])
    assert job["state"] == "failed" and job["error_row"] == 2, job
    assert "NUL character" in job["error"]
    assert list(Record.objects.filter(campaign=campaign).values_list("external_id", flat=True)) == [
        "a"
    ]


@pytest.mark.parametrize("name", ["again.csv", "again.jsonl", "again.parquet"])
def test_reimporting_cannot_change_the_text_of_an_answered_record_in_any_format(name):
    from annotation.services import response_submit
    from tests.annotation.factories import record_hand_to

    api, campaign = lead_and_campaign()
    first = csv_bytes([(1, "One", "web", ""), (2, "Two", "web", ""), (3, "Three", "web", "")])
    assert status(api, campaign, upload(api, campaign, "x.csv", first).json()["id"])["state"] == (
        "succeeded"
    )
    campaign.state = "open"  # re-importing while open: people are answering
    campaign.save(update_fields=["state"])
    answered = Record.objects.get(campaign=campaign, external_id="2")
    answered.campaign = campaign
    annotator = UserFactory()
    record_hand_to(annotator, answered)
    response_submit(user=annotator, record=answered, values={"quality": 4})

    rows = [  # 1 changes (unanswered), 2 only its metadata, then 2 its text, then a new 4
        {"id": "1", "text": "One, reworded", "source": "web"},
        {"id": "2", "text": "Two", "source": "forum"},
        {"id": "2", "text": "Two, reworded", "source": "forum"},
        {"id": "4", "text": "Four", "source": "web"},
    ]
    if name.endswith(".csv"):
        content = (
            "id,text,source\n" + "".join(f'{r["id"]},"{r["text"]}",{r["source"]}\n' for r in rows)
        ).encode()
    elif name.endswith(".jsonl"):
        content = "".join(json.dumps(r) + "\n" for r in rows).encode()
    else:
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows), buffer)
        content = buffer.getvalue()
    mapping = {**MAPPING, "suggestions": {}}
    job = status(api, campaign, upload(api, campaign, name, content, mapping=mapping).json()["id"])
    assert job["state"] == "failed", job
    assert "'2' already has responses" in job["error"] and "fields cannot change" in job["error"]
    assert job["error_row"] == (4 if name.endswith(".csv") else 3)  # CSV counts its header
    records = {r.external_id: r for r in Record.objects.filter(campaign=campaign)}
    assert set(records) == {"1", "2", "3"}  # nothing after the refused row
    assert records["1"].fields == {"prompt": "One, reworded"}
    assert records["2"].fields == {"prompt": "Two"}  # what the annotator answered
    assert records["2"].metadata == {"source": "forum"}  # metadata may change


def test_a_parquet_that_decompresses_past_the_limits_is_refused_before_it_is_expanded(
    settings,
):
    # The attack: a few KB of parquet holding four values of 64 MiB (here scaled down).
    settings.IMPORT_MAX_VALUE_BYTES = 512 * 1024
    settings.IMPORT_MAX_CHUNK_BYTES = 1024 * 1024
    api, campaign = lead_and_campaign()

    def bomb(values) -> bytes:
        table = pa.table({"id": ["1", "2", "3", "4"], "text": values, "source": ["s"] * 4})
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        assert len(buffer.getvalue()) < 20_000  # tiny on disk
        return buffer.getvalue()

    # The same huge value four times: dictionary-encoded it is stored once, and its length
    # is read from the dictionary without expanding it.
    same = bomb(["a" * (600 * 1024)] * 4)
    job = status(api, campaign, upload(api, campaign, "same.parquet", same).json()["id"])
    assert job["state"] == "failed" and job["error_row"] == 1
    assert "'text' holds 614,400 bytes; the limit is 524,288" in job["error"]
    # Distinct values: the column chunk's size in the footer is over the limit.
    distinct = bomb([str(i) * (400 * 1024) for i in range(4)])
    job = status(api, campaign, upload(api, campaign, "distinct.parquet", distinct).json()["id"])
    assert job["state"] == "failed" and "decompresses to" in job["error"]
    assert not Record.objects.filter(campaign=campaign).exists()


@pytest.mark.parametrize("name", ["big.csv", "big.jsonl", "big.parquet"])
def test_a_value_or_row_over_the_size_limit_is_a_bad_row_in_every_format(settings, name):
    settings.IMPORT_MAX_VALUE_BYTES = 1000
    settings.IMPORT_MAX_ROW_BYTES = 1500
    api, campaign = lead_and_campaign()
    mapping = {**MAPPING, "suggestions": {}}

    def content(rows):
        if name.endswith(".csv"):
            return ("id,text,source\n" + "".join(f"{i},{t},{s}\n" for i, t, s in rows)).encode()
        if name.endswith(".jsonl"):
            return "".join(
                json.dumps({"id": i, "text": t, "source": s}) + "\n" for i, t, s in rows
            ).encode()
        buffer = io.BytesIO()
        columns = {"id": [r[0] for r in rows], "text": [r[1] for r in rows]}
        pq.write_table(pa.table({**columns, "source": [r[2] for r in rows]}), buffer)
        return buffer.getvalue()

    def run(rows):
        job_id = upload(api, campaign, name, content(rows), mapping=mapping).json()["id"]
        return status(api, campaign, job_id)

    job = run([("1", "fine", "web"), ("2", "é" * 600, "web")])
    assert job["state"] == "failed" and job["error_row"] == (3 if name.endswith(".csv") else 2)
    # é is 2 bytes; parquet names the file's column, the others the field it fills
    assert "holds 1,200 bytes; the limit is 1,000" in job["error"]
    assert list(Record.objects.values_list("external_id", flat=True)) == ["1"]
    # a row whose values each fit, but not together
    job = run([("1", "fine", "web"), ("3", "x" * 900, "y" * 900)])
    assert job["state"] == "failed" and "the row holds 1,80" in job["error"]  # (+ the id)
    assert list(Record.objects.values_list("external_id", flat=True)) == ["1"]


def test_missing_required_field_value_is_a_bad_row():
    api, campaign = lead_and_campaign()
    content = b"id,text,source,score\n1,,web,3\n"
    job = status(api, campaign, upload(api, campaign, "x.csv", content).json()["id"])
    assert job["state"] == "failed" and "required field 'prompt'" in job["error"]


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 100
    api, campaign = lead_and_campaign()
    response = upload(
        api, campaign, "big.csv", csv_bytes([(i, "x" * 20, "w", 1) for i in range(20)])
    )
    assert response.status_code == 400 and "limit" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_a_source_over_the_row_limit_imports_nothing(settings):
    settings.IMPORT_MAX_ROWS = 100
    api, campaign = lead_and_campaign()
    job = status(api, campaign, upload(api, campaign, "p.parquet", parquet_bytes(150)).json()["id"])
    assert job["state"] == "failed" and "limit" in job["error"]
    assert not Record.objects.filter(campaign=campaign).exists()


def test_mapping_must_cover_required_fields():
    api, campaign = lead_and_campaign()
    # a wrong field name is refused before anything is stored
    response = upload(
        api, campaign, "a.csv", csv_bytes([(1, "A", "w", 1)]), mapping={"fields": {"nope": "x"}}
    )
    assert response.status_code == 400 and "Unknown field" in response.json()["detail"]
    assert not ImportJob.objects.exists() and not Record.objects.exists()
    # an empty mapping falls back to same-named columns: this file has no `prompt` column,
    # which the header shows before anything is stored
    response = upload(api, campaign, "a.csv", csv_bytes([(1, "A", "w", 1)]), mapping={"fields": {}})
    assert response.status_code == 400, response.content
    assert "no column “prompt”" in response.json()["detail"]
    assert not ImportJob.objects.exists() and not Record.objects.exists()


def test_only_leads_may_import():
    _, campaign = lead_and_campaign()
    other = APIClient()
    raw = api_token_create(user=UserFactory(), name="t", scope="lead").raw
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert upload(other, campaign, "a.csv", csv_bytes([(1, "A", "w", 1)])).status_code == 404
    assert not ImportJob.objects.exists() and not Record.objects.exists()


def test_hub_dataset_import_through_the_stand_in(hub):
    hub.repo_add(
        "dataset",
        "acme/prompts",
        files={
            "README.md": b"---\nlicense: cc-by-4.0\n---\n",
            "data/train-00000-of-00002.parquet": parquet_bytes(30),
            "data/train-00001-of-00002.parquet": parquet_bytes(20, start=30),
            "data/test-00000-of-00001.parquet": parquet_bytes(7, start=100),
        },
    )
    api, campaign = lead_and_campaign()
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": "acme/prompts", "hub_split": "train", "mapping": MAPPING},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = status(api, campaign, response.json()["id"])
    assert job["state"] == "succeeded", job
    assert job["rows_done"] == 50
    assert Record.objects.filter(campaign=campaign).count() == 50
    assert not Record.objects.filter(campaign=campaign, external_id="p100").exists()


def test_hub_dataset_that_does_not_exist_fails_with_a_reason(hub):
    api, campaign = lead_and_campaign()
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": "acme/missing", "mapping": MAPPING},
        format="json",
    )
    job = status(api, campaign, response.json()["id"])
    assert job["state"] == "failed" and "not found" in job["error"]


def test_an_import_started_while_the_broker_is_down_is_kept_and_the_sweep_runs_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from annotation.imports import imports_sweep
    from annotation.tasks import import_run_task
    from commonset.celery import app

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    api, campaign = lead_and_campaign()
    eager = app.conf.task_always_eager
    with monkeypatch.context() as outage:
        outage.setattr(import_run_task, "apply_async", broker_down)
        app.conf.task_always_eager = False
        try:
            response = upload(api, campaign, "prompts.csv", csv_bytes([(1, "Hi", "web", 3)]))
        finally:
            app.conf.task_always_eager = eager
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.state == ImportJob.State.PENDING
    assert status(api, campaign, job.pk)["state"] == "pending"  # visible, not lost
    assert not Record.objects.filter(campaign=campaign).exists()

    # The broker is back; once the job is overdue the sweep sends it again.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(created_at=an_hour_ago, next_attempt_at=an_hour_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert imports_sweep() == 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.SUCCEEDED
    assert Record.objects.filter(campaign=campaign, external_id="1").exists()


# --- an import is a workflow row: retried when transient, never left running ---------------
def _prompts_dataset(hub):
    hub.repo_add(
        "dataset",
        "acme/prompts",
        files={
            "README.md": b"---\nlicense: cc-by-4.0\n---\n",
            "data/train-00000-of-00001.parquet": parquet_bytes(30),
        },
    )


def test_a_hub_download_answering_503_is_retried_with_backoff_then_imports(
    hub, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from annotation.imports import imports_sweep

    settings.IMPORT_BACKOFF_BASE_SECONDS = 30
    _prompts_dataset(hub)
    # Every download answers 503 for now; huggingface_hub itself retries a HEAD five times
    # (Retry-After: 0 keeps its waits at a second), then the import's own retry takes over.
    hub.fail("resolve", status=503, times=-1, headers={"Retry-After": "0"})
    api, campaign = lead_and_campaign()
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": "acme/prompts", "mapping": MAPPING},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.state == ImportJob.State.WAITING
    assert job.attempts == 1
    assert "503" in job.last_error
    assert job.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert status(api, campaign, job.pk)["state"] == "waiting"
    assert not Record.objects.filter(campaign=campaign).exists()

    assert imports_sweep() == 0  # not due yet
    hub.faults.clear()  # the Hub recovers
    ImportJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert imports_sweep() == 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.SUCCEEDED, job.last_error
    assert job.attempts == 2
    assert Record.objects.filter(campaign=campaign).count() == 30


def test_a_rate_limited_hub_import_waits_the_reset_and_holds_back_other_imports(hub, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.HF_TOKEN = "hf_test"
    _prompts_dataset(hub)
    # The Hub's own 429: the reset only in RateLimit's t=, no Retry-After.
    hub.rate_limit("repo_info", reset=55)
    api, campaign = lead_and_campaign()
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": "acme/prompts", "mapping": MAPPING},
        format="json",
    )
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.state == ImportJob.State.WAITING and "429" in job.last_error
    assert job.next_attempt_at > timezone.now() + timedelta(seconds=50)

    # Another campaign's import, seconds later: the service account's quota is spent for
    # everyone, so it waits too, without a request reaching the Hub.
    seen = len(hub.requests)
    other_api, other = lead_and_campaign()
    response = other_api.post(
        f"/api/v1/campaigns/{other.slug}/imports/",
        {"hub_repo": "acme/prompts", "mapping": MAPPING},
        format="json",
    )
    waiting = status(other_api, other, response.json()["id"])
    assert waiting["state"] == "waiting"
    assert hub.requests[seen:] == []
    other_job = ImportJob.objects.get(pk=response.json()["id"])
    assert "rate limit is spent" in other_job.last_error
    assert other_job.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert not Record.objects.filter(campaign__in=[campaign, other]).exists()


def test_a_hub_id_the_hub_refuses_ends_the_job_failed_and_the_next_import_can_start(hub):
    api, campaign = lead_and_campaign()
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": "../etc", "mapping": MAPPING},
        format="json",
    )
    assert response.status_code == 202, response.content
    job = status(api, campaign, response.json()["id"])
    assert job["state"] == "failed", job
    assert "not valid" in job["error"]
    # Nothing is left running: the next import starts and completes.
    _prompts_dataset(hub)
    again = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": "acme/prompts", "mapping": MAPPING},
        format="json",
    )
    assert again.status_code == 202, again.content
    assert status(api, campaign, again.json()["id"])["state"] == "succeeded"


def test_a_private_dataset_imports_only_into_a_campaign_of_its_own_namespace(hub):
    api, campaign = lead_and_campaign()
    own = campaign.community.handle
    hosting = campaign.repo_id.split("/")[0]
    assert hosting != own  # hosted in the programme's organisation, beside other communities
    files = {"data/train-00000-of-00001.parquet": parquet_bytes(5)}
    # The site's token can read all three; only the community's own is the lead's to import.
    hub.repo_add("dataset", "other-community/secret", files=dict(files), private=True)
    hub.repo_add("dataset", f"{hosting}/another-campaign", files=dict(files), private=True)
    hub.repo_add("dataset", f"{own}/drafts", files=dict(files), private=True)

    for repo in ("other-community/secret", f"{hosting}/another-campaign"):
        refused = api.post(
            f"/api/v1/campaigns/{campaign.slug}/imports/",
            {"hub_repo": repo, "mapping": MAPPING},
            format="json",
        )
        job = status(api, campaign, refused.json()["id"])
        assert job["state"] == "failed"
        assert "was not found or is not accessible" in job["error"]  # as if it did not exist
        assert not Record.objects.filter(campaign=campaign).exists()

    allowed = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": f"{own}/drafts", "mapping": MAPPING},
        format="json",
    )
    assert status(api, campaign, allowed.json()["id"])["state"] == "succeeded"
    assert Record.objects.filter(campaign=campaign).count() == 5


def _hub_import(api, campaign, repo, **extra):
    response = api.post(
        f"/api/v1/campaigns/{campaign.slug}/imports/",
        {"hub_repo": repo, "mapping": MAPPING, **extra},
        format="json",
    )
    assert response.status_code == 202, response.content
    return status(api, campaign, response.json()["id"])


def test_hub_import_follows_the_cards_configs_and_data_files(hub):
    card = b"""---
configs:
- config_name: arabic
  data_files:
  - split: train
    path: "ar/prompts-*.parquet"
  - split: validation
    path: ["ar/held-out.parquet"]
- config_name: english
  default: true
  data_files: "en/*.parquet"
---
"""
    hub.repo_add(
        "dataset",
        "acme/multilingual",
        files={
            "README.md": card,
            # Names the Hub's file-name convention would read otherwise: only the card counts.
            "ar/prompts-a.parquet": parquet_bytes(4),
            "ar/prompts-b.parquet": parquet_bytes(3, start=10),
            "ar/held-out.parquet": parquet_bytes(2, start=20),
            "en/test-00000.parquet": parquet_bytes(6, start=30),
        },
    )
    api, campaign = lead_and_campaign()
    job = _hub_import(api, campaign, "acme/multilingual", hub_config="arabic", hub_split="train")
    assert job["state"] == "succeeded", job
    assert job["rows_done"] == 7
    job = _hub_import(
        api, campaign, "acme/multilingual", hub_config="arabic", hub_split="validation"
    )
    assert job["state"] == "succeeded" and job["rows_done"] == 2, job
    job = _hub_import(api, campaign, "acme/multilingual")  # the card's default config, train
    assert job["state"] == "succeeded" and job["rows_done"] == 6, job
    missing = _hub_import(api, campaign, "acme/multilingual", hub_config="french")
    assert missing["state"] == "failed"
    assert "no config 'french'; its configs: arabic, english" in missing["error"]
    assert Record.objects.filter(campaign=campaign).count() == 15


def test_hub_import_reads_gzip_csv_and_jsonl_and_json_arrays(hub):
    import gzip

    rows = [{"id": f"j{i}", "text": f"Prompt {i}", "source": "web", "score": 3} for i in range(3)]
    hub.repo_add(
        "dataset",
        "acme/formats",
        files={
            "data/train-a.csv.gz": gzip.compress(csv_bytes([("c1", "Hi", "w", 1)])),
            "data/train-b.jsonl.gz": gzip.compress(
                "\n".join(json.dumps(r) for r in rows[:2]).encode() + b"\n"
            ),
            "data/train-c.json": json.dumps(rows[2:]).encode(),
        },
    )
    api, campaign = lead_and_campaign()
    job = _hub_import(api, campaign, "acme/formats")
    assert job["state"] == "succeeded", job
    assert sorted(
        Record.objects.filter(campaign=campaign).values_list("external_id", flat=True)
    ) == [
        "c1",
        "j0",
        "j1",
        "j2",
    ]
