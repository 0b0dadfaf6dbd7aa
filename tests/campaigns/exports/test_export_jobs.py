"""Export jobs (issue 15): a campaign too large to stream in one request is exported in
the background; its requester polls the job and downloads the file until it expires."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.utils import timezone

from annotation.models import Record
from campaigns.exports.jobs import export_sweep
from campaigns.exports.models import ExportJob
from campaigns.publishing.dataset import pseudonym
from campaigns.publishing.models import Publication
from tests.campaigns.exports.test_exports import TEXT_QUESTIONS
from tests.campaigns.publishing.publishing_support import answer, make_campaign, users

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _jobs(campaign) -> str:
    return f"/api/v1/campaigns/{campaign.slug}/exports/"


@pytest.fixture
def answered():
    lead = users(1)[0]
    campaign = make_campaign(lead=lead, records=3, overlap=2, questions=TEXT_QUESTIONS)
    first, second = Record.objects.filter(campaign=campaign).order_by("id")[:2]
    alice, bob = users(2)
    answer(alice, first, quality=4, fix="=1+1")
    answer(bob, first, quality=2, fix="fine")
    answer(alice, second, quality=5, fix="ok")
    return campaign, lead, alice, bob


def _start(client, campaign, fmt, capture) -> tuple[int, dict]:
    """POST a job (its task runs once the request commits), then GET it."""
    with capture(execute=True):
        response = client.post(_jobs(campaign), {"format": fmt}, content_type="application/json")
    polled = client.get(f"{_jobs(campaign)}{response.json()['id']}/").json()
    return response.status_code, polled


def test_a_lead_queues_a_job_polls_it_and_downloads_the_file(
    answered, django_capture_on_commit_callbacks
):
    campaign, lead, alice, _ = answered
    client = _signed_in(lead)
    status, polled = _start(client, campaign, "csv", django_capture_on_commit_callbacks)
    assert status == 202 and polled["format"] == "csv"
    assert polled["state"] == "succeeded" and polled["percent"] == 100
    assert polled["records_total"] == polled["records_done"] == 3 and polled["rows"] == 4
    assert polled["expires_at"] and polled["download_url"].endswith(f"/{polled['id']}/download")
    response = client.get(polled["download_url"])
    assert response.status_code == 200
    assert f'filename="{campaign.slug}.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert len(body) == polled["size_bytes"]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    # The same rows as the streamed download: pseudonymous, formula-escaped.
    assert [r["id"] for r in rows] == ["r0", "r0", "r1", "r2"]
    assert rows[0]["annotator"] == pseudonym(campaign.pk, alice.pk)
    assert rows[0]["fix"] == "'=1+1"


def test_parquet_job_and_asking_again_while_one_is_queued(
    answered, django_capture_on_commit_callbacks
):
    campaign, lead, *_ = answered
    client = _signed_in(lead)
    first = client.post(_jobs(campaign), {"format": "parquet"}, content_type="application/json")
    assert first.status_code == 202 and first.json()["state"] == "pending"
    again = client.post(_jobs(campaign), {"format": "parquet"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    download = f"{_jobs(campaign)}{first.json()['id']}/download"
    not_ready = client.get(download)
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "export_not_ready"
    _, done = _start(client, campaign, "jsonl", django_capture_on_commit_callbacks)
    assert done["state"] == "succeeded"
    from campaigns.exports.jobs import export_job_run

    export_job_run(job_id=first.json()["id"])
    body = b"".join(client.get(download).streaming_content)
    assert len(body) == ExportJob.objects.get(pk=first.json()["id"]).size_bytes
    assert pq.read_table(io.BytesIO(body)).column("quality").to_pylist() == [4.0, 2.0, 5.0, None]


def test_a_job_is_its_requesters_alone_and_outsiders_get_404(
    answered, django_capture_on_commit_callbacks
):
    campaign, lead, *_ = answered
    _, job = _start(_signed_in(lead), campaign, "csv", django_capture_on_commit_callbacks)
    stranger = users(1)[0]
    # Not published yet: the campaign's export is not theirs to see at all.
    assert _signed_in(stranger).post(_jobs(campaign), {}).status_code == 404
    Publication.objects.create(
        campaign=campaign, requested_by=lead, state="succeeded", commit_id="abc"
    )
    for path in (f"{job['id']}/", f"{job['id']}/download"):
        assert _signed_in(stranger).get(_jobs(campaign) + path).status_code == 404
    assert Client().post(_jobs(campaign), {}).status_code in (401, 403)
    private = make_campaign(lead=lead, records=1, visibility="organisation", org="acme")
    assert _signed_in(stranger).post(_jobs(private), {}).status_code == 404
    assert _signed_in(stranger).get(f"{_jobs(private)}{job['id']}/").status_code == 404


def test_the_public_job_holds_the_published_selection(answered, django_capture_on_commit_callbacks):
    campaign, lead, alice, _ = answered
    Publication.objects.create(
        campaign=campaign, requested_by=lead, state="succeeded", commit_id="abc"
    )
    client = _signed_in(alice)
    _, job = _start(client, campaign, "csv", django_capture_on_commit_callbacks)
    assert job["include_in_progress"] is False
    body = b"".join(client.get(job["download_url"]).streaming_content).decode()
    assert {r["id"] for r in csv.DictReader(io.StringIO(body))} == {"r0"}


def test_an_expired_job_answers_410_and_the_sweeper_removes_its_file(
    answered, django_capture_on_commit_callbacks
):
    campaign, lead, *_ = answered
    client = _signed_in(lead)
    _, job = _start(client, campaign, "csv", django_capture_on_commit_callbacks)
    row = ExportJob.objects.get(pk=job["id"])
    storage, name = row.file.storage, row.file.name
    assert storage.exists(name)
    assert export_sweep()["expired"] == 0
    ExportJob.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = client.get(job["download_url"])
    assert gone.status_code == 410 and gone.json()["code"] == "export_expired"
    assert export_sweep()["expired"] == 1
    assert not storage.exists(name)
    polled = client.get(f"{_jobs(campaign)}{job['id']}/").json()
    assert polled["state"] == "expired" and polled["download_url"] is None


def test_bad_format_is_a_400(answered):
    campaign, lead, *_ = answered
    response = _signed_in(lead).post(
        _jobs(campaign), {"format": "xlsx"}, content_type="application/json"
    )
    assert response.status_code == 400 and "format" in response.json()


def test_a_large_campaign_is_not_streamed_but_sent_to_a_job(answered, settings):
    campaign, lead, *_ = answered
    client = _signed_in(lead)
    url = f"/api/v1/campaigns/{campaign.slug}/export?format=csv"
    settings.EXPORTS_DIRECT_MAX_RECORDS = 3
    assert client.get(url).status_code == 200
    settings.EXPORTS_DIRECT_MAX_RECORDS = 2
    refused = client.get(url)
    assert refused.status_code == 409 and refused.json()["code"] == "export_use_job"


def test_the_settings_page_offers_a_job_and_the_exports_page_lists_mine(
    answered, django_capture_on_commit_callbacks
):
    campaign, lead, *_ = answered
    client = _signed_in(lead)
    settings_page = client.get(f"/campaigns/{campaign.slug}/settings/").content.decode()
    assert f'action="/campaigns/{campaign.slug}/exports/"' in settings_page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/campaigns/{campaign.slug}/exports/", {"format": "jsonl"})
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    job = ExportJob.objects.get(campaign=campaign)
    assert job.format == "jsonl" and job.state == "succeeded"
    assert f"/api/v1/campaigns/{campaign.slug}/exports/{job.pk}/download" in page
    listed = client.get(_jobs(campaign)).json()
    assert [j["id"] for j in listed] == [job.pk]
    assert _signed_in(users(1)[0]).get(f"/campaigns/{campaign.slug}/exports/").status_code == 404
